// Test support for the Node clients: where the server is (from run.sh's environment), a tiny
// SigV4-signed admin client (plain fetch + node:crypto, no AWS SDK), and pool/user setup.
//
// Environment (set by tests/node/run.sh):
//   USERPOOLS_URL                 e.g. http://127.0.0.1:40123 (the server's endpoint)
//   USERPOOLS_ACCESS_KEY_ID       root credentials the server was started with
//   USERPOOLS_SECRET_ACCESS_KEY
//   USERPOOLS_REGION              default us-east-1
//   USERPOOLS_COGNITO_ISSUER_URL  a second server started with
//                                 --issuer-base-url https://cognito-idp.<region>.amazonaws.com

import { createHash, createHmac, randomBytes } from "node:crypto";

export const URL_ = process.env.USERPOOLS_URL;
// A second server whose --issuer-base-url is Cognito's own (so that CognitoJwtVerifier,
// which insists on the real issuer, can be used too); optional.
export const COGNITO_ISSUER_URL = process.env.USERPOOLS_COGNITO_ISSUER_URL;
export const REGION = process.env.USERPOOLS_REGION || "us-east-1";
const AKID = process.env.USERPOOLS_ACCESS_KEY_ID;
const SECRET = process.env.USERPOOLS_SECRET_ACCESS_KEY;

if (!URL_ || !AKID || !SECRET) {
  throw new Error(
    "USERPOOLS_URL / USERPOOLS_ACCESS_KEY_ID / USERPOOLS_SECRET_ACCESS_KEY are not set: " +
      "run the Node tests through tests/node/run.sh",
  );
}

const TARGET = "AWSCognitoIdentityProviderService";
const sha256hex = (data) => createHash("sha256").update(data).digest("hex");
const hmac = (key, data) => createHmac("sha256", key).update(data).digest();

/** An error answered by the server: name = __type, message = message. */
export class ServiceError extends Error {
  constructor(type, message, status) {
    super(message);
    this.name = type;
    this.code = type;
    this.status = status;
  }
}

/** Calls one operation, SigV4-signed with the root credentials (or unsigned). */
export async function call(operation, body = {}, { sign = true, base = URL_ } = {}) {
  const payload = JSON.stringify(body);
  const url = new URL(base + "/");
  const headers = {
    "content-type": "application/x-amz-json-1.1",
    "x-amz-target": `${TARGET}.${operation}`,
  };
  if (sign) {
    const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    const day = amzDate.slice(0, 8);
    headers["x-amz-date"] = amzDate;
    const signed = { ...headers, host: url.host };
    const names = Object.keys(signed).sort();
    const canonical = [
      "POST",
      "/",
      "",
      names.map((n) => `${n}:${signed[n]}\n`).join(""),
      names.join(";"),
      sha256hex(payload),
    ].join("\n");
    const scope = `${day}/${REGION}/cognito-idp/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256hex(canonical)].join("\n");
    let key = hmac("AWS4" + SECRET, day);
    for (const part of [REGION, "cognito-idp", "aws4_request"]) key = hmac(key, part);
    const signature = createHmac("sha256", key).update(toSign).digest("hex");
    headers.authorization =
      `AWS4-HMAC-SHA256 Credential=${AKID}/${scope}, ` +
      `SignedHeaders=${names.join(";")}, Signature=${signature}`;
  }
  const resp = await fetch(url, { method: "POST", headers, body: payload });
  const text = await resp.text();
  const data = text ? JSON.parse(text) : {};
  if (!resp.ok) {
    const type = String(data.__type || data.code || "Unknown").split("#").pop();
    throw new ServiceError(type, data.message || data.Message, resp.status);
  }
  return data;
}

let counter = 0;
export function unique(prefix = "n") {
  counter += 1;
  return `${prefix}-${counter}-${randomBytes(4).toString("hex")}`;
}

/** A password that satisfies the strong policy, distinct each time. */
export function strongPassword() {
  return `Str0ng!Js${randomBytes(5).toString("hex")}`;
}

export const ALL_FLOWS = [
  "ALLOW_USER_SRP_AUTH",
  "ALLOW_USER_PASSWORD_AUTH",
  "ALLOW_ADMIN_USER_PASSWORD_AUTH",
  "ALLOW_REFRESH_TOKEN_AUTH",
];

/** A pool with the strong policy and one app client: { poolId, clientId, clientSecret }. */
export async function createApp({
  flows = ALL_FLOWS,
  secret = false,
  clientExtra = {},
  base = URL_,
} = {}) {
  const opts = { base };
  const pool = await call("CreateUserPool", {
    PoolName: unique("node-pool"),
    Policies: {
      PasswordPolicy: {
        MinimumLength: 8,
        RequireUppercase: true,
        RequireLowercase: true,
        RequireNumbers: true,
        RequireSymbols: true,
      },
    },
  }, opts);
  const poolId = pool.UserPool.Id;
  const client = await call("CreateUserPoolClient", {
    UserPoolId: poolId,
    ClientName: unique("node-client"),
    ExplicitAuthFlows: flows,
    GenerateSecret: secret,
    ...clientExtra,
  }, opts);
  return {
    poolId,
    clientId: client.UserPoolClient.ClientId,
    clientSecret: client.UserPoolClient.ClientSecret,
    base,
  };
}

/** AdminCreateUser (no message), then AdminSetUserPassword(Permanent=false) with `temp`. */
export async function createUserWithTemporaryPassword(
  poolId,
  username,
  temp,
  attributes = {},
  base = URL_,
) {
  await call("AdminCreateUser", {
    UserPoolId: poolId,
    Username: username,
    MessageAction: "SUPPRESS",
    UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
  }, { base });
  await call("AdminSetUserPassword", {
    UserPoolId: poolId,
    Username: username,
    Password: temp,
    Permanent: false,
  }, { base });
}

export async function setPermanentPassword(poolId, username, password, base = URL_) {
  await call("AdminSetUserPassword", {
    UserPoolId: poolId,
    Username: username,
    Password: password,
    Permanent: true,
  }, { base });
}

export async function userStatus(poolId, username) {
  return (await call("AdminGetUser", { UserPoolId: poolId, Username: username })).UserStatus;
}

export async function jwksOf(poolId, base = URL_) {
  const r = await fetch(`${base}/${poolId}/.well-known/jwks.json`);
  if (r.status !== 200) throw new Error(`JWKS: HTTP ${r.status}`);
  return r.json();
}

export function decodeJwt(token) {
  const [h, p] = token.split(".");
  const dec = (s) => JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
  return { header: dec(h), payload: dec(p) };
}

/**
 * The messages the server held for `destination` in its outbox (the server runs with
 * --test-clock, which exposes GET /_userpools/outbox), newest first.
 */
export async function outbox(poolId, destination, base = URL_) {
  const query = new URLSearchParams({ userPoolId: poolId, destination });
  const r = await fetch(`${base}/_userpools/outbox?${query}`);
  if (r.status !== 200) throw new Error(`outbox: HTTP ${r.status} ${await r.text()}`);
  const data = await r.json();
  return Array.isArray(data) ? data : data.messages;
}

/** The code of the newest message held for `destination`, checking it is for `purpose`. */
export async function latestCode(poolId, destination, purpose, base = URL_) {
  const [newest] = await outbox(poolId, destination, base);
  if (!newest) throw new Error(`no message held for ${destination}`);
  if (purpose && newest.purpose !== purpose) {
    throw new Error(`newest message for ${destination} is for ${newest.purpose}, not ${purpose}`);
  }
  return newest.code;
}
