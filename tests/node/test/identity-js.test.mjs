// amazon-cognito-identity-js (SRP by default) against the server, unchanged except for
// the `endpoint` of CognitoUserPool. Users get their passwords from AdminSetUserPassword.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import {
  authenticate,
  cognitoUser,
  completeNewPassword,
  promisify,
  refreshSession,
  tokensOf,
  CognitoRefreshToken,
} from "../lib/clients.mjs";
import {
  call,
  createApp,
  createUserWithTemporaryPassword,
  decodeJwt,
  setPermanentPassword,
  strongPassword,
  unique,
  userStatus,
} from "../lib/server.mjs";

const INCORRECT = "Incorrect username or password.";

let app;
before(async () => {
  app = await createApp();
});

function assertSession(session, username) {
  assert.ok(session.isValid(), "the session is not valid");
  const { id, access, refresh } = tokensOf(session);
  assert.ok(id && access && refresh);
  assert.equal(decodeJwt(id).payload["cognito:username"], username);
  assert.equal(decodeJwt(access).payload.username, username);
  assert.equal(decodeJwt(id).payload.aud, app.clientId);
}

describe("temporary password from AdminSetUserPassword, SRP", () => {
  test("newPasswordRequired, completeNewPasswordChallenge, then the permanent password", async () => {
    const username = unique("js");
    const temp = strongPassword();
    const next = strongPassword();
    await createUserWithTemporaryPassword(app.poolId, username, temp, {
      email: "js@example.com",
      name: "Jay Ess",
    });
    assert.equal(await userStatus(app.poolId, username), "FORCE_CHANGE_PASSWORD");

    const user = cognitoUser(app, username);
    const first = await authenticate(user, temp);
    assert.equal(first.kind, "newPasswordRequired", JSON.stringify(first.err ?? first));
    assert.deepEqual(first.userAttributes, { email: "js@example.com", name: "Jay Ess" });
    assert.deepEqual(first.requiredAttributes, []);

    // answer on the same CognitoUser (it keeps the Session), writing a non-required attribute
    const done = await completeNewPassword(user, next, { given_name: "Jay" });
    assert.equal(done.kind, "success", JSON.stringify(done.err ?? done));
    assertSession(done.session, username);
    assert.equal(decodeJwt(tokensOf(done.session).id).payload.given_name, "Jay");
    assert.equal(await userStatus(app.poolId, username), "CONFIRMED");

    // the permanent password signs in directly (no challenge)
    const again = await authenticate(cognitoUser(app, username), next);
    assert.equal(again.kind, "success", JSON.stringify(again.err ?? again));
    assertSession(again.session, username);

    // and the temporary one is gone
    const old = await authenticate(cognitoUser(app, username), temp);
    assert.equal(old.kind, "failure");
    assert.equal(old.err.code, "NotAuthorizedException");
    assert.equal(old.err.message, INCORRECT);
  });

  test("a policy refusal in completeNewPasswordChallenge, then a good password", async () => {
    const username = unique("js");
    const temp = strongPassword();
    await createUserWithTemporaryPassword(app.poolId, username, temp);
    const user = cognitoUser(app, username);
    assert.equal((await authenticate(user, temp)).kind, "newPasswordRequired");
    const weak = await completeNewPassword(user, "short1!");
    assert.equal(weak.kind, "failure");
    assert.equal(weak.err.code, "InvalidPasswordException");
    assert.equal(weak.err.message, "Password does not conform to policy: Password not long enough");
    const ok = await completeNewPassword(user, strongPassword());
    assert.equal(ok.kind, "success", JSON.stringify(ok.err ?? ok));
  });

  test("USER_PASSWORD_AUTH flow through the library", async () => {
    const username = unique("js");
    const temp = strongPassword();
    await createUserWithTemporaryPassword(app.poolId, username, temp);
    const user = cognitoUser(app, username);
    const first = await authenticate(user, temp, "USER_PASSWORD_AUTH");
    assert.equal(first.kind, "newPasswordRequired", JSON.stringify(first.err ?? first));
    const done = await completeNewPassword(user, strongPassword());
    assert.equal(done.kind, "success", JSON.stringify(done.err ?? done));
    assertSession(done.session, username);
  });
});

