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

// The bin's own modules, kept beside it under its name (a bin's root resolves modules in
// src/bin/ itself, where each file is a bin of its own).
#[path = "bench-cold-start/warm.rs"]
mod warm;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bench::functions::{
    add_event, build_dir, client_with_primary, cold_start, function_env, logs, prime, python_launch,
    python_versions, rust_launch, Cold, Endpoints, TENANT,
};
use bench::lambda::{fresh_log, Launch};
use bench::tls::TlsFront;
use bench::Spread;
use serde_json::Value;
use testkit::TestApi;

use bench::same_work::check_same_work;
use warm::warm;

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

/// DynamoDB Local over plain HTTP, and over HTTPS through a TLS front (which must live as long
/// as the functions that use it).
async fn endpoints() -> (TlsFront, Endpoints, Endpoints) {
    let dynamodb =
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("AWS_ENDPOINT_URL_DYNAMODB (scripts/env.sh)");
    let upstream = dynamodb.trim_start_matches("http://").trim_end_matches('/').parse().expect("host:port");
    let front = TlsFront::start(upstream, &logs()).await;
    let plain = Endpoints { name: "HTTP", dynamodb };
    let tls = Endpoints { name: "HTTPS", dynamodb: front.url.clone() };
    (front, plain, tls)
}

/// Every variant: each Rust bootstrap and the Python handler, over each way to DynamoDB. The
/// first is the release add-contact over HTTP; Python over HTTP comes right after the
/// bootstraps.
fn variants(
    table: &str,
    bootstraps: &[(String, PathBuf)],
    over: [&Endpoints; 2],
    ca_bundle: &Path,
) -> Vec<Variant> {
    let mut variants = Vec::new();
    for endpoints in over {
        let env = function_env(table, endpoints, ca_bundle);
        for (handler, path) in bootstraps {
            let launch = rust_launch("add-contact", path, env.clone());
            variants.push(Variant { handler: handler.clone(), over: endpoints.name, launch });
        }
        let launch = python_launch(env);
        variants.push(Variant { handler: "Python add-contact".to_owned(), over: endpoints.name, launch });
    }
    variants
}

/// The cold start table, one row per variant, then Python's medians over Rust's for each way
/// to DynamoDB.
fn print_cold_tables(variants: &[Variant], results: &[Vec<Cold>], over: [&str; 2]) {
    println!("| handler | DynamoDB over | init, ms: median (p10-p90) | first response, ms | peak RSS, MiB |");
    println!("|---|---|---:|---:|---:|");
    let medians: Vec<Medians> = variants.iter().zip(results).map(|(v, runs)| cold_row(v, runs)).collect();
    println!();
    println!("| Python / Rust, medians | init | first response | peak RSS |");
    println!("|---|---:|---:|---:|");
    let of = |handler: &str, over: &str| {
        let i = variants.iter().position(|v| v.handler == handler && v.over == over).expect("variant");
        &medians[i]
    };
    let ratio = |p: f64, r: f64| format!("{:.1}x", p / r);
    for over in over {
        let (python, rust) = (of("Python add-contact", over), of("Rust add-contact", over));
        println!(
            "| over {over} | {} | {} | {} |",
            ratio(python.init.as_secs_f64(), rust.init.as_secs_f64()),
            ratio(python.first_response.as_secs_f64(), rust.first_response.as_secs_f64()),
            ratio(python.peak_rss as f64, rust.peak_rss as f64)
        );
    }
}

#[tokio::main]
async fn main() {
    let args = args();
    let api = TestApi::new().await;
    let client = client_with_primary(&api, TENANT, "Cold start target").await;
    let caller = TestApi::admin(TENANT);
    let (front, plain, tls) = endpoints().await;
    for name in ["add-contact", "get-contact", "list-contacts", "add-contact-python"] {
        fresh_log(&logs(), name);
    }

    // Nothing is timed unless the Python twin does the Rust function's work.
    check_same_work(&build_dir().join("add-contact"), &front.ca_bundle).await;
    let priming =
        prime(&api, &caller, &client, args.prime, &function_env(&api.table, &tls, &front.ca_bundle)).await;
    let mut bootstraps = vec![("Rust add-contact".to_owned(), build_dir().join("add-contact"))];
    bootstraps.extend(args.bootstraps.iter().map(|(l, p)| (format!("Rust add-contact ({l})"), p.clone())));
    let variants = variants(&api.table, &bootstraps, [&plain, &tls], &front.ca_bundle);
    let mut n = 0;
    let results = cold_starts(&variants, args.runs, || {
        n += 1;
        add_event(&api, &caller, &client, n)
    })
    .await;

    println!(
        "{} cold starts each, {}; bootstraps from {}",
        args.runs,
        python_versions(),
        build_dir().display()
    );
    println!("{}", priming.show());
    println!();
    print_cold_tables(&variants, &results, [plain.name, tls.name]);

    if args.warm > 0 {
        println!();
        println!("## warm");
        println!();
        let env = function_env(&api.table, &tls, &front.ca_bundle);
        warm(&api, &caller, &client, args.warm, &env).await;
    }
    bench::drop_table(&api.db, &api.table).await;
}
