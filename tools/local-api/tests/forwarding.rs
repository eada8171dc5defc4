//! The local API in-process on a free loopback port in front of a fake `cargo lambda watch`
//! invoke API that records the events it receives: functions get what API Gateway would send
//! them, and their answers come back as API Gateway would send them.

use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{HeaderMap, Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use local_api::proxy::{bind_loopback, serve};
use local_api::{Cors, Proxy, Router, Template};
use serde_json::{json, Value};

#[derive(Debug, Clone)]
struct Received {
    method: String,
    uri: String,
    /// The event the function was invoked with.
    event: Value,
}

/// A stand-in for `cargo lambda watch`'s invoke API: records each invocation's event and
/// answers every one with a response object of status 207, repeated and custom headers and a
/// binary body. Returns its base URL.
async fn fake_watch(seen: Arc<Mutex<Vec<Received>>>) -> String {
    let listener = bind_loopback(0).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(listener, move |req: Request<Incoming>| {
        let seen = seen.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = body.collect().await.unwrap().to_bytes();
            seen.lock().unwrap().push(Received {
                method: parts.method.to_string(),
                uri: parts.uri.to_string(),
                event: serde_json::from_slice(&body).unwrap(),
            });
            let answer = json!({
                "statusCode": 207,
                "headers": {
                    "etag": "\"v7\"",
                    "content-type": "application/octet-stream",
                    // What a function may add; the deployed API answers with its own.
                    "access-control-allow-origin": "http://anyone.test",
                    "access-control-allow-credentials": "true",
                },
                "cookies": ["a=1", "b=2"],
                "body": "AP9hbnN3ZXI=", // b"\x00\xffanswer"
                "isBase64Encoded": true,
            });
            Response::new(Full::new(Bytes::from(answer.to_string())))
        }
    }));
    url
}

/// Starts the local API in front of `upstream`; returns its base URL.
async fn local_api(upstream: &str) -> String {
    local_api_with(upstream, None).await
}

/// The local API with CORS from the template for `origins`.
async fn local_api_with_cors(upstream: &str, origins: &[&str]) -> String {
    let origins = origins.iter().map(|o| o.to_string()).collect();
    local_api_with(upstream, Some(Cors::from_template(&Template::of_repo(), origins).unwrap())).await
}

async fn local_api_with(upstream: &str, cors: Option<Cors>) -> String {
    let listener = bind_loopback(0).await.unwrap();
    let addr = listener.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let mut proxy = Proxy::new(Router::new(Template::of_repo().routes().unwrap()), upstream);
    proxy.log = false;
    proxy.cors = cors;
    tokio::spawn(Arc::new(proxy).serve(listener));
    format!("http://{addr}")
}

async fn send(req: Request<Full<Bytes>>) -> (u16, HeaderMap, Bytes) {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let res = client.request(req).await.unwrap();
    let (parts, body) = res.into_parts();
    (parts.status.as_u16(), parts.headers, body.collect().await.unwrap().to_bytes())
}

#[tokio::test]
async fn a_request_reaches_its_function_as_the_api_gateway_event_and_its_answer_comes_back() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;
    let body: &[u8] = b"{\"last_name\": \"L\xc3\xb6we\"}";
    let req = Request::post(format!("{api}/clients/C%201/contacts?topic=invoice&x=a%2Bb&x=2"))
        .header("authorization", "Bearer abc.def.ghi")
        .header("content-type", "application/json")
        .header("idempotency-key", "k-1")
        .header("x-multi", "one")
        .header("x-multi", "two")
        .body(Full::new(Bytes::from_static(body)))
        .unwrap();
    let (status, headers, answer) = send(req).await;

    assert_eq!(status, 207);
    assert_eq!(headers["etag"], "\"v7\"");
    assert_eq!(headers.get_all("set-cookie").iter().collect::<Vec<_>>(), ["a=1", "b=2"]);
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(&answer[..], b"\x00\xffanswer");

    let seen = seen.lock().unwrap().clone();
    let [got] = seen.as_slice() else { panic!("one invocation, got {seen:?}") };
    assert_eq!(got.method, "POST");
    assert!(got.uri.ends_with("/2015-03-31/functions/add-contact/invocations"), "{}", got.uri);
    let event = &got.event;
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "POST /clients/{clientId}/contacts");
    assert_eq!(event["rawPath"], "/clients/C%201/contacts");
    assert_eq!(event["rawQueryString"], "topic=invoice&x=a%2Bb&x=2");
    assert_eq!(event["pathParameters"], json!({ "clientId": "C 1" }));
    assert_eq!(event["requestContext"]["http"]["method"], "POST");
    assert_eq!(event["headers"]["authorization"], "Bearer abc.def.ghi");
    assert_eq!(event["headers"]["content-type"], "application/json");
    assert_eq!(event["headers"]["idempotency-key"], "k-1");
    assert_eq!(event["headers"]["x-multi"], "one,two");
    assert_eq!(event["headers"]["host"], api.trim_start_matches("http://"), "the caller's Host is kept");
    assert_eq!(event["body"], "{\"last_name\": \"L\u{f6}we\"}");
    assert_eq!(event["isBase64Encoded"], false);
}

