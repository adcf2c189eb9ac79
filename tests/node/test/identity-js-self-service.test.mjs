// amazon-cognito-identity-js: signUp → confirmRegistration → authenticateUser →
// forgotPassword → confirmPassword → authenticateUser, with the codes read from the outbox.

import assert from "node:assert/strict";
import { before, test } from "node:test";

import cognito from "amazon-cognito-identity-js";

import { authenticate, cognitoUser, promisify, userPool } from "../lib/clients.mjs";
import { call, latestCode, strongPassword, unique } from "../lib/server.mjs";

const { CognitoUserAttribute } = cognito;

let app;
before(async () => {
  const pool = await call("CreateUserPool", {
    PoolName: unique("js-self-service"),
    AutoVerifiedAttributes: ["email"],
  });
  const poolId = pool.UserPool.Id;
  const client = await call("CreateUserPoolClient", {
    UserPoolId: poolId,
    ClientName: unique("js-client"),
    ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  });
  app = { poolId, clientId: client.UserPoolClient.ClientId };
});

function forgotPassword(user) {
  return new Promise((resolve) => {
    user.forgotPassword({
      onSuccess: (data) => resolve({ kind: "success", data }),
      onFailure: (err) => resolve({ kind: "failure", err }),
      inputVerificationCode: (data) => resolve({ kind: "inputVerificationCode", data }),
    });
  });
}

function confirmPassword(user, code, password) {
  return new Promise((resolve) => {
    user.confirmPassword(code, password, {
      onSuccess: (data) => resolve({ kind: "success", data }),
      onFailure: (err) => resolve({ kind: "failure", err }),
    });
  });
}

test("sign up, confirm, sign in, forget the password, reset it, sign in", async () => {
  const username = unique("js");
  const email = `${username}@example.com`;
  const first = strongPassword();
  const signedUp = await promisify((cb) =>
    userPool(app).signUp(username, first, [new CognitoUserAttribute({ Name: "email", Value: email })], null, cb),
  );
  assert.ifError(signedUp.err);
  assert.equal(signedUp.result.userConfirmed, false);
  assert.equal(signedUp.result.codeDeliveryDetails.DeliveryMedium, "EMAIL");
  assert.equal(signedUp.result.codeDeliveryDetails.AttributeName, "email");

  const user = cognitoUser(app, username);
  const unconfirmed = await authenticate(user, first);
  assert.equal(unconfirmed.kind, "failure");
  assert.equal(unconfirmed.err.code, "UserNotConfirmedException");

  const code = await latestCode(app.poolId, email, "SIGN_UP");
  const wrong = await promisify((cb) => user.confirmRegistration(code === "000000" ? "111111" : "000000", true, cb));
  assert.equal(wrong.err.code, "CodeMismatchException");
  const confirmed = await promisify((cb) => user.confirmRegistration(code, true, cb));
  assert.ifError(confirmed.err);
  assert.equal(confirmed.result, "SUCCESS");
  const reused = await promisify((cb) => user.confirmRegistration(code, true, cb));
  assert.equal(reused.err.code, "NotAuthorizedException");

  assert.equal((await authenticate(cognitoUser(app, username), first)).kind, "success");

  const forgot = await forgotPassword(cognitoUser(app, username));
  assert.equal(forgot.kind, "inputVerificationCode");
  assert.equal(forgot.data.CodeDeliveryDetails.DeliveryMedium, "EMAIL");
  const resetCode = await latestCode(app.poolId, email, "FORGOT_PASSWORD");
  const second = strongPassword();
  const reset = await confirmPassword(cognitoUser(app, username), resetCode, second);
  assert.equal(reset.kind, "success");

  const old = await authenticate(cognitoUser(app, username), first);
  assert.equal(old.kind, "failure");
  assert.equal(old.err.code, "NotAuthorizedException");
  assert.equal((await authenticate(cognitoUser(app, username), second)).kind, "success");
});
