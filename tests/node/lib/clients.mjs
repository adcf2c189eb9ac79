// Promise wrappers around amazon-cognito-identity-js (callback API) and aws-jwt-verify's
// JWKS fetching over plain http (its own fetcher speaks https only).

import cognito from "amazon-cognito-identity-js";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";

import { URL_ } from "./server.mjs";

const { AuthenticationDetails, CognitoUser, CognitoUserPool, CognitoRefreshToken } = cognito;

export { CognitoRefreshToken };

/** A CognitoUserPool pointed at the server: the only change a real app makes. */
export function userPool(app, endpoint = app.base ?? URL_) {
  return new CognitoUserPool({ UserPoolId: app.poolId, ClientId: app.clientId, endpoint });
}

export function cognitoUser(app, username, endpoint) {
  return new CognitoUser({ Username: username, Pool: userPool(app, endpoint) });
}

/**
 * authenticateUser, resolved with which callback fired:
 *   { kind: "success", session } | { kind: "newPasswordRequired", userAttributes,
 *   requiredAttributes } | { kind: "failure", err } | { kind: <other callback> }.
 * `flow` = "USER_SRP_AUTH" (the library's default) or "USER_PASSWORD_AUTH".
 */
export function authenticate(user, password, flow) {
  if (flow) user.setAuthenticationFlowType(flow);
  const details = new AuthenticationDetails({ Username: user.getUsername(), Password: password });
  return new Promise((resolve) => {
    const other = (kind) => (...args) => resolve({ kind, args });
    user.authenticateUser(details, {
      onSuccess: (session) => resolve({ kind: "success", session }),
      onFailure: (err) => resolve({ kind: "failure", err }),
      newPasswordRequired: (userAttributes, requiredAttributes) =>
        resolve({ kind: "newPasswordRequired", userAttributes, requiredAttributes }),
      mfaRequired: other("mfaRequired"),
      totpRequired: other("totpRequired"),
      customChallenge: other("customChallenge"),
      mfaSetup: other("mfaSetup"),
      selectMFAType: other("selectMFAType"),
    });
  });
}

export function completeNewPassword(user, newPassword, attributes = {}) {
  return new Promise((resolve) => {
    user.completeNewPasswordChallenge(newPassword, attributes, {
      onSuccess: (session) => resolve({ kind: "success", session }),
      onFailure: (err) => resolve({ kind: "failure", err }),
      mfaRequired: (...args) => resolve({ kind: "mfaRequired", args }),
      mfaSetup: (...args) => resolve({ kind: "mfaSetup", args }),
    });
  });
}

export function refreshSession(user, refreshToken) {
  return new Promise((resolve) => {
    user.refreshSession(refreshToken, (err, session) =>
      resolve(err ? { kind: "failure", err } : { kind: "success", session }),
    );
  });
}

export function promisify(fn) {
  return new Promise((resolve) => fn((err, result) => resolve({ err, result })));
}

/** The tokens of a CognitoUserSession. */
export function tokensOf(session) {
  return {
    id: session.getIdToken().getJwtToken(),
    access: session.getAccessToken().getJwtToken(),
    refresh: session.getRefreshToken().getToken(),
  };
}

/**
 * A JWKS cache for aws-jwt-verify that fetches over http, optionally rewriting the URI
 * (e.g. Cognito's public JWKS URL to the server's).
 */
export function jwksCache(rewrite = (uri) => uri) {
  return new SimpleJwksCache({
    fetcher: {
      fetch: async (uri) => {
        const target = rewrite(uri);
        const r = await fetch(target);
        if (r.status !== 200) throw new Error(`JWKS ${target}: HTTP ${r.status}`);
        return r.arrayBuffer();
      },
    },
  });
}
