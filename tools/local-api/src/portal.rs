//! A stand-in for the client portal's accept-invite and reset-password pages, so that the link
//! in a locally sent invitation or password reset (`PORTAL_URL` defaults to
//! `http://127.0.0.1:3000/portal`) opens a page that posts the token and a password to
//! `POST /invites/accept`, as the real portal would (that route redeems both kinds of link, so
//! one page serves both). The portal is not part of this service: the deployed API has no such
//! page.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::Response;

/// Where the page is served: `PORTAL_URL`'s path plus `/accept-invite`.
pub const ACCEPT_INVITE_PATH: &str = "/portal/accept-invite";
/// Where a password reset's link opens the same page.
pub const RESET_PASSWORD_PATH: &str = "/portal/reset-password";

/// The page reads the token from its URL's fragment (`#token=...`, which browsers never send to
/// a server, so it stays out of access logs and Referer headers) and shows the API's answer as
/// text, so nothing from the request or the answer is ever written into HTML.
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>Choose your portal password (local portal stand-in)</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto}input,button{font-size:1rem;padding:.4rem}pre{background:#f4f4f4;padding:.6rem;white-space:pre-wrap}</style>
</head>
<body>
<h1>Choose your portal password</h1>
<p>Local stand-in for the client portal's page: it posts the token from this link and your
password to <code>POST /invites/accept</code>.</p>
<form id="accept">
<label>Password (12 characters or more)<br><input id="password" type="password" minlength="12" required autofocus></label>
<button type="submit">Activate</button>
</form>
<pre id="answer" hidden></pre>
<script>
const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
const answer = document.getElementById("answer");
document.getElementById("accept").addEventListener("submit", async (event) => {
  event.preventDefault();
  const password = document.getElementById("password").value;
  const response = await fetch("/invites/accept", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token, password }),
  });
  answer.hidden = false;
  answer.textContent = response.status + " " + response.statusText + "\n" + await response.text();
});
</script>
</body>
</html>
"#;

pub fn accept_invite_page() -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from_static(PAGE.as_bytes())));
    let headers = res.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    // The token is in the URL: keep the page out of caches.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
