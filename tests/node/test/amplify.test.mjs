// Amplify v6 (aws-amplify, in Node) against the server, configured only with
// `userPoolEndpoint`: the sign-up → confirm → sign-in → forgotten password journey of a new
// app, with the codes read from the server's outbox.

import assert from "node:assert/strict";
import { before, test } from "node:test";

import { Amplify } from "aws-amplify";
import {
  confirmResetPassword,
  confirmSignUp,
  fetchAuthSession,
  fetchUserAttributes,
  resetPassword,
  signIn,
  signOut,
  signUp,
} from "aws-amplify/auth";

import { call, decodeJwt, latestCode, strongPassword, unique, URL_ } from "../lib/server.mjs";

let poolId;
before(async () => {
  const pool = await call("CreateUserPool", {
    PoolName: unique("amplify-pool"),
    UsernameAttributes: ["email"],
    AutoVerifiedAttributes: ["email"],
  });
  poolId = pool.UserPool.Id;
  const client = await call("CreateUserPoolClient", {
    UserPoolId: poolId,
    ClientName: unique("amplify-client"),
    ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  });
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: poolId,
        userPoolClientId: client.UserPoolClient.ClientId,
        userPoolEndpoint: URL_,
        loginWith: { email: true },
        signUpVerificationMethod: "code",
      },
    },
  });
});

test("signUp, confirmSignUp, signIn, resetPassword, confirmResetPassword, signIn", async () => {
  const email = `${unique("amp")}@example.com`;
  const first = strongPassword();
  const signedUp = await signUp({
    username: email,
    password: first,
    options: { userAttributes: { email, name: "Amp Lify" } },
  });
  assert.equal(signedUp.isSignUpComplete, false);
  assert.equal(signedUp.nextStep.signUpStep, "CONFIRM_SIGN_UP");
  assert.equal(signedUp.nextStep.codeDeliveryDetails.deliveryMedium, "EMAIL");
  assert.match(signedUp.nextStep.codeDeliveryDetails.destination, /^a\*\*\*@e\*\*\*/);

  const code = await latestCode(poolId, email, "SIGN_UP");
  assert.match(code, /^\d{6}$/);
  const confirmed = await confirmSignUp({ username: email, confirmationCode: code });
  assert.equal(confirmed.isSignUpComplete, true);

  const signedIn = await signIn({ username: email, password: first });
  assert.equal(signedIn.isSignedIn, true);
  const session = await fetchAuthSession();
  const id = decodeJwt(session.tokens.idToken.toString()).payload;
  assert.equal(id.email, email);
  assert.equal(id.email_verified, true);
  const attributes = await fetchUserAttributes();
  assert.equal(attributes.email_verified, "true");
  assert.equal(attributes.name, "Amp Lify");
  await signOut();

  const reset = await resetPassword({ username: email });
  assert.equal(reset.nextStep.resetPasswordStep, "CONFIRM_RESET_PASSWORD_WITH_CODE");
  assert.equal(reset.nextStep.codeDeliveryDetails.deliveryMedium, "EMAIL");
  const resetCode = await latestCode(poolId, email, "FORGOT_PASSWORD");
  const second = strongPassword();
  await confirmResetPassword({ username: email, confirmationCode: resetCode, newPassword: second });

  await assert.rejects(signIn({ username: email, password: first }), {
    name: "NotAuthorizedException",
    message: "Incorrect username or password.",
  });
  const again = await signIn({ username: email, password: second });
  assert.equal(again.isSignedIn, true);
  await signOut();
});

test("a wrong confirmation code is refused with CodeMismatchException", async () => {
  const email = `${unique("amp")}@example.com`;
  await signUp({ username: email, password: strongPassword(), options: { userAttributes: { email } } });
  const code = await latestCode(poolId, email, "SIGN_UP");
  const wrong = code === "000000" ? "111111" : "000000";
  await assert.rejects(confirmSignUp({ username: email, confirmationCode: wrong }), {
    name: "CodeMismatchException",
    message: "Invalid verification code provided, please try again.",
  });
});
