// Starts the Cognito emulator (npm cognito-local) with the one admin call the service makes
// that it lacks: AdminUserGlobalSignOut, which in Cognito ends every refresh token the user
// holds. The emulator keeps a user's refresh tokens on its record (`RefreshTokens`, as its own
// RevokeToken does), so signing out everywhere empties that list; a refresh with an old token
// then fails as in Cognito. And it invokes its triggers as Lambda answers (below). Everything
// else is the emulator as published.
"use strict";
const path = require("path");

const lib = path.join(__dirname, "..", "..", "node_modules", "cognito-local", "lib");
const { Targets } = require(path.join(lib, "targets", "targets"));
const { UserNotFoundError } = require(path.join(lib, "errors"));

if (!Targets.AdminUserGlobalSignOut) {
  Targets.AdminUserGlobalSignOut = ({ cognito, clock }) => async (ctx, req) => {
    const userPool = await cognito.getUserPool(ctx, req.UserPoolId);
    const user = await userPool.getUserByUsername(ctx, req.Username);
    if (!user) {
      throw new UserNotFoundError();
    }
    await userPool.saveUser(ctx, { ...user, RefreshTokens: [], UserLastModifiedDate: clock.get() });
    return {};
  };
}

// The emulator invokes its triggers with the JS SDK's Lambda client. `cargo lambda watch`
// answers a function's error with HTTP 500 where Lambda's Invoke answers 200 with
// `X-Amz-Function-Error: Unhandled` and the error as its payload: the SDK then retries and the
// emulator refuses the sign-in with "Unexpected error when invoking lambda", hiding the sign-in
// gate's words (why the contact may not sign in), which the portal's pages show. So triggers are
// invoked here as Lambda answers: the emulator's own handling of a function error (a
// UserLambdaValidationException carrying the error's message, as Cognito's) does the rest.
const { LambdaService } = require(path.join(lib, "services", "lambda"));
const invoke = LambdaService.prototype.invoke;
LambdaService.prototype.invoke = function (ctx, trigger, event) {
  if (!this.invokesAsLambda) {
    const endpoint = this.lambdaClient.endpoint.href.replace(/\/$/, "");
    this.lambdaClient = { invoke: (params) => ({ promise: () => invokeAsLambda(endpoint, params) }) };
    this.invokesAsLambda = true;
  }
  return invoke.call(this, ctx, trigger, event);
};

async function invokeAsLambda(endpoint, { FunctionName, Payload }) {
  const url = `${endpoint}/2015-03-31/functions/${encodeURIComponent(FunctionName)}/invocations`;
  const res = await fetch(url, { method: "POST", body: Payload });
  const text = await res.text();
  const functionError = res.headers.get("x-amz-function-error");
  if (res.ok) {
    return functionError ? { StatusCode: 200, FunctionError: functionError, Payload: text } : { StatusCode: 200, Payload: text };
  }
  let error = null;
  try {
    error = JSON.parse(text);
  } catch {
    // not a function's error: the invoke itself failed
  }
  if (error && typeof error.errorMessage === "string") {
    return { StatusCode: 200, FunctionError: "Unhandled", Payload: text };
  }
  throw new Error(`invoking ${FunctionName} answered ${res.status}: ${text.slice(0, 200)}`);
}

require(path.join(lib, "bin", "start"));