#[tokio::test]
async fn a_body_that_is_not_utf8_reaches_the_function_base64_encoded() {
    // Given the local API in front of the functions
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;

    // When a JSON request's body is not valid UTF-8
    let req = Request::post(format!("{api}/clients"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(b"\xc3\x28")))
        .unwrap();
    send(req).await;

    // Then the function gets it as API Gateway passes it: base64 with isBase64Encoded
    let event = seen.lock().unwrap()[0].event.clone();
    assert_eq!((event["body"].as_str(), event["isBase64Encoded"].as_bool()), (Some("wyg="), Some(true)));
}

#[tokio::test]
async fn each_route_goes_to_the_function_the_template_names() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;
    for route in Template::of_repo().routes().unwrap() {
        let path = local_api::router::fill(&route.path, |name| format!("{name}-1"));
        let req = Request::builder()
            .method(route.method.as_str())
            .uri(format!("{api}{path}"))
            .body(Full::new(Bytes::new()))
            .unwrap();
        assert_eq!(send(req).await.0, 207, "{} {path}", route.method);
        let last = seen.lock().unwrap().last().cloned().unwrap();
        assert!(last.uri.ends_with(&format!("/functions/{}/invocations", route.function)), "{}", last.uri);
        assert_eq!(last.event["routeKey"], format!("{} {}", route.method, route.path));
        assert_eq!(last.event["requestContext"]["http"]["method"], route.method);
    }
}

async fn problem(req: Request<Full<Bytes>>) -> (u16, HeaderMap, Value) {
    let (status, headers, body) = send(req).await;
    assert_eq!(headers["content-type"], "application/problem+json");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["status"], status);
    (status, headers, body)
}

#[tokio::test]
async fn unknown_routes_are_404_and_other_methods_405_without_reaching_a_function() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;

    let (status, _, body) =
        problem(Request::get(format!("{api}/nope?x=1")).body(Full::default()).unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not-found")));

    let put = Request::put(format!("{api}/clients/C1")).body(Full::default()).unwrap();
    let (status, headers, body) = problem(put).await;
    assert_eq!((status, body["code"].as_str()), (405, Some("method-not-allowed")));
    assert_eq!(headers["allow"], "DELETE, GET, PATCH");

    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_function_that_does_not_answer_is_a_502_problem() {
    // An upstream that hangs up on every connection without answering.
    let hang_up = bind_loopback(0).await.unwrap();
    let url = format!("http://{}", hang_up.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = hang_up.accept().await {
            drop(stream);
        }
    });
    let api = local_api(&url).await;
    let (status, _, body) =
        problem(Request::get(format!("{api}/clients")).body(Full::default()).unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (502, Some("bad-gateway")));
    assert!(body["detail"].as_str().unwrap().contains("list-clients"));
}

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

#[tokio::test]
async fn invitation_links_open_a_page_that_posts_to_accept_invite_without_reflecting_the_token() {
    // Given the local API (PORTAL_URL points invitation links at its /portal)
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;

    // When a developer opens the link from a locally sent invitation (a browser sends no
    // fragment, so the request has no token; a query string one must not be reflected either)
    let link = format!("{api}/portal/accept-invite?token=Zq9XvW%3Cscript%3E7");
    let (status, headers, body) = send(Request::get(link).body(Full::default()).unwrap()).await;

    // Then a page answers that sends the token and a password to the accept-invite route
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-store");
    let page = String::from_utf8(body.to_vec()).unwrap();
    assert!(page.contains(r#"fetch("/invites/accept""#), "{page}");
    assert!(page.contains("location.hash"), "the token is read from the fragment: {page}");
    assert!(!page.contains("location.search"), "never from the query string: {page}");
    assert!(page.contains(r#"<meta name="referrer" content="no-referrer">"#), "{page}");
    assert!(Template::of_repo()
        .routes()
        .unwrap()
        .iter()
        .any(|r| r.method == "POST" && r.path == "/invites/accept"));
    assert!(
        !page.contains("Zq9XvW") && !page.contains("<script>7"),
        "the token stays in the URL, not the HTML"
    );
    assert!(seen.lock().unwrap().is_empty(), "no function runs for the page");
}

#[tokio::test]
async fn password_reset_links_open_the_same_page_since_the_same_route_redeems_them() {
    // Given the local API
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;

    // When a developer opens the link from a locally sent password reset email
    let (status, headers, body) =
        send(Request::get(format!("{api}/portal/reset-password")).body(Full::default()).unwrap()).await;

    // Then the page that posts the token and a password to /invites/accept answers
    assert_eq!((status, headers["cache-control"].to_str().unwrap()), (200, "no-store"));
    let page = String::from_utf8(body.to_vec()).unwrap();
    assert!(page.contains(r#"fetch("/invites/accept""#) && page.contains("location.hash"), "{page}");
    assert!(seen.lock().unwrap().is_empty(), "no function runs for the page");
}
