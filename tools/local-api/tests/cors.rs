//! CORS as API Gateway applies it from template.yaml: the local API answers preflights itself
//! and puts the API's CORS headers, not the function's, on every answer to a browser.

mod common;

use std::sync::{Arc, Mutex};

use common::{fake_watch, local_api_with_cors, problem, send};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{HeaderMap, Request};

fn cors_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| k.as_str().starts_with("access-control-"))
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    found.sort();
    found
}

fn preflight(url: String, origin: &str) -> Request<Full<Bytes>> {
    Request::options(url)
        .header("origin", origin)
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "authorization, if-match")
        .body(Full::default())
        .unwrap()
}

#[tokio::test]
async fn a_preflight_is_answered_with_the_template_cors_and_reaches_no_function() {
    // Given the local API with the template's CORS for one front-end origin
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api_with_cors(&fake_watch(seen.clone()).await, &["http://localhost:5173"]).await;

    // When a browser sends its preflight for a PATCH
    let (status, headers, body) =
        send(preflight(format!("{api}/clients/C1/contacts/K1"), "http://localhost:5173")).await;

    // Then the local API answers it as API Gateway would, from template.yaml
    assert_eq!(status, 204);
    assert!(body.is_empty());
    assert_eq!(
        cors_headers(&headers),
        [
            (
                "access-control-allow-headers".into(),
                "authorization,content-type,if-match,idempotency-key".into()
            ),
            ("access-control-allow-methods".into(), "GET,POST,PUT,PATCH,DELETE,OPTIONS".into()),
            ("access-control-allow-origin".into(), "http://localhost:5173".into()),
            ("access-control-max-age".into(), "600".into()),
        ]
    );
    assert!(seen.lock().unwrap().is_empty(), "no function runs for a preflight");
}

#[tokio::test]
async fn a_preflight_from_an_origin_not_allowed_gets_no_cors_headers() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api_with_cors(&fake_watch(seen.clone()).await, &["http://localhost:5173"]).await;

    let (status, headers, _) = send(preflight(format!("{api}/clients"), "http://evil.test")).await;

    assert_eq!(status, 204);
    assert_eq!(cors_headers(&headers), []);
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn responses_carry_the_api_cors_headers_instead_of_the_function_ones() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api_with_cors(&fake_watch(seen.clone()).await, &["*"]).await;

    let from_browser = Request::get(format!("{api}/clients"))
        .header("origin", "http://localhost:5173")
        .body(Full::default());
    let (status, headers, _) = send(from_browser.unwrap()).await;
    assert_eq!(status, 207);
    assert_eq!(
        cors_headers(&headers),
        [
            ("access-control-allow-origin".into(), "*".into()),
            ("access-control-expose-headers".into(), "etag,location".into()),
        ]
    );

    // Without an Origin (curl, another service) there is no CORS at all.
    let (_, headers, _) = send(Request::get(format!("{api}/clients")).body(Full::default()).unwrap()).await;
    assert_eq!(cors_headers(&headers), []);
}

#[tokio::test]
async fn an_options_request_that_is_not_a_preflight_is_routed_like_any_other_method() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api_with_cors(&fake_watch(seen.clone()).await, &["*"]).await;

    let (status, headers, body) =
        problem(Request::options(format!("{api}/clients")).body(Full::default()).unwrap()).await;

    assert_eq!((status, body["code"].as_str()), (405, Some("method-not-allowed")));
    assert_eq!(headers["allow"], "GET, POST");
    assert!(seen.lock().unwrap().is_empty());
}
