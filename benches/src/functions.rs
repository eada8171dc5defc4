//! Release bootstraps and the Python twin started as Lambda starts them (see `lambda`), their
//! configuration, and the add-contact event they are timed on: what the cold-start and
//! CPU-share benchmarks share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use testkit::table::repo_root;
use testkit::{Caller, TestApi};

use crate::lambda::{Function, Launch};

pub const TENANT: &str = "bench";

/// Where `scripts/bench` built the functions: `target/release`, or the profile `BENCH_PROFILE`
/// names (`debug` for `scripts/bench smoke`).
pub fn build_dir() -> PathBuf {
    let profile = std::env::var("BENCH_PROFILE").unwrap_or_else(|_| "release".to_owned());
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| repo_root().join("target"), PathBuf::from)
        .join(profile)
}

/// How the functions reach the emulators.
pub struct Endpoints {
    pub name: &'static str,
    pub dynamodb: String,
}

/// The variables a function gets from the template, plus the emulators' endpoints and the CA
/// bundle (the system's, plus the TLS front's CA).
pub fn function_env(table: &str, endpoints: &Endpoints, ca_bundle: &Path) -> Vec<(String, String)> {
    let ses = std::env::var("AWS_ENDPOINT_URL_SESV2").expect("AWS_ENDPOINT_URL_SESV2 (scripts/env.sh)");
    [
        ("TABLE_NAME", table.to_owned()),
        ("CURSOR_SECRET", "bench-cursor-secret-0123456789".to_owned()),
        ("DEFAULT_PHONE_REGION", "US".to_owned()),
        ("SENDER_EMAIL", "no-reply@bench.example".to_owned()),
        ("SENDER_NAME", "Bench".to_owned()),
        ("PORTAL_URL", "https://portal.bench.example".to_owned()),
        ("INVITE_TTL_HOURS", "48".to_owned()),
        ("SUPPORT_REMINDER_DAYS", "14".to_owned()),
        ("RUST_LOG", "info".to_owned()),
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoints.dynamodb.clone()),
        ("AWS_ENDPOINT_URL_SESV2", ses),
        ("SSL_CERT_FILE", ca_bundle.display().to_string()),
        ("AWS_CA_BUNDLE", ca_bundle.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

pub fn logs() -> PathBuf {
    repo_root().join(".local/bench")
}

pub fn rust_launch(function: &str, program: &Path, env: Vec<(String, String)>) -> Launch {
    assert!(program.exists(), "{} is missing: build it with scripts/bench", program.display());
    Launch {
        name: function.to_owned(),
        program: program.to_owned(),
        args: Vec::new(),
        dir: program.parent().expect("a folder").to_owned(),
        handler: "bootstrap".to_owned(),
        env,
        log: logs().join(format!("{function}.log")),
        memory_mb: 128,
        cgroup: None,
    }
}

pub fn python() -> PathBuf {
    let python = repo_root().join(".venv/bench/bin/python");
    assert!(python.exists(), "{} is missing: scripts/venv bench", python.display());
    python
}

pub fn python_launch(mut env: Vec<(String, String)>) -> Launch {
    // Lambda's task root is read-only: a handler shipped without .pyc is compiled at every cold
    // start (boto3 in the runtime comes compiled, as pip compiled it in the venv).
    env.push(("PYTHONDONTWRITEBYTECODE".to_owned(), "1".to_owned()));
    let _ = std::fs::remove_dir_all(repo_root().join("benches/python/__pycache__"));
    Launch {
        name: "add-contact-python".to_owned(),
        program: python(),
        args: ["-m", "awslambdaric", "handler.add_contact"].map(String::from).to_vec(),
        dir: repo_root().join("benches/python"),
        handler: "handler.add_contact".to_owned(),
        env,
        log: logs().join("add-contact-python.log"),
        memory_mb: 128,
        cgroup: None,
    }
}

pub fn python_versions() -> String {
    let out = std::process::Command::new(python())
        .args([
            "-c",
            "import sys, importlib.metadata as m; \
             print(f'Python {sys.version.split()[0]}, boto3 {m.version(\"boto3\")}, \
             awslambdaric {m.version(\"awslambdaric\")}')",
        ])
        .output()
        .expect("run the bench venv's python");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// One cold start: a fresh process, one event, then its peak RSS.
pub struct Cold {
    pub init: Duration,
    pub first_response: Duration,
    pub peak_rss: u64,
    pub answer: Value,
}

pub async fn cold_start(launch: &Launch, event: &Value) -> Cold {
    let mut function = Function::start(launch).await;
    let reply = function.invoke(event).await;
    let cold = Cold {
        init: function.init_time(),
        first_response: reply.at - function.spawned,
        peak_rss: function.peak_rss(),
        answer: reply.body,
    };
    drop(function);
    assert_eq!(cold.answer["statusCode"], 201, "{}: {}", launch.name, cold.answer);
    cold
}

/// A client of `tenant` that already has its primary contact, made through the in-process API,
/// so that every add the benchmarks make to it is the common one-write case.
pub async fn client_with_primary(api: &TestApi, tenant: &str, name: &str) -> String {
    let admin = TestApi::admin(tenant);
    let client = api.post(&admin, "/clients", json!({ "name": name })).await.json();
    let client = client["id"].as_str().expect("client id").to_owned();
    let primary = json!({ "last_name": "Primary", "email": "primary@bench.example" });
    let first = api.post(&admin, &format!("/clients/{client}/contacts"), primary).await;
    assert_eq!(first.status, 201, "{}", first.body);
    client
}

/// An add of a contact with a name, an address and a topic that names its permissions and
/// `invite` too, so the add reads nothing first: one `TransactWriteItems`.
pub fn add_event(api: &TestApi, caller: &Caller, client: &str, n: usize) -> Value {
    let body = json!({
        "first_name": "Ada",
        "last_name": format!("Lovelace {n}"),
        "email": format!("ada.{n}@bench.example"),
        "notifications": ["invoice"],
        "permissions": ["support"],
        "invite": false,
    });
    api.json_event(caller, "POST", &format!("/clients/{client}/contacts"), Some(body))
}

/// The JSON an answer carries in its `body`.
pub fn body(answer: &Value) -> Value {
    serde_json::from_str(answer["body"].as_str().expect("a body")).expect("a JSON body")
}

/// What priming DynamoDB Local did: the latency of the first and of the last 50 of its
/// requests, and how long it took.
pub struct Priming {
    pub requests: usize,
    pub first: Duration,
    pub last: Duration,
    pub took: Duration,
}

impl Priming {
    pub fn show(&self) -> String {
        format!(
            "primed DynamoDB Local with {} add-contact invocations of a warm unthrottled Rust function over \
             HTTPS in {:.1} s: median latency of the first 50 {}, of the last 50 {}",
            self.requests,
            self.took.as_secs_f64(),
            crate::ms(self.first),
            crate::ms(self.last)
        )
    }
}

/// Warms the emulator (its JVM compiles what it runs often) with `n` of the requests the cold
/// starts then make, so that they time the function, not the emulator's own warm-up: a real
/// cold start never meets a cold DynamoDB.
pub async fn prime(
    api: &TestApi,
    caller: &Caller,
    client: &str,
    n: usize,
    env: &[(String, String)],
) -> Priming {
    assert!(n >= 100, "prime with at least 100 requests");
    let launch = rust_launch("add-contact", &build_dir().join("add-contact"), env.to_vec());
    let mut function = Function::start(&launch).await;
    let started = std::time::Instant::now();
    let mut took = Vec::with_capacity(n);
    for i in 0..n {
        let reply = function.invoke(&add_event(api, caller, client, 2_000_000 + i)).await;
        assert_eq!(reply.body["statusCode"], 201, "priming: {}", reply.body);
        took.push(reply.took);
    }
    let median = |part: &[Duration]| crate::Spread::of(part.to_vec()).median;
    Priming {
        requests: n,
        first: median(&took[..50]),
        last: median(&took[n - 50..]),
        took: started.elapsed(),
    }
}
