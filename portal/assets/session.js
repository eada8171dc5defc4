// The signed-in session: Cognito's JSON API called from the browser, tokens in sessionStorage,
// refreshed a minute before the ID token expires.
import { config, page } from "./config.js";

const KEY = "portal.session";
const REFUSALS = [
  ["support has ended", "portal-support-ended"],
  ["support has not started", "portal-support-not-started"],
  ["portal access is not active", "portal-not-active"],
  ["no longer has portal access", "portal-not-active"],
];

/** The day (YYYY-MM-DD) a refusal's words name: "support has ended (on 2026-06-14)". */
export function supportDay(words) {
  return /\b(\d{4}-\d{2}-\d{2})\b/.exec(String(words ?? ""))?.[1] ?? null;
}

export class CognitoError extends Error {
  constructor(type, message) {
    super(message || type);
    this.type = type;
    /** The sign-in gate's refusal as a problem code of the ended page, or null. */
    this.refusal = REFUSALS.find(([words]) => this.message.toLowerCase().includes(words))?.[1] ?? null;
    /** The day support starts or ended, when the gate's words name it. */
    this.date = supportDay(this.message);
  }
}

async function cognito(target, body) {
  const { cognitoEndpoint } = await config();
  const res = await fetch(cognitoEndpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new CognitoError(String(data.__type ?? res.status).split("#").pop(), data.message);
  return data;
}

/** The portal pool's username: `{tenant}:` and 48 hex digits of SHA-256 of the address in lower case. */
export async function username(tenant, email) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(email.trim().toLowerCase()));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${tenant}:${hex.slice(0, 48)}`;
}

function expiry(idToken) {
  const payload = idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload)).exp * 1000;
}

function store(result, refreshToken) {
  const session = { idToken: result.IdToken, refreshToken, expiresAt: expiry(result.IdToken) };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function current() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY));
  } catch {
    return null;
  }
}

export async function signIn(tenant, email, password) {
  const { clientId } = await config();
  const data = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: clientId,
    AuthParameters: { USERNAME: await username(tenant, email), PASSWORD: password },
  });
  if (!data.AuthenticationResult) throw new CognitoError("ChallengeNotSupported", data.ChallengeName);
  return store(data.AuthenticationResult, data.AuthenticationResult.RefreshToken);
}

/** Leave the portal: to the ended page for a gate refusal, else to sign-in with a notice. */
export function end(notice, refusal = null, date = null) {
  sessionStorage.removeItem(KEY);
  location.assign(refusal ? page("ended", { reason: refusal, date }) : page("index.html", { notice }));
  return new Promise(() => {}); // the page is going away
}

let refreshing;
/** A new ID token from the refresh token; a refused refresh ends the session. */
export function refresh() {
  refreshing ??= (async () => {
    const session = current();
    if (!session) return end("session-ended");
    try {
      const { clientId } = await config();
      const data = await cognito("InitiateAuth", {
        AuthFlow: "REFRESH_TOKEN_AUTH",
        ClientId: clientId,
        AuthParameters: { REFRESH_TOKEN: session.refreshToken },
      });
      const renewed = store(data.AuthenticationResult, session.refreshToken);
      schedule();
      return renewed;
    } catch (error) {
      if (error instanceof CognitoError) return end("session-ended", error.refusal, error.date);
      throw error; // offline: keep the session, the next call tries again
    }
  })().finally(() => (refreshing = undefined));
  return refreshing;
}

let timer;
/** Refresh a minute before the ID token expires, for as long as the page is open. */
export function schedule() {
  clearTimeout(timer);
  const session = current();
  if (session) timer = setTimeout(() => refresh().catch(() => {}), Math.max(0, session.expiresAt - Date.now() - 60_000));
}

/** The ID token, refreshed first when it expires within a minute. */
export async function idToken() {
  const session = current();
  if (!session) return end("signed-out");
  return session.expiresAt - Date.now() < 60_000 ? (await refresh()).idToken : session.idToken;
}

export async function signOut() {
  const session = current();
  sessionStorage.removeItem(KEY);
  try {
    const { clientId } = await config();
    if (session) await cognito("RevokeToken", { ClientId: clientId, Token: session.refreshToken });
  } catch {
    // best effort: the tokens are gone from this browser either way
  }
  location.assign(page("index.html", { notice: "signed-out" }));
}
