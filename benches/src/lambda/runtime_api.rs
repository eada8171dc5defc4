//! The Runtime API that a function's runtime client polls
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>), for one execution
//! environment.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

const ACCOUNT: &str = "123456789012";
/// The function timeout of the template's API functions: the deadline each event carries.
const TIMEOUT: Duration = Duration::from_secs(10);

pub(super) type Outcome = Result<Bytes, String>;

struct Event {
    id: String,
    body: String,
}

struct Shared {
    function_arn: String,
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<Event>>,
    first_poll: OnceLock<Instant>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
}

/// The Runtime API of one execution environment on 127.0.0.1 and a random port:
/// `GET /2018-06-01/runtime/invocation/next` (waits for an event), `POST
/// .../invocation/{id}/response`, `.../invocation/{id}/error` and `/2018-06-01/runtime/init/error`.
pub struct RuntimeApi {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    events: mpsc::UnboundedSender<Event>,
    server: JoinHandle<()>,
}

impl RuntimeApi {
    pub async fn start(function_name: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the runtime API");
        let addr = listener.local_addr().expect("runtime API address");
        let (events, queue) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            function_arn: format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function_name}"),
            events: tokio::sync::Mutex::new(queue),
            first_poll: OnceLock::new(),
            waiting: Mutex::new(HashMap::new()),
        });
        let server = tokio::spawn(serve(listener, shared.clone()));
        Self { addr, shared, events, server }
    }

    /// When the runtime first asked for an event: the end of its initialisation.
    pub fn first_poll(&self) -> Option<Instant> {
        self.shared.first_poll.get().copied()
    }

    /// Queues one event; the answer arrives when the runtime has polled it and posted a result.
    pub(super) fn submit(&self, event: &Value) -> (oneshot::Receiver<Outcome>, Instant) {
        let id = ulid::Ulid::new().to_string().to_lowercase();
        let (tx, rx) = oneshot::channel();
        self.shared.waiting.lock().expect("waiting").insert(id.clone(), tx);
        let submitted = Instant::now();
        self.events.send(Event { id, body: event.to_string() }).expect("runtime API is running");
        (rx, submitted)
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        // Ends the accept loop and, with its JoinSet, every connection (and waiting poll).
        self.server.abort();
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req| route(shared.clone(), req));
            // A runtime that goes away mid-request is not the harness's problem.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
}

fn reply(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from(body.to_owned())));
    *res.status_mut() = status;
    res.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
    res
}

fn epoch_millis(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH).expect("clock after 1970").as_millis()
}

/// An X-Ray trace header as Lambda passes it (not sampled).
fn trace_id() -> String {
    let random = ulid::Ulid::new().random().to_be_bytes();
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs();
    format!("Root=1-{seconds:08x}-{};Parent={};Sampled=0", hex(&random[4..16]), hex(&random[..8]))
}

async fn route(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let Some(rest) = path.strip_prefix("/2018-06-01/runtime/") else {
        return Ok(reply(StatusCode::NOT_FOUND, r#"{"errorType":"NotFound"}"#));
    };
    if method == Method::GET && rest == "invocation/next" {
        return Ok(next_invocation(&shared).await);
    }
    let body = match req.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return Ok(reply(StatusCode::BAD_REQUEST, r#"{"errorType":"BadBody"}"#)),
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let outcome = match (method, segments.as_slice()) {
        (Method::POST, ["invocation", id, "response"]) => Some((Some(*id), Ok(body))),
        (Method::POST, ["invocation", id, "error"]) => {
            Some((Some(*id), Err(String::from_utf8_lossy(&body).into_owned())))
        }
        (Method::POST, ["init", "error"]) => {
            Some((None, Err(format!("init error: {}", String::from_utf8_lossy(&body)))))
        }
        _ => None,
    };
    let Some((id, outcome)) = outcome else {
        return Ok(reply(StatusCode::NOT_FOUND, r#"{"errorType":"NotFound"}"#));
    };
    let mut waiting = shared.waiting.lock().expect("waiting");
    match id {
        Some(id) => match waiting.remove(id) {
            Some(tx) => {
                let _ = tx.send(outcome);
            }
            None => return Ok(reply(StatusCode::BAD_REQUEST, r#"{"errorType":"InvalidRequestID"}"#)),
        },
        // Lambda ends an environment whose initialisation failed: fail whatever waits on it.
        None => {
            for (_, tx) in waiting.drain() {
                let _ = tx.send(outcome.clone());
            }
        }
    }
    Ok(reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#))
}

/// `GET .../invocation/next`: waits for the next event and hands it over with the headers
/// Lambda sends (request id, deadline, function ARN, trace id). The first poll marks the end
/// of the runtime's initialisation.
async fn next_invocation(shared: &Shared) -> Response<Full<Bytes>> {
    let _ = shared.first_poll.set(Instant::now());
    let Some(event) = shared.events.lock().await.recv().await else {
        return reply(StatusCode::GONE, r#"{"errorType":"ShuttingDown"}"#);
    };
    let deadline = epoch_millis(SystemTime::now() + TIMEOUT);
    let mut res = reply(StatusCode::OK, &event.body);
    let headers = res.headers_mut();
    for (name, value) in [
        ("lambda-runtime-aws-request-id", event.id),
        ("lambda-runtime-deadline-ms", deadline.to_string()),
        ("lambda-runtime-invoked-function-arn", shared.function_arn.clone()),
        ("lambda-runtime-trace-id", trace_id()),
    ] {
        headers.insert(name, value.parse().expect("header value"));
    }
    res
}
