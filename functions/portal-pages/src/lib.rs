//! The client portal's pages, served by a function on the HTTP API under `/portal`: the pages
//! an invitation or password-reset link opens, sign-in, the contact's profile, and the page that
//! says why access ended. The files are `portal/` at the repository's root, embedded when this
//! crate is built (build.rs) and served as written, with the security headers below; the one
//! generated file is `config.json`, which tells the pages where Cognito and the API are.
//! docs/decisions.md ("The portal's pages") says why a function and not S3 behind CloudFront.

use lambda_http::{Body, Request, RequestExt, Response};
use shared::domain::invite::Password;

mod files {
    include!(concat!(env!("OUT_DIR"), "/files.rs"));
}

/// The routes template.yaml gives this function (no authorizer: the pages are public; what they
/// show comes from the API, which checks the contact's token).
pub const ROUTES: &[(&str, &str)] =
    &[("GET", "/portal"), ("GET", "/portal/{page}"), ("GET", "/portal/assets/{file}")];

pub use shared::config::PortalPagesConfig as PagesConfig;

/// What the pages are told (`config.json`).
fn config_json(config: &PagesConfig) -> String {
    serde_json::json!({
        "cognitoEndpoint": config.cognito_endpoint,
        "clientId": config.client_id,
        "apiBase": config.api_base.trim_end_matches('/'),
        "passwordMinLength": Password::MIN_CHARS,
    })
    .to_string()
}

/// No inline script or style, nothing from elsewhere: the pages' own files, and calls to the
/// API and to Cognito only.
fn content_security_policy(config: &PagesConfig) -> String {
    let mut connect = vec!["'self'".to_owned(), origin(&config.cognito_endpoint)];
    if config.api_base.contains("://") {
        connect.push(origin(&config.api_base));
    }
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src {}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        connect.join(" ")
    )
}

/// `scheme://host[:port]` of a URL.
fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    format!("{scheme}://{}", rest.split('/').next().unwrap_or_default())
}

/// What a request asks for, from the route's path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// `GET /portal`: the sign-in page, by redirect, so that the pages' relative links resolve
    /// under `/portal/`.
    Root,
    Page(&'a str),
    Asset(&'a str),
}

/// The response to `target`.
pub fn respond(target: &Target<'_>, query: &str, config: &PagesConfig) -> Response<Body> {
    let (status, kind, body): (u16, &str, Body) = match target {
        Target::Root => {
            let location = if query.is_empty() {
                "portal/index.html".into()
            } else {
                format!("portal/index.html?{query}")
            };
            let mut res = secured(302, "text/plain; charset=utf-8", Body::Empty, config);
            res.headers_mut().insert("location", location.parse().expect("a header value"));
            return res;
        }
        Target::Page("config.json") => (200, "application/json", Body::Text(config_json(config))),
        Target::Page(name) if !name.contains('.') => match file(&format!("{name}.html")) {
            Some(bytes) => (200, "text/html; charset=utf-8", Body::from(bytes)),
            None => not_found(),
        },
        Target::Page(name) => match file(name) {
            Some(bytes) => (200, content_type(name), Body::from(bytes)),
            None => not_found(),
        },
        Target::Asset(name) => match file(&format!("assets/{name}")) {
            Some(bytes) => (200, content_type(name), Body::from(bytes)),
            None => not_found(),
        },
    };
    secured(status, kind, body, config)
}

/// The response to a request on one of `ROUTES`.
pub fn handle(req: &Request, config: &PagesConfig) -> Response<Body> {
    let params = req.path_parameters();
    let target = match (params.first("page"), params.first("file")) {
        (_, Some(file)) => Target::Asset(file),
        (Some(page), None) => Target::Page(page),
        (None, None) => Target::Root,
    };
    respond(&target, req.uri().query().unwrap_or_default(), config)
}

fn file(name: &str) -> Option<&'static [u8]> {
    files::FILES.iter().find(|(n, _)| *n == name).map(|(_, bytes)| *bytes)
}

fn not_found() -> (u16, &'static str, Body) {
    (404, "text/plain; charset=utf-8", Body::Text("There is no such page in the client portal.\n".into()))
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Every response carries the security headers. Pages and the configuration are never cached
/// (an invitation's page holds a token in its URL; a new deployment's pages show at once); the
/// other files briefly.
fn secured(status: u16, kind: &str, body: Body, config: &PagesConfig) -> Response<Body> {
    let cache = if kind.starts_with("text/html") || kind == "application/json" || status != 200 {
        "no-store"
    } else {
        "public, max-age=300"
    };
    let mut builder =
        Response::builder().status(status).header("content-type", kind).header("cache-control", cache);
    for (name, value) in [
        ("content-security-policy", content_security_policy(config).as_str()),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
        ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
        ("strict-transport-security", "max-age=31536000"),
    ] {
        builder = builder.header(name, value);
    }
    builder.body(body).expect("static headers are valid")
}

#[cfg(test)]
mod tests;
