//! A stand-in for `cargo lambda watch` that runs the real handlers in-process: it serves the
//! Lambda invoke API (`POST /2015-03-31/functions/<function>/invocations` with an API Gateway
//! event) on a free loopback port and records which function each request reached, so the
//! local API can be tested end to end without building the functions.
//!
//! It holds the `TestApi` weakly: its server task lives until the runtime shuts down, and the
//! last reference must die in the test itself, where the invariant check on drop fails the
//! test (see `impl Drop for TestApi`).

use std::sync::{Arc, Mutex, Weak};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use local_api::proxy::{bind_loopback, problem, serve};

use crate::TestApi;

pub struct FakeWatch {
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// The function of every request, in order.
    pub invoked: Arc<Mutex<Vec<String>>>,
}

pub async fn start(api: &Arc<TestApi>) -> FakeWatch {
    let listener = bind_loopback(0).await.expect("a free loopback port");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    let invoked = Arc::new(Mutex::new(Vec::new()));
    let seen = invoked.clone();
    let api: Weak<TestApi> = Arc::downgrade(api);
    tokio::spawn(serve(listener, move |req: Request<Incoming>| {
        let (api, seen) = (api.upgrade(), seen.clone());
        async move {
            match api {
                Some(api) => answer(&api, &seen, req).await,
                None => problem(hyper::StatusCode::SERVICE_UNAVAILABLE, "internal", "the test is over"),
            }
        }
    }));
    FakeWatch { url, invoked }
}

async fn answer(api: &TestApi, seen: &Mutex<Vec<String>>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let Some(function) = parts
        .uri
        .path()
        .strip_prefix("/2015-03-31/functions/")
        .and_then(|rest| rest.strip_suffix("/invocations"))
        .map(str::to_owned)
    else {
        return problem(
            hyper::StatusCode::NOT_FOUND,
            "not-found",
            "not /2015-03-31/functions/<function>/invocations",
        );
    };
    seen.lock().expect("lock").push(function.clone());
    let event = body.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
    let event = String::from_utf8(event).expect("an event is JSON text");
    let Some(res) = api.invoke_event(&function, &event).await else {
        return problem(hyper::StatusCode::NOT_FOUND, "not-found", &format!("no function {function}"));
    };
    // The response object a lambda_http function answers an HTTP API v2 event with.
    let mut headers = serde_json::Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &res.headers {
        let value = value.to_str().expect("ASCII header values").to_owned();
        if name == "set-cookie" {
            cookies.push(value);
        } else {
            headers.insert(name.as_str().to_owned(), value.into());
        }
    }
    let object = serde_json::json!({
        "statusCode": res.status,
        "headers": headers,
        "cookies": cookies,
        "body": res.body,
        "isBase64Encoded": false,
    });
    Response::new(Full::new(Bytes::from(object.to_string())))
}
