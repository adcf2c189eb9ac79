// aws-jwt-verify against the server's tokens and JWKS.
//  * JwtRsaVerifier (generic): issuer = the token issuer the server uses
//    (<listen URL>/<poolId>), jwksUri = the server's JWKS URL.
//  * CognitoJwtVerifier: needs the issuer to be Cognito's own URL, so it runs against a
//    second server started with --issuer-base-url https://cognito-idp.<region>.amazonaws.com
//    (run.sh), the JWKS fetch being routed to that server.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import { CognitoJwtVerifier, JwtRsaVerifier } from "aws-jwt-verify";
import {
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureError,
  CognitoJwtInvalidTokenUseError,
  CognitoJwtInvalidClientIdError,
} from "aws-jwt-verify/error";

import { authenticate, cognitoUser, completeNewPassword, jwksCache, tokensOf } from "../lib/clients.mjs";
import {
  COGNITO_ISSUER_URL,
  REGION,
  URL_,
  call,
  createApp,
  createUserWithTemporaryPassword,
  decodeJwt,
  jwksOf,
  setPermanentPassword,
  strongPassword,
  unique,
} from "../lib/server.mjs";

/** Signs a user in by SRP (temporary password, new password) and returns its tokens. */
async function signIn(app, attributes = { email: "v@example.com", email_verified: "true" }) {
  const username = unique("jwt");
  const temp = strongPassword();
  await createUserWithTemporaryPassword(app.poolId, username, temp, attributes, app.base);
  const user = cognitoUser(app, username);
  const first = await authenticate(user, temp);
  assert.equal(first.kind, "newPasswordRequired", JSON.stringify(first.err ?? first));
  const done = await completeNewPassword(user, strongPassword());
  assert.equal(done.kind, "success", JSON.stringify(done.err ?? done));
  return { username, ...tokensOf(done.session) };
}

function tamper(token) {
  const [h, p, s] = token.split(".");
  const payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  payload.sub = "00000000-0000-4000-8000-000000000000";
  return [h, Buffer.from(JSON.stringify(payload)).toString("base64url"), s].join(".");
}

function flipSignature(token) {
  const [h, p, s] = token.split(".");
  const sig = Buffer.from(s, "base64url");
  sig[sig.length >> 1] ^= 1;
  return [h, p, sig.toString("base64url")].join(".");
}

describe("JwtRsaVerifier with the server's issuer and JWKS", () => {
  let app;
  let tokens;
  let issuer;
  let jwksUri;

  before(async () => {
    app = await createApp();
    tokens = await signIn(app);
    issuer = `${URL_}/${app.poolId}`;
    jwksUri = `${URL_}/${app.poolId}/.well-known/jwks.json`;
  });

  test("the OpenID configuration names this issuer and JWKS", async () => {
    const r = await fetch(`${URL_}/${app.poolId}/.well-known/openid-configuration`);
    assert.equal(r.status, 200);
    const doc = await r.json();
    assert.equal(doc.issuer, issuer);
    assert.equal(doc.jwks_uri, jwksUri);
  });

  test("ID token: signature, issuer, audience, claims", async () => {
    const verifier = JwtRsaVerifier.create(
      { issuer, audience: app.clientId, jwksUri },
      { jwksCache: jwksCache() },
    );
    const payload = await verifier.verify(tokens.id);
    assert.equal(payload.token_use, "id");
    assert.equal(payload.aud, app.clientId);
    assert.equal(payload["cognito:username"], tokens.username);
    assert.equal(payload.email, "v@example.com");
    assert.equal(payload.email_verified, true);
    for (const claim of ["sub", "auth_time", "iat", "exp", "jti", "origin_jti", "event_id"]) {
      assert.ok(claim in payload, `ID token lacks ${claim}`);
    }
  });

  test("access token: signature, issuer, no audience, claims", async () => {
    const verifier = JwtRsaVerifier.create(
      { issuer, audience: null, jwksUri },
      { jwksCache: jwksCache() },
    );
    const payload = await verifier.verify(tokens.access);
    assert.equal(payload.token_use, "access");
    assert.equal(payload.client_id, app.clientId);
    assert.equal(payload.username, tokens.username);
    assert.equal(payload.scope, "aws.cognito.signin.user.admin");
    assert.equal(payload.aud, undefined);
  });

  test("ID and access tokens use different keys of the pool JWKS", async () => {
    const kids = (await jwksOf(app.poolId)).keys.map((k) => k.kid);
    const idKid = decodeJwt(tokens.id).header.kid;
    const accessKid = decodeJwt(tokens.access).header.kid;
    assert.notEqual(idKid, accessKid);
    assert.deepEqual(new Set(kids), new Set([idKid, accessKid]));
    assert.equal(decodeJwt(tokens.id).header.alg, "RS256");
  });

  test("tampered tokens are rejected", async () => {
    const idVerifier = JwtRsaVerifier.create(
      { issuer, audience: app.clientId, jwksUri },
      { jwksCache: jwksCache() },
    );
    const accessVerifier = JwtRsaVerifier.create(
      { issuer, audience: null, jwksUri },
      { jwksCache: jwksCache() },
    );
    await assert.rejects(idVerifier.verify(tamper(tokens.id)), JwtInvalidSignatureError);
    await assert.rejects(accessVerifier.verify(tamper(tokens.access)), JwtInvalidSignatureError);
    await assert.rejects(accessVerifier.verify(flipSignature(tokens.access)), JwtInvalidSignatureError);
  });

  test("a wrong issuer or audience is rejected", async () => {
    const otherIssuer = JwtRsaVerifier.create(
      { issuer: `${URL_}/us-east-1_Other1234`, audience: null, jwksUri },
      { jwksCache: jwksCache() },
    );
    await assert.rejects(otherIssuer.verify(tokens.access), JwtInvalidIssuerError);
    const idVerifier = JwtRsaVerifier.create(
      { issuer, audience: app.clientId, jwksUri },
      { jwksCache: jwksCache() },
    );
    // the access token has no aud
    await assert.rejects(idVerifier.verify(tokens.access), JwtInvalidAudienceError);
    const otherAudience = JwtRsaVerifier.create(
      { issuer, audience: "someotherclientid", jwksUri },
      { jwksCache: jwksCache() },
    );
    await assert.rejects(otherAudience.verify(tokens.id), JwtInvalidAudienceError);
  });

  test("another pool's JWKS does not verify this pool's tokens", async () => {
    const other = await createApp();
    const verifier = JwtRsaVerifier.create(
      { issuer, audience: null, jwksUri: `${URL_}/${other.poolId}/.well-known/jwks.json` },
      { jwksCache: jwksCache() },
    );
    await assert.rejects(verifier.verify(tokens.access));
  });

  test("tokens from refresh verify too", async () => {
    const r = await call(
      "InitiateAuth",
      { ClientId: app.clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: tokens.refresh } },
      { sign: false },
    );
    assert.equal(r.AuthenticationResult.RefreshToken, undefined);
    const verifier = JwtRsaVerifier.create(
      { issuer, audience: app.clientId, jwksUri },
      { jwksCache: jwksCache() },
    );
    const payload = await verifier.verify(r.AuthenticationResult.IdToken);
    assert.equal(payload["cognito:username"], tokens.username);
  });
});

