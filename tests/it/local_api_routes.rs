//! The local API end to end: the router on a loopback port, in front of a stand-in for
//! `cargo lambda watch` that runs the real handlers against DynamoDB Local and the SES emulator.
//! The walk calls every route of template.yaml over HTTP and gets each route's success status
//! from the function the template names.

use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use local_api::proxy::bind_loopback;
use local_api::{Proxy, Router, Template};
use testkit::{watch, TestApi, TestResponse};

use crate::support::assert_invariants;
use crate::walk::{walk_every_route, WalkRequest};

/// Starts the local API in front of `upstream` on a free loopback port, its JWT authorizers
/// verifying tokens against the local Cognito emulator's pools; returns its base URL.
pub async fn start_local_api(upstream: &str) -> String {
    let listener = bind_loopback(0).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut proxy = Proxy::new(Router::new(Template::of_repo().routes().unwrap()), upstream);
    proxy.log = false;
    proxy.authorizers = Some(testkit::cognito::authorizers().await);
    tokio::spawn(Arc::new(proxy).serve(listener));
    base
}

async fn over_http(base: &str, req: WalkRequest) -> TestResponse {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut builder =
        Request::builder().method(req.method.as_str()).uri(format!("{base}{}", req.path_and_query));
    for (name, value) in req.header_pairs() {
        builder = builder.header(name, value);
    }
    let body = req.body.map(|(_, b)| b).unwrap_or_default();
    let res = client
        .request(builder.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .expect("the local API answers");
    let (parts, body) = res.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    TestResponse {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: String::from_utf8_lossy(&body).into(),
        bytes: body.to_vec(),
    }
}

#[tokio::test]
async fn every_template_route_answers_through_the_local_api() {
    let api = Arc::new(TestApi::new().await);
    let fake = watch::start(&api).await;
    let base = start_local_api(&fake.url).await;

    let tenant = format!("walk-{}", ulid::Ulid::new());
    let token = testkit::cognito::admin_id_token(&tenant).await;

    let steps = walk_every_route(&tenant, token, |req| over_http(&base, req), false).await;

    let reached = fake.invoked.lock().unwrap().clone();
    let expected: Vec<String> = steps.iter().map(|s| s.route.function.clone()).collect();
    assert_eq!(reached, expected, "each request reached the function its route names, once");
    assert_invariants(&api).await;
    assert_eq!(Arc::strong_count(&api), 1, "the server holds it weakly: the check on drop runs here");
}

#[tokio::test]
async fn a_json_body_that_is_not_utf8_is_a_400_problem_through_the_local_api() {
    // Given the local API in front of the real handlers
    let api = Arc::new(TestApi::new().await);
    let fake = watch::start(&api).await;
    let base = start_local_api(&fake.url).await;
    let token = testkit::cognito::admin_id_token("t1").await;

    // When a client is created with a body that is not UTF-8
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let req = Request::post(format!("{base}/clients"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(b"\xc3\x28")))
        .unwrap();
    let res = client.request(req).await.expect("the local API answers");

    // Then the function answers 400 bad-request as problem+json, as behind API Gateway
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["code"], "bad-request");
    assert_eq!(fake.invoked.lock().unwrap().as_slice(), ["create-client"]);
    assert_invariants(&api).await;
}
