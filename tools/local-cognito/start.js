// Starts the Cognito emulator (npm cognito-local) with the one admin call the service makes
// that it lacks: AdminUserGlobalSignOut, which in Cognito ends every refresh token the user
// holds. The emulator keeps a user's refresh tokens on its record (`RefreshTokens`, as its own
// RevokeToken does), so signing out everywhere empties that list; a refresh with an old token
// then fails as in Cognito. Everything else is the emulator as published.
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

require(path.join(lib, "bin", "start"));