describe("CognitoJwtVerifier (server started with Cognito's issuer URL)", { skip: !COGNITO_ISSUER_URL && "USERPOOLS_COGNITO_ISSUER_URL not set" }, () => {
  const cognitoBase = `https://cognito-idp.${REGION}.amazonaws.com`;
  let app;
  let tokens;
  const cache = () => jwksCache((uri) => {
    assert.ok(uri.startsWith(cognitoBase + "/"), `unexpected JWKS URI ${uri}`);
    return COGNITO_ISSUER_URL + uri.slice(cognitoBase.length);
  });

  before(async () => {
    app = await createApp({ base: COGNITO_ISSUER_URL });
    const username = unique("cjv");
    const perm = strongPassword();
    await createUserWithTemporaryPassword(app.poolId, username, strongPassword(), {}, app.base);
    await setPermanentPassword(app.poolId, username, perm, app.base);
    const r = await authenticate(cognitoUser(app, username), perm);
    assert.equal(r.kind, "success", JSON.stringify(r.err ?? r));
    tokens = { username, ...tokensOf(r.session) };
  });

  test("the tokens carry Cognito's issuer", () => {
    assert.equal(decodeJwt(tokens.id).payload.iss, `${cognitoBase}/${app.poolId}`);
    assert.equal(decodeJwt(tokens.access).payload.iss, `${cognitoBase}/${app.poolId}`);
  });

  test("tokenUse id and access, with the client id", async () => {
    const id = CognitoJwtVerifier.create(
      { userPoolId: app.poolId, tokenUse: "id", clientId: app.clientId },
      { jwksCache: cache() },
    );
    const access = CognitoJwtVerifier.create(
      { userPoolId: app.poolId, tokenUse: "access", clientId: app.clientId },
      { jwksCache: cache() },
    );
    assert.equal((await id.verify(tokens.id))["cognito:username"], tokens.username);
    assert.equal((await access.verify(tokens.access)).username, tokens.username);
    // token_use is checked both ways
    await assert.rejects(id.verify(tokens.access), CognitoJwtInvalidTokenUseError);
    await assert.rejects(access.verify(tokens.id), CognitoJwtInvalidTokenUseError);
    // and the client id
    const otherClient = CognitoJwtVerifier.create(
      { userPoolId: app.poolId, tokenUse: "access", clientId: "someotherclientid" },
      { jwksCache: cache() },
    );
    await assert.rejects(otherClient.verify(tokens.access), CognitoJwtInvalidClientIdError);
    await assert.rejects(access.verify(tamper(tokens.access)), JwtInvalidSignatureError);
  });
});
