//! A stand-in for `cargo lambda watch` that runs the real handlers in-process: it serves
//! `/lambda-url/<function>/<path>` on a free loopback port and records which function each
//! request reached, so the local API can be tested end to end without building the functions.
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
    let target = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let Some((function, rest)) =
        target.strip_prefix("/lambda-url/").and_then(|t| t.find(['/', '?']).map(|i| t.split_at(i)))
    else {
        return problem(hyper::StatusCode::NOT_FOUND, "not-found", "not a /lambda-url/<function>/ path");
    };
    seen.lock().expect("lock").push(function.to_owned());
    let headers: Vec<(&str, &str)> =
        parts.headers.iter().filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?))).collect();
    let body = body.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
    let Some(res) = api.invoke(function, parts.method.as_str(), rest, &headers, body).await else {
        return problem(hyper::StatusCode::NOT_FOUND, "not-found", &format!("no function {function}"));
    };
    let mut out = Response::builder().status(res.status);
    for (name, value) in &res.headers {
        out = out.header(name, value);
    }
    out.body(Full::new(Bytes::from(res.body))).expect("a valid response")
}
