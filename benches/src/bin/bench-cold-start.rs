//! Benchmark: cold starts and warm memory of the release bootstraps, run the way Lambda runs
//! them: a Runtime API emulator, Lambda's environment variables (128 MB), one fresh process per
//! cold start, API Gateway HTTP API v2 events with JWT authorizer claims. Next to it, the same
//! add-contact written in Python 3.11 with boto3 (benches/python/handler.py) under awslambdaric,
//! the runtime client of Lambda's Python runtime. DynamoDB is DynamoDB Local, reached over plain
//! HTTP and over HTTPS through a TLS front (a TLS handshake is part of every real cold start).
//! Run with `scripts/bench cold-start`.
//!
//! Usage: bench-cold-start [runs] [--warm N] [--bootstrap label=path]...
//!   runs         cold starts per variant (default 10)
//!   --warm N     invocations per function for the warm table (default 1000; 0: no warm table)
//!   --prime N    add-contact requests that warm DynamoDB Local first (default 300)
//!   --bootstrap  another add-contact bootstrap to time next to target/release/add-contact
//!                (e.g. one built with other features)

use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use bench::functions::{
    add_event, body, cold_start, function_env, logs, prime, python_launch, python_versions, release_dir,
    rust_launch, Cold, Endpoints, TENANT,
};
use bench::lambda::{fresh_log, Function, Launch};
use bench::tls::TlsFront;
use bench::{mib, Spread};
use serde_json::{json, Value};
use testkit::{Caller, TestApi};

const LAMBDA_MEMORY: u64 = 128 * 1024 * 1024;

struct Args {
    runs: usize,
    warm: usize,
    prime: usize,
    bootstraps: Vec<(String, PathBuf)>,
}

fn args() -> Args {
    let mut args = Args { runs: 10, warm: 1000, prime: 300, bootstraps: Vec::new() };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--warm" => {
                args.warm = it.next().and_then(|n| n.parse().ok()).expect("--warm N");
                assert!(args.warm != 1, "--warm 0 (none) or at least 2: the first invocation is a cold one");
            }
            "--prime" => args.prime = it.next().and_then(|n| n.parse().ok()).expect("--prime N"),
            "--bootstrap" => {
                let spec = it.next().expect("--bootstrap label=path");
                let (label, path) = spec.split_once('=').expect("--bootstrap label=path");
                let path = std::fs::canonicalize(path).unwrap_or_else(|e| panic!("{path}: {e}"));
                args.bootstraps.push((label.to_owned(), path));
            }
            n => args.runs = n.parse().unwrap_or_else(|_| panic!("unknown argument {n}")),
        }
    }
    args
}

/// A JSON value with every leaf replaced by its type: what two implementations must agree on.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().take(1).map(shape).collect()),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => json!("null"),
    }
}