describe("permanent password from AdminSetUserPassword", () => {
  test("SRP sign-in goes straight to onSuccess", async () => {
    const username = unique("js");
    const perm = strongPassword();
    await createUserWithTemporaryPassword(app.poolId, username, strongPassword());
    await setPermanentPassword(app.poolId, username, perm);
    const r = await authenticate(cognitoUser(app, username), perm);
    assert.equal(r.kind, "success", JSON.stringify(r.err ?? r));
    assertSession(r.session, username);
  });

  test("wrong password: onFailure with NotAuthorizedException and the real message", async () => {
    const username = unique("js");
    const perm = strongPassword();
    await createUserWithTemporaryPassword(app.poolId, username, strongPassword());
    await setPermanentPassword(app.poolId, username, perm);
    for (const flow of [undefined, "USER_PASSWORD_AUTH"]) {
      const r = await authenticate(cognitoUser(app, username), strongPassword(), flow);
      assert.equal(r.kind, "failure");
      assert.equal(r.err.code, "NotAuthorizedException");
      assert.equal(r.err.name, "NotAuthorizedException");
      assert.equal(r.err.message, INCORRECT);
    }
  });

  test("unknown user: UserNotFoundException (LEGACY client)", async () => {
    const r = await authenticate(cognitoUser(app, unique("nobody")), strongPassword());
    assert.equal(r.kind, "failure");
    assert.equal(r.err.code, "UserNotFoundException");
    assert.equal(r.err.message, "User does not exist.");
  });

  test("unknown user with PreventUserExistenceErrors: the SRP round 2 fails generically", async () => {
    const hidden = await createApp({ clientExtra: { PreventUserExistenceErrors: "ENABLED" } });
    const r = await authenticate(cognitoUser(hidden, unique("nobody")), strongPassword());
    assert.equal(r.kind, "failure");
    assert.equal(r.err.code, "NotAuthorizedException");
    assert.equal(r.err.message, INCORRECT);
  });

  test("disabled user", async () => {
    const username = unique("js");
    const perm = strongPassword();
    await createUserWithTemporaryPassword(app.poolId, username, strongPassword());
    await setPermanentPassword(app.poolId, username, perm);
    await call("AdminDisableUser", { UserPoolId: app.poolId, Username: username });
    const r = await authenticate(cognitoUser(app, username), perm);
    assert.equal(r.kind, "failure");
    assert.equal(r.err.code, "NotAuthorizedException");
    assert.equal(r.err.message, "User is disabled.");
  });

  test("refreshSession, getUserAttributes, changePassword, globalSignOut", async () => {
    const username = unique("js");
    const perm = strongPassword();
    const next = strongPassword();
    await createUserWithTemporaryPassword(app.poolId, username, strongPassword(), {
      email: "ops@example.com",
    });
    await setPermanentPassword(app.poolId, username, perm);
    const user = cognitoUser(app, username);
    const signedIn = await authenticate(user, perm);
    assert.equal(signedIn.kind, "success", JSON.stringify(signedIn.err ?? signedIn));
    const first = tokensOf(signedIn.session);

    const refreshed = await refreshSession(user, new CognitoRefreshToken({ RefreshToken: first.refresh }));
    assert.equal(refreshed.kind, "success", JSON.stringify(refreshed.err ?? refreshed));
    const second = tokensOf(refreshed.session);
    assert.notEqual(second.access, first.access);
    assert.equal(decodeJwt(second.id).payload.auth_time, decodeJwt(first.id).payload.auth_time);

    const attrs = await promisify((cb) => user.getUserAttributes(cb));
    assert.equal(attrs.err, null, String(attrs.err));
    const byName = Object.fromEntries(attrs.result.map((a) => [a.getName(), a.getValue()]));
    assert.equal(byName.email, "ops@example.com");
    assert.match(byName.sub, /^[0-9a-f-]{36}$/);

    const changed = await promisify((cb) => user.changePassword(perm, next, cb));
    assert.equal(changed.err, null, String(changed.err));
    const wrongPrev = await promisify((cb) => user.changePassword(perm, strongPassword(), cb));
    assert.equal(wrongPrev.err?.code, "NotAuthorizedException");
    assert.equal(wrongPrev.err?.message, INCORRECT);

    const out = await new Promise((resolve) =>
      user.globalSignOut({ onSuccess: () => resolve(null), onFailure: (err) => resolve(err) }),
    );
    assert.equal(out, null, String(out));
    // the old tokens are revoked
    const revoked = await refreshSession(
      cognitoUser(app, username),
      new CognitoRefreshToken({ RefreshToken: first.refresh }),
    );
    assert.equal(revoked.kind, "failure");
    assert.equal(revoked.err.code, "NotAuthorizedException");
    assert.equal(revoked.err.message, "Refresh Token has been revoked");
    await assert.rejects(call("GetUser", { AccessToken: second.access }, { sign: false }), {
      name: "NotAuthorizedException",
      message: "Access Token has been revoked",
    });

    // the new password signs in
    const again = await authenticate(cognitoUser(app, username), next);
    assert.equal(again.kind, "success", JSON.stringify(again.err ?? again));
  });
});

test("SRP works for salts of every shape (high bit set, odd hex length)", async () => {
  // spec §2.5: the library does padHex(new BigInteger(SALT, 16)); the server must agree.
  const username = unique("salt");
  await createUserWithTemporaryPassword(app.poolId, username, strongPassword());
  const seen = new Set();
  for (let i = 0; i < 200 && seen.size < 3; i++) {
    const pw = strongPassword();
    await setPermanentPassword(app.poolId, username, pw);
    const round1 = await call(
      "InitiateAuth",
      { ClientId: app.clientId, AuthFlow: "USER_SRP_AUTH", AuthParameters: { USERNAME: username, SRP_A: "2" } },
      { sign: false },
    );
    const salt = round1.ChallengeParameters.SALT;
    const shape = salt.length % 2 ? "odd" : /^[89a-f]/.test(salt) ? "high" : "low";
    if (seen.has(shape)) continue;
    seen.add(shape);
    const r = await authenticate(cognitoUser(app, username), pw);
    assert.equal(r.kind, "success", `salt ${salt}: ${JSON.stringify(r.err ?? r)}`);
  }
  assert.deepEqual([...seen].sort(), ["high", "low", "odd"]);
});
