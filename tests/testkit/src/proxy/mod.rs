//! Proxies between the SDK and the emulators, on free loopback ports: one in front of DynamoDB
//! Local (`dynamo`), one in front of the SES v2 emulator (`ses`). Each records what it saw and
//! can fail chosen calls the way the real service fails them, down to closing the connection
//! before or after the call took effect. What they do not fail goes through unchanged.

pub mod dynamo;
mod gate;
pub mod ses;

use std::future::Future;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::http::{request, response};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

pub use dynamo::{Call, DynamoProxy, Fault};
pub use gate::GateReport;
pub use ses::{SesFault, SesProxy, SesSend};

/// Closing the connection without an answer: hyper does that when the service fails.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the test proxy")
    }
}

impl std::error::Error for Dropped {}

/// What a proxy answers: a response, or a connection closed without one.
pub type Answer = Result<Response<Full<Bytes>>, Dropped>;

/// Starts a proxy on a free port of 127.0.0.1, in the background: each request goes to
/// `forward` with the proxy's state and the emulator at `upstream`. Returns its base URL and
/// its state.
async fn start<S, F, Fut>(upstream: &str, forward: F) -> (String, Arc<Mutex<S>>)
where
    S: Default + Send + 'static,
    F: Fn(Request<Incoming>, Arc<Mutex<S>>, Upstream) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Answer> + Send + 'static,
{
    let state = Arc::new(Mutex::new(S::default()));
    let (shared, upstream) = (state.clone(), Upstream::new(upstream));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let url = format!("http://{}", listener.local_addr().expect("proxy address"));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let (state, upstream) = (shared.clone(), upstream.clone());
            let service = service_fn(move |req| forward(req, state.clone(), upstream.clone()));
            tokio::spawn(async move {
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    (url, state)
}

/// The emulator behind a proxy.
#[derive(Clone)]
struct Upstream {
    base: Arc<str>,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Upstream {
    fn new(url: &str) -> Self {
        Self {
            base: url.trim_end_matches('/').into(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Sends the request on, with `body` and the headers it came with (but for its length and
    /// host); the answer, or None when the emulator cannot be reached.
    async fn send(&self, parts: &request::Parts, body: Bytes) -> Option<(response::Parts, Bytes)> {
        let mut builder = Request::builder().method(parts.method.clone()).uri(format!(
            "{}{}",
            self.base,
            parts.uri.path_and_query().map_or("/", |p| p.as_str())
        ));
        for (name, value) in &parts.headers {
            // The body may have changed length; the emulators do not check signatures.
            if name != "content-length" && name != "host" {
                builder = builder.header(name, value);
            }
        }
        let response =
            self.client.request(builder.body(Full::new(body)).expect("upstream request")).await.ok()?;
        let (parts, body) = response.into_parts();
        Some((parts, body.collect().await.map(|b| b.to_bytes()).unwrap_or_default()))
    }
}

/// The emulator's answer, passed back as it came (hyper sets length and encoding itself).
fn relay(parts: &response::Parts, body: Bytes) -> Response<Full<Bytes>> {
    let mut out = Response::builder().status(parts.status);
    for (name, value) in &parts.headers {
        if name != "content-length" && name != "content-encoding" {
            out = out.header(name, value);
        }
    }
    out.body(Full::new(body)).expect("response")
}
