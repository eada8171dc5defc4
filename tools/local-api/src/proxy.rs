//! The HTTP server: each request is routed by method and path template, as API Gateway's HTTP
//! API routes it, and its function is invoked with the event API Gateway would send (see
//! `event`) through `{upstream}/2015-03-31/functions/<function>/invocations`, the Lambda
//! invoke API that `cargo lambda watch` serves; the function's status, headers and body go
//! back as API Gateway would send them, except CORS headers, which are the API's (see `cors`).
//! Unknown paths answer 404 and known paths with another method 405, as
//! `application/problem+json`. The client portal's pages are a function like any other
//! (`portal-pages`, on `GET /portal/...`).

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderMap, HeaderName, HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use shared::http::problem::Problem;
use tokio::net::TcpListener;

use crate::authorizer::Authorizers;
use crate::cors::Cors;
use crate::event;
use crate::router::{Match, Router};
use crate::template::TemplateRoute;

/// API Gateway's limit on a request payload.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Headers that belong to one connection, not to the message (RFC 9110 7.6.1); the proxy's own
/// connections set their own.
const HOP_BY_HOP: &[&str] =
    &["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];

/// A listener on 127.0.0.1 only (`port` 0 picks a free one).
pub async fn bind_loopback(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind(std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, port))).await
}

/// Serves HTTP/1.1 connections from `listener` with `handler`, one task per connection, until
/// the task is dropped.
pub async fn serve<F, Fut>(listener: TcpListener, handler: F) -> std::io::Result<()>
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    loop {
        let (stream, _) = listener.accept().await?;
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let answer = handler(req);
                async move { Ok::<_, Infallible>(answer.await) }
            });
            // A client that hangs up mid-request is its own business.
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

pub struct Proxy {
    router: Router,
    /// Base URL of `cargo lambda watch`, e.g. `http://127.0.0.1:9000`.
    upstream: String,
    client: Client<HttpConnector, Full<Bytes>>,
    /// Print one line per request to stdout.
    pub log: bool,
    /// CORS as the deployed API does it; `None` passes the functions' headers through.
    pub cors: Option<Cors>,
    /// Numbers the requests, for their `requestId`.
    requests: AtomicU64,
    /// The template's JWT authorizers. Without them no route's token is verified and no
    /// claims are passed, so every function that needs an identity answers 401.
    pub authorizers: Option<Authorizers>,
}

impl Proxy {
    pub fn new(router: Router, upstream: &str) -> Self {
        Self {
            router,
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: Client::builder(TokioExecutor::new()).build_http(),
            log: true,
            cors: None,
            requests: AtomicU64::new(1),
            authorizers: None,
        }
    }

    /// Serves connections from `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) -> std::io::Result<()> {
        serve(listener, move |req| {
            let proxy = self.clone();
            async move { proxy.handle(req).await }
        })
        .await
    }

    pub async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let started = Instant::now();
        let (method, path) = (req.method().to_string(), req.uri().path().to_owned());
        let request_headers = req.headers().clone();
        let preflight = self.cors.as_ref().filter(|_| Cors::is_preflight(&method, &request_headers));
        let (target, mut response) = match self.router.route(&method, &path) {
            // API Gateway answers preflights itself, for any path, before routing.
            _ if preflight.is_some() => {
                ("cors preflight", preflight.map(|c| c.preflight(&request_headers)).unwrap_or_default())
            }
            Match::Found(route) => (route.function.as_str(), self.forward(route, req).await),
            Match::NotFound => {
                ("-", problem(StatusCode::NOT_FOUND, "not-found", &format!("no route for {method} {path}")))
            }
            Match::MethodNotAllowed(allowed) => {
                let detail = format!("{path} does not take {method}; it takes {}", allowed.join(", "));
                let mut res = problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", &detail);
                if let Ok(allow) = HeaderValue::from_str(&allowed.join(", ")) {
                    res.headers_mut().insert(ALLOW, allow);
                }
                ("-", res)
            }
        };
        if let (Some(cors), None) = (&self.cors, preflight) {
            cors.apply(&request_headers, response.headers_mut());
        }
        if self.log {
            println!(
                "{method} {path} -> {target} {} ({} ms)",
                response.status().as_u16(),
                started.elapsed().as_millis()
            );
        }
        response
    }

    /// Invokes the route's function as API Gateway would, with the payload format 2.0 event of
    /// the request (see `event`), through `cargo lambda watch`'s Lambda invoke API.
    async fn forward(&self, route: &TemplateRoute, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = req.into_parts();
        let claims = match (&route.authorizer, &self.authorizers) {
            (Some(name), Some(authorizers)) => match authorizers.verify(name, &parts.headers).await {
                Ok(claims) => Some(claims),
                Err(refused) => return refused,
            },
            _ => None,
        };
        let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
            Ok(body) => body.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                let detail = format!("the body is larger than {MAX_BODY_BYTES} bytes");
                return problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", &detail);
            }
            Err(e) => {
                return problem(StatusCode::BAD_REQUEST, "bad-request", &format!("reading the body: {e}"))
            }
        };
        let request_id = format!("local-{}", self.requests.fetch_add(1, Ordering::Relaxed));
        let event = event::request_event(route, &parts, &body, &request_id, claims);
        let function = route.function.as_str();
        let invoke = Request::post(self.invoke_url(function))
            .header(CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(event.to_string())));
        let upstream = match invoke {
            Ok(invoke) => self.client.request(invoke).await,
            Err(e) => return self.unreachable(function, &e.to_string()),
        };
        let upstream = match upstream {
            Ok(res) => res,
            Err(e) => return self.unreachable(function, &e.to_string()),
        };
        let status = upstream.status();
        let payload = match upstream.into_body().collect().await {
            Ok(body) => body.to_bytes(),
            Err(e) => return self.unreachable(function, &e.to_string()),
        };
        let answer = if status.is_success() {
            event::response_from(&payload)
        } else {
            Err(format!("the invoke API answered {status}: {}", String::from_utf8_lossy(&payload)))
        };
        let mut response = answer.unwrap_or_else(|e| self.unreachable(function, &e));
        strip_hop_by_hop(response.headers_mut());
        response
    }

    fn invoke_url(&self, function: &str) -> String {
        format!("{}/2015-03-31/functions/{function}/invocations", self.upstream)
    }

    fn unreachable(&self, function: &str, error: &str) -> Response<Full<Bytes>> {
        let detail = format!(
            "function {function} did not answer at {} ({error}); is cargo lambda watch running?",
            self.invoke_url(function)
        );
        problem(StatusCode::BAD_GATEWAY, "bad-gateway", &detail)
    }
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Headers named in `Connection` are hop-by-hop too.
    let named: Vec<HeaderName> = headers
        .get_all("connection")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named.iter().map(HeaderName::as_str).chain(HOP_BY_HOP.iter().copied()) {
        headers.remove(name);
    }
}

/// An RFC 9457 problem in the service's shape (`type`, `code`, `title`, `status`, `detail`).
pub fn problem(status: StatusCode, code: &str, detail: &str) -> Response<Full<Bytes>> {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = Problem::new(status.as_u16(), code, title, detail.to_owned()).to_json();
    let mut res = Response::new(Full::new(Bytes::from(body)));
    *res.status_mut() = status;
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(shared::http::problem::PROBLEM_JSON));
    res
}
