//! The local API in-process on a free loopback port in front of a fake `cargo lambda watch`
//! that records what it receives: requests and responses pass through unchanged.

use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{HeaderMap, Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use local_api::proxy::{bind_loopback, serve};
use local_api::{Proxy, Router, Template};
use serde_json::Value;

#[derive(Debug, Clone)]
struct Received {
    method: String,
    uri: String,
    headers: HeaderMap,
    body: Bytes,
}

/// Answers every request with 207, repeated and custom headers and binary body, and records
/// it. Returns its base URL.
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
                headers: parts.headers,
                body,
            });
            Response::builder()
                .status(207)
                .header("etag", "\"v7\"")
                .header("set-cookie", "a=1")
                .header("set-cookie", "b=2")
                .header("content-type", "application/octet-stream")
                .body(Full::new(Bytes::from_static(b"\x00\xffanswer")))
                .unwrap()
        }
    }));
    url
}

/// Starts the local API in front of `upstream`; returns its base URL.
async fn local_api(upstream: &str) -> String {
    let listener = bind_loopback(0).await.unwrap();
    let addr = listener.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let mut proxy = Proxy::new(Router::new(Template::of_repo().routes().unwrap()), upstream);
    proxy.log = false;
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
async fn path_query_headers_and_body_are_forwarded_unchanged_both_ways() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;
    let body: &[u8] = b"{\"last_name\": \"L\xc3\xb6we\"}\x00\xff";
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
    let [got] = seen.as_slice() else { panic!("one upstream request, got {seen:?}") };
    assert_eq!(got.method, "POST");
    assert!(
        got.uri.ends_with("/lambda-url/add-contact/clients/C%201/contacts?topic=invoice&x=a%2Bb&x=2"),
        "{}",
        got.uri
    );
    assert_eq!(got.headers["authorization"], "Bearer abc.def.ghi");
    assert_eq!(got.headers["content-type"], "application/json");
    assert_eq!(got.headers["idempotency-key"], "k-1");
    assert_eq!(got.headers.get_all("x-multi").iter().collect::<Vec<_>>(), ["one", "two"]);
    assert_eq!(got.headers["host"], api.trim_start_matches("http://"), "the caller's Host is kept");
    assert_eq!(&got.body[..], body);
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
        assert_eq!(last.method, route.method);
        assert!(last.uri.ends_with(&format!("/lambda-url/{}{path}", route.function)), "{}", last.uri);
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
