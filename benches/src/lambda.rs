//! A Lambda execution environment in miniature, to time the real release bootstraps: the
//! Runtime API that a function's runtime client polls
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>), and a function process
//! started the way Lambda starts it, with Lambda's environment variables and nothing else.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
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
/// How long the harness waits for an answer before giving up on the process.
const PATIENCE: Duration = Duration::from_secs(30);

type Outcome = Result<Bytes, String>;

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

/// A function's answer to one event.
pub struct Reply {
    pub body: Value,
    /// When the runtime posted it.
    pub at: Instant,
    /// From handing over the event to the answer.
    pub took: Duration,
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
    fn submit(&self, event: &Value) -> (oneshot::Receiver<Outcome>, Instant) {
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
        let _ = shared.first_poll.set(Instant::now());
        let Some(event) = shared.events.lock().await.recv().await else {
            return Ok(reply(StatusCode::GONE, r#"{"errorType":"ShuttingDown"}"#));
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
        return Ok(res);
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

/// How to start a function: its program and arguments, its task root, its handler setting and
/// its own configuration (the template's variables, the emulators' endpoints).
pub struct Launch {
    pub name: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub dir: PathBuf,
    pub handler: String,
    pub env: Vec<(String, String)>,
    /// Where the process's stdout and stderr go (appended).
    pub log: PathBuf,
    /// The memory size the function is told it has (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`).
    pub memory_mb: u32,
    /// A CPU cgroup (v1, `/sys/fs/cgroup/cpu/...`) the process runs in from its first
    /// instruction: Lambda's CPU share for `memory_mb`, set by `scripts/bench cpu-share`.
    pub cgroup: Option<PathBuf>,
}

/// One execution environment: its Runtime API and its function process.
pub struct Function {
    api: RuntimeApi,
    child: std::process::Child,
    pid: u32,
    log: PathBuf,
    /// Just before the process was spawned.
    pub spawned: Instant,
}

impl Function {
    /// Starts the Runtime API, then the process with Lambda's environment (no inherited one).
    pub async fn start(launch: &Launch) -> Self {
        let api = RuntimeApi::start(&launch.name).await;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&launch.log)
            .unwrap_or_else(|e| panic!("open {}: {e}", launch.log.display()));
        let mut command = std::process::Command::new(&launch.program);
        command
            .args(&launch.args)
            .current_dir(&launch.dir)
            .env_clear()
            .envs(lambda_environment(launch, api.addr))
            .envs(launch.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        if let Some(cgroup) = &launch.cgroup {
            join_cgroup(&mut command, cgroup.join("cgroup.procs"));
        }
        let spawned = Instant::now();
        let child = command.spawn().unwrap_or_else(|e| panic!("start {}: {e}", launch.program.display()));
        let pid = child.id();
        Self { api, child, pid, log: launch.log.clone(), spawned }
    }

    /// Sends one event and waits for the function's answer (a failed invocation, an exited
    /// process or 30 s without an answer end the benchmark with the function's last log lines).
    pub async fn invoke(&mut self, event: &Value) -> Reply {
        let (answer, submitted) = self.api.submit(event);
        let outcome = tokio::select! {
            outcome = tokio::time::timeout(PATIENCE, answer) => match outcome {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(_)) => Err("the runtime API dropped the invocation".to_owned()),
                Err(_) => Err(format!("no answer within {} s", PATIENCE.as_secs())),
            },
            status = exited(&mut self.child) => Err(format!("the process exited: {status}")),
        };
        let at = Instant::now();
        match outcome.map(|body| serde_json::from_slice::<Value>(&body)) {
            Ok(Ok(body)) => Reply { body, at, took: at - submitted },
            Ok(Err(e)) => self.fail(&format!("the answer is not JSON: {e}")),
            Err(e) => self.fail(&e),
        }
    }

    fn fail(&self, why: &str) -> ! {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        panic!("{why}\nlast lines of {}:\n{}", self.log.display(), tail.join("\n"));
    }

    /// From spawn to the first `GET /next`.
    pub fn init_time(&self) -> Duration {
        self.api.first_poll().expect("the runtime has polled for an event") - self.spawned
    }

    /// The process's peak resident set size so far (`VmHWM`), in bytes.
    pub fn peak_rss(&self) -> u64 {
        peak_rss(self.pid).unwrap_or_else(|| self.fail("no VmHWM in /proc/<pid>/status"))
    }
}

/// Moves the process into the cgroup whose `cgroup.procs` is `procs` between fork and exec, so
/// that all it runs (its runtime's start-up included) is throttled, and the harness is not.
fn join_cgroup(command: &mut std::process::Command, procs: PathBuf) {
    use std::io::Write;
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec, where only async-signal-safe
    // work is sound. It opens a short path (std converts it on the stack, no allocation) and
    // writes "0", which moves the writing process itself; nothing locks or allocates.
    unsafe {
        command.pre_exec(move || std::fs::OpenOptions::new().write(true).open(&procs)?.write_all(b"0"));
    }
}

/// Ends the process (as Lambda ends an environment) and reaps it.
impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resolves when the process has exited (checked every 20 ms; only a failure waits for it).
async fn exited(child: &mut std::process::Child) -> std::process::ExitStatus {
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `VmHWM` of a live process, in bytes.
pub fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The variables Lambda sets for every function (an on-demand function of `memory_mb`), with the
/// caller's credentials and region: the emulators keep data per access key and region.
fn lambda_environment(launch: &Launch, api: SocketAddr) -> Vec<(String, String)> {
    let inherited = |name: &str| std::env::var(name).unwrap_or_default();
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let task_root = launch.dir.display().to_string();
    [
        ("AWS_LAMBDA_RUNTIME_API", api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", launch.name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", launch.memory_mb.to_string()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", launch.name)),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]0123456789abcdef".into()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_bench".into()),
        ("AWS_REGION", region.clone()),
        ("AWS_DEFAULT_REGION", region),
        ("AWS_ACCESS_KEY_ID", inherited("AWS_ACCESS_KEY_ID")),
        ("AWS_SECRET_ACCESS_KEY", inherited("AWS_SECRET_ACCESS_KEY")),
        ("AWS_SESSION_TOKEN", "bench-session-token".into()),
        ("_HANDLER", launch.handler.clone()),
        ("LAMBDA_TASK_ROOT", task_root),
        ("LANG", "en_US.UTF-8".into()),
        ("TZ", ":UTC".into()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The log file of a function for this run: its folder created, its old content gone.
pub fn fresh_log(dir: &Path, name: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    let path = dir.join(format!("{name}.log"));
    let _ = std::fs::remove_file(&path);
    path
}