/// An item's attribute names and types.
fn item_shape(item: &std::collections::HashMap<String, AttributeValue>) -> Vec<(String, &'static str)> {
    let mut shape: Vec<(String, &'static str)> = item
        .iter()
        .map(|(k, v)| {
            let kind = match v {
                AttributeValue::S(_) => "S",
                AttributeValue::N(_) => "N",
                AttributeValue::Bool(_) => "BOOL",
                AttributeValue::L(_) => "L",
                AttributeValue::M(_) => "M",
                _ => "other",
            };
            (k.clone(), kind)
        })
        .collect();
    shape.sort();
    shape
}

async fn get_item(
    api: &TestApi,
    pk: String,
    sk: String,
) -> std::collections::HashMap<String, AttributeValue> {
    api.db
        .get_item()
        .table_name(&api.table)
        .key("PK", AttributeValue::S(pk))
        .key("SK", AttributeValue::S(sk))
        .consistent_read(true)
        .send()
        .await
        .expect("get item")
        .item
        .expect("the item exists")
}

/// Refuses to compare unequal work: the Python handler must answer and write exactly what the
/// Rust function answers and writes (same body shape, same attributes and types).
async fn check_same_work(api: &TestApi, rust: &Value, python: &Value) {
    let (rust, python) = (body(rust), body(python));
    assert_eq!(shape(&rust), shape(&python), "201 bodies differ:\n{rust}\n{python}");
    let mut shapes = Vec::new();
    for contact in [&rust, &python] {
        let client = contact["client_id"].as_str().expect("client id");
        let id = contact["id"].as_str().expect("contact id");
        let email = contact["email"].as_str().expect("email").to_lowercase();
        let item = get_item(api, format!("TENANT#{TENANT}#CLIENT#{client}"), format!("CONTACT#{id}")).await;
        let marker = get_item(api, format!("TENANT#{TENANT}#EMAIL#{email}"), "EMAIL".to_owned()).await;
        shapes.push((item_shape(&item), item_shape(&marker)));
    }
    assert_eq!(shapes[0], shapes[1], "items differ (Rust, then Python)");
}

/// One way of running add-contact: which handler, how it reaches DynamoDB, how it starts.
struct Variant {
    handler: String,
    over: &'static str,
    launch: Launch,
}

/// Cold starts of each variant, `runs` times each, interleaved so that noise hits all alike:
/// round after round, each round starting one variant further on (what runs just before a
/// cold start, such as a Python process, affects it).
async fn cold_starts(
    variants: &[Variant],
    runs: usize,
    mut next_event: impl FnMut() -> Value,
) -> Vec<Vec<Cold>> {
    let mut results: Vec<Vec<Cold>> = variants.iter().map(|_| Vec::new()).collect();
    for round in 0..runs {
        for i in (0..variants.len()).map(|i| (i + round) % variants.len()) {
            results[i].push(cold_start(&variants[i].launch, &next_event()).await);
        }
    }
    results
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

struct Medians {
    init: Duration,
    first_response: Duration,
    peak_rss: u64,
}

fn cold_row(variant: &Variant, runs: &[Cold]) -> Medians {
    let init = Spread::of(runs.iter().map(|c| c.init).collect());
    let first = Spread::of(runs.iter().map(|c| c.first_response).collect());
    let rss = Spread::of(runs.iter().map(|c| c.peak_rss).collect());
    println!(
        "| {} | {} | {} | {} | {} |",
        variant.handler,
        variant.over,
        init.show(ms),
        first.show(ms),
        rss.show(|b| format!("{:.1}", b as f64 / 1048576.0))
    );
    Medians { init: init.median, first_response: first.median, peak_rss: rss.median }
}

/// Warm invocations of add-contact, get-contact and list-contacts: one process of each kept for
/// the whole run (each function is its own bootstrap), `n` events each, in turn (add, get,
/// list, add...), so that reads see the contacts added so far.
async fn warm(api: &TestApi, caller: &Caller, client: &str, n: usize, env: &[(String, String)]) {
    let mut functions = Vec::new();
    for name in ["add-contact", "get-contact", "list-contacts"] {
        let launch = rust_launch(name, &release_dir().join(name), env.to_vec());
        functions.push((name, Function::start(&launch).await, Vec::new(), 0));
    }
    let mut ids: Vec<String> = Vec::new();
    for i in 0..n {
        for (name, function, took, first_rss) in functions.iter_mut() {
            let event = match *name {
                "add-contact" => add_event(api, caller, client, 1_000_000 + i),
                "get-contact" => {
                    let id = &ids[(i * 7919) % ids.len()];
                    api.json_event(caller, "GET", &format!("/clients/{client}/contacts/{id}"), None)
                }
                _ => {
                    let query = ["limit=25", "limit=25&topic=invoice", "limit=100"][i % 3];
                    api.json_event(caller, "GET", &format!("/clients/{client}/contacts?{query}"), None)
                }
            };
            let reply = function.invoke(&event).await;
            let expected = if *name == "add-contact" { 201 } else { 200 };
            assert_eq!(reply.body["statusCode"], expected, "{name}: {}", reply.body);
            if *name == "add-contact" {
                ids.push(body(&reply.body)["id"].as_str().expect("id").to_owned());
            }
            // The first invocation is the cold one: only the others count as warm.
            if i == 0 {
                *first_rss = function.peak_rss();
            } else {
                took.push(reply.took);
            }
        }
    }
    println!("| function | invocations | warm latency, ms: median (p10-p90) | peak RSS after 1 | peak RSS after {n} | left of 128 MB |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, function, took, first_rss) in functions {
        let peak = function.peak_rss();
        println!(
            "| {name} | {n} | {} | {} | {} | {:.0}% |",
            Spread::of(took).show(ms),
            mib(first_rss),
            mib(peak),
            100.0 * (LAMBDA_MEMORY.saturating_sub(peak)) as f64 / LAMBDA_MEMORY as f64
        );
        drop(function);
    }
}

#[tokio::main]
async fn main() {
    let args = args();
    let api = TestApi::new().await;
    let admin = TestApi::admin(TENANT);
    let client = api.post(&admin, "/clients", json!({ "name": "Cold start target" })).await.json();
    let client = client["id"].as_str().expect("client id").to_owned();
    // The client already has its primary, so every add below is the common one-write case.
    let primary = json!({ "last_name": "Primary", "email": "primary@bench.example" });
    let first = api.post(&admin, &format!("/clients/{client}/contacts"), primary).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let caller = TestApi::admin(TENANT);

    let dynamodb =
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("AWS_ENDPOINT_URL_DYNAMODB (scripts/env.sh)");
    let upstream = dynamodb.trim_start_matches("http://").trim_end_matches('/').parse().expect("host:port");
    let front = TlsFront::start(upstream, &logs()).await;
    let plain = Endpoints { name: "HTTP", dynamodb };
    let tls = Endpoints { name: "HTTPS", dynamodb: front.url.clone() };
    for name in ["add-contact", "get-contact", "list-contacts", "add-contact-python"] {
        fresh_log(&logs(), name);
    }

    let priming =
        prime(&api, &caller, &client, args.prime, &function_env(&api.table, &tls, &front.ca_bundle)).await;
    let mut bootstraps = vec![("Rust add-contact".to_owned(), release_dir().join("add-contact"))];
    bootstraps.extend(args.bootstraps.iter().map(|(l, p)| (format!("Rust add-contact ({l})"), p.clone())));
    let mut variants = Vec::new();
    for endpoints in [&plain, &tls] {
        let env = function_env(&api.table, endpoints, &front.ca_bundle);
        for (handler, path) in &bootstraps {
            let launch = rust_launch("add-contact", path, env.clone());
            variants.push(Variant { handler: handler.clone(), over: endpoints.name, launch });
        }
        let launch = python_launch(env);
        variants.push(Variant { handler: "Python add-contact".to_owned(), over: endpoints.name, launch });
    }
    let mut n = 0;
    let results = cold_starts(&variants, args.runs, || {
        n += 1;
        add_event(&api, &caller, &client, n)
    })
    .await;
    check_same_work(&api, &results[0][0].answer, &results[bootstraps.len()][0].answer).await;

    println!(
        "{} cold starts each, {}; bootstraps from {}",
        args.runs,
        python_versions(),
        release_dir().display()
    );
    println!("{}", priming.show());
    println!();
    println!("| handler | DynamoDB over | init, ms: median (p10-p90) | first response, ms | peak RSS, MiB |");
    println!("|---|---|---:|---:|---:|");
    let medians: Vec<Medians> = variants.iter().zip(&results).map(|(v, runs)| cold_row(v, runs)).collect();
    println!();
    println!("| Python / Rust, medians | init | first response | peak RSS |");
    println!("|---|---:|---:|---:|");
    let of = |handler: &str, over: &str| {
        let i = variants.iter().position(|v| v.handler == handler && v.over == over).expect("variant");
        &medians[i]
    };
    let ratio = |p: f64, r: f64| format!("{:.1}x", p / r);
    for over in [plain.name, tls.name] {
        let (python, rust) = (of("Python add-contact", over), of("Rust add-contact", over));
        println!(
            "| over {over} | {} | {} | {} |",
            ratio(python.init.as_secs_f64(), rust.init.as_secs_f64()),
            ratio(python.first_response.as_secs_f64(), rust.first_response.as_secs_f64()),
            ratio(python.peak_rss as f64, rust.peak_rss as f64)
        );
    }

    if args.warm > 0 {
        println!();
        println!("## warm");
        println!();
        let env = function_env(&api.table, &tls, &front.ca_bundle);
        warm(&api, &caller, &client, args.warm, &env).await;
    }
    bench::drop_table(&api.db, &api.table).await;
}
