//! What the local API specs share: a fake `cargo lambda watch` invoke API that records the
//! events it receives, the local API in-process on a free loopback port in front of it, and a
//! client to call it with.

// Each spec file is its own crate and uses only some of these.
#![allow(dead_code)]

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
pub struct Received {
    pub method: String,
    pub uri: String,
    /// The event the function was invoked with.
    pub event: Value,
}

/// A stand-in for `cargo lambda watch`'s invoke API: records each invocation's event and
/// answers every one with a response object of status 207, repeated and custom headers and a
/// binary body. Returns its base URL.
pub async fn fake_watch(seen: Arc<Mutex<Vec<Received>>>) -> String {
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
pub async fn local_api(upstream: &str) -> String {
    local_api_with(upstream, None).await
}

/// The local API with CORS from the template for `origins`.
pub async fn local_api_with_cors(upstream: &str, origins: &[&str]) -> String {
    let origins = origins.iter().map(|o| o.to_string()).collect();
    local_api_with(upstream, Some(Cors::from_template(&Template::of_repo(), origins).unwrap())).await
}

pub async fn local_api_with(upstream: &str, cors: Option<Cors>) -> String {
    let listener = bind_loopback(0).await.unwrap();
    let addr = listener.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let mut proxy = Proxy::new(Router::new(Template::of_repo().routes().unwrap()), upstream);
    proxy.log = false;
    proxy.cors = cors;
    tokio::spawn(Arc::new(proxy).serve(listener));
    format!("http://{addr}")
}

pub async fn send(req: Request<Full<Bytes>>) -> (u16, HeaderMap, Bytes) {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let res = client.request(req).await.unwrap();
    let (parts, body) = res.into_parts();
    (parts.status.as_u16(), parts.headers, body.collect().await.unwrap().to_bytes())
}

/// An answer that must be an RFC 9457 problem whose `status` is the HTTP status.
pub async fn problem(req: Request<Full<Bytes>>) -> (u16, HeaderMap, Value) {
    let (method, path) = (req.method().to_string(), req.uri().path().to_owned());
    let (status, headers, body) = send(req).await;
    assert_eq!(headers["content-type"], "application/problem+json");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["status"], status);
    let code = body["code"].as_str().expect("a problem has a code");
    // The run's record of problems (`problem-coverage`): the local API's own are produced here.
    local_api::problem_log::record(&local_api::problem_log::Problem {
        status,
        code,
        method: &method,
        path: &path,
    });
    (status, headers, body)
}
