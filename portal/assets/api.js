// Calls to the service's portal routes with the ID token; answers are RFC 9457 problems.
import { config } from "./config.js";
import * as session from "./session.js";

const NO_ACCESS = ["portal-support-ended", "portal-support-not-started", "portal-not-active"];

/** `{status, ok, etag, body}`; a 401 refreshes once and retries, a refusal leaves for the ended page
 * (with the date of `portal`, the support window last seen, when it has one). */
export async function call(path, { method = "GET", body, headers = {}, portal } = {}, retried = false) {
  const { apiBase } = await config();
  const token = await session.idToken();
  const res = await fetch(apiBase + path, {
    method,
    headers: {
      ...headers,
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "Content-Type": "application/merge-patch+json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    if (retried) return session.end("session-ended");
    await session.refresh();
    return call(path, { method, body, headers, portal }, true);
  }
  const data = await res.json().catch(() => null);
  if (res.status === 403) {
    const code = NO_ACCESS.find((c) => String(data?.type ?? "").endsWith(c));
    // The problem's words name the day; else the support window last seen.
    const seen = { "portal-support-ended": portal?.support_end, "portal-support-not-started": portal?.support_start }[code];
    const date = session.supportDay(data?.detail) ?? seen;
    if (code) return session.end("session-ended", code, date);
  }
  return { status: res.status, ok: res.ok, etag: res.headers.get("ETag"), body: data };
}
