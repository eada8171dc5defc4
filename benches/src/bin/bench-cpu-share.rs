//! Benchmark: what a deployer pays per memory size. Lambda gives a function CPU in proportion to
//! its memory (one vCPU at 1,769 MB, linearly below), so each memory size is emulated with a
//! CPU cgroup quota of that share (made by `scripts/bench cpu-share`, which needs root); only
//! the function processes run inside it, not the emulators or this harness. Per size: cold
//! starts of add-contact, the Rust bootstrap and the Python/boto3 twin interleaved, over HTTPS;
//! then warm invocations of add-contact, get-contact and list-contacts (Rust) and the Python
//! add-contact; then the cost per million requests at Lambda's arm64 price.
//!
//! Usage: bench-cpu-share --cgroups DIR [runs] [--warm N] [--prime N] [--sizes 0,128,...]
//!   DIR         the cgroups, one per size and function: DIR/<mb>-<function>
//!   runs        cold starts per handler and size (default 10)
//!   --warm N    invocations per function and size (default 500; the first is left out)
//!   --prime N   add-contact requests that warm DynamoDB Local first (default 300)
//!   --sizes     memory sizes in MB (default 0,128,256,512,1024; 0: unthrottled, for reference)

use std::path::PathBuf;
use std::time::Duration;

use bench::functions::{
    add_event, body, build_dir, client_with_primary, cold_start, function_env, logs, prime, python_launch,
    python_versions, rust_launch, Cold, Endpoints, TENANT,
};
use bench::lambda::{fresh_log, Function, Launch};
use bench::tls::TlsFront;
use bench::Spread;
use testkit::{Caller, TestApi};

/// Lambda's memory size at which a function has one full vCPU.
const FULL_VCPU_MB: f64 = 1769.0;
/// arm64 price in us-east-1 as known on 2026-11-28 (not checked online): per GB-second, per request.
const PRICE_GB_SECOND: f64 = 0.000_013_333_4;
const PRICE_PER_MILLION_REQUESTS: f64 = 0.20;
const FUNCTIONS: [&str; 4] = ["add-contact", "get-contact", "list-contacts", "add-contact-python"];

struct Args {
    cgroups: PathBuf,
    runs: usize,
    warm: usize,
    prime: usize,
    sizes: Vec<u32>,
}

fn args() -> Args {
    let mut args = Args {
        cgroups: PathBuf::new(),
        runs: 10,
        warm: 500,
        prime: 300,
        sizes: vec![0, 128, 256, 512, 1024],
    };
    let mut it = std::env::args().skip(1);
    let number =
        |v: Option<String>, what: &str| v.and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{what} N"));
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--cgroups" => args.cgroups = PathBuf::from(it.next().expect("--cgroups DIR")),
            "--warm" => args.warm = number(it.next(), "--warm"),
            "--prime" => args.prime = number(it.next(), "--prime"),
            "--sizes" => {
                let list = it.next().expect("--sizes 128,256");
                args.sizes = list.split(',').map(|n| n.parse().expect("a size in MB")).collect();
            }
            n => args.runs = n.parse().unwrap_or_else(|_| panic!("unknown argument {n}")),
        }
    }
    assert!(
        args.cgroups.is_dir(),
        "--cgroups DIR: {} is not a folder (scripts/bench cpu-share)",
        args.cgroups.display()
    );
    assert!(args.warm >= 2, "--warm 2 or more: the first invocation is a cold one");
    args
}

fn label(mb: u32) -> String {
    match mb {
        0 => "unthrottled".to_owned(),
        mb => format!("{mb} MB ({:.1}% of a vCPU)", 100.0 * f64::from(mb) / FULL_VCPU_MB),
    }
}

/// `launch` as a function of `mb` in its own cgroup (none when unthrottled).
fn sized(mut launch: Launch, mb: u32, cgroups: &std::path::Path, function: &str) -> Launch {
    launch.memory_mb = if mb == 0 { 128 } else { mb };
    launch.cgroup = (mb > 0).then(|| cgroups.join(format!("{mb}-{function}")));
    launch
}

/// The value at quantile `q` of `samples`.
fn quantile(samples: &[Duration], q: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Warm figures of one function at one size: p50, p99 and the mean billed duration (each
/// invocation rounded up to the next millisecond, as Lambda bills).
struct Warm {
    p50: Duration,
    p99: Duration,
    billed_ms: f64,
}

impl Warm {
    fn of(took: &[Duration]) -> Self {
        let billed: f64 = took.iter().map(|d| (d.as_secs_f64() * 1000.0).ceil()).sum();
        Self { p50: quantile(took, 0.5), p99: quantile(took, 0.99), billed_ms: billed / took.len() as f64 }
    }

    /// Dollars per million requests at `mb`.
    fn cost(&self, mb: u32) -> f64 {
        1e6 * self.billed_ms / 1000.0 * f64::from(mb) / 1024.0 * PRICE_GB_SECOND + PRICE_PER_MILLION_REQUESTS
    }
}

struct Setup<'a> {
    api: &'a TestApi,
    caller: &'a Caller,
    client: &'a str,
    env: Vec<(String, String)>,
    cgroups: &'a std::path::Path,
}

/// Warm invocations of the four functions at `mb`, one process each, `n` events each in turn.
async fn warm(s: &Setup<'_>, mb: u32, n: usize, offset: usize) -> Vec<Warm> {
    let mut functions = Vec::new();
    for name in FUNCTIONS {
        let launch = match name {
            "add-contact-python" => python_launch(s.env.clone()),
            rust => rust_launch(rust, &build_dir().join(rust), s.env.clone()),
        };
        functions.push((name, Function::start(&sized(launch, mb, s.cgroups, name)).await, Vec::new()));
    }
    let mut ids: Vec<String> = Vec::new();
    for i in 0..n {
        for (name, function, took) in functions.iter_mut() {
            let event = match *name {
                "get-contact" => {
                    let id = &ids[(i * 7919) % ids.len()];
                    s.api.json_event(s.caller, "GET", &format!("/clients/{}/contacts/{id}", s.client), None)
                }
                "list-contacts" => {
                    let query = ["limit=25", "limit=25&topic=invoice", "limit=100"][i % 3];
                    s.api.json_event(
                        s.caller,
                        "GET",
                        &format!("/clients/{}/contacts?{query}", s.client),
                        None,
                    )
                }
                add => {
                    add_event(s.api, s.caller, s.client, offset + 2 * i + usize::from(add != "add-contact"))
                }
            };
            let reply = function.invoke(&event).await;
            let status = reply.body["statusCode"].as_u64();
            assert_eq!(
                status,
                Some(if name.starts_with("add") { 201 } else { 200 }),
                "{name}: {}",
                reply.body
            );
            if *name == "add-contact" {
                ids.push(body(&reply.body)["id"].as_str().expect("id").to_owned());
            }
            if i > 0 {
                took.push(reply.took);
            }
        }
    }
    functions.into_iter().map(|(_, _, took)| Warm::of(&took)).collect()
}

/// Cold starts of the Rust and Python add-contact at `mb`, interleaved: (Rust, Python).
async fn cold(s: &Setup<'_>, mb: u32, runs: usize, offset: usize) -> (Vec<Cold>, Vec<Cold>) {
    let rust = sized(
        rust_launch("add-contact", &build_dir().join("add-contact"), s.env.clone()),
        mb,
        s.cgroups,
        "add-contact",
    );
    let python = sized(python_launch(s.env.clone()), mb, s.cgroups, "add-contact-python");
    let (mut r, mut p) = (Vec::new(), Vec::new());
    for round in 0..runs {
        let event = |k: usize| add_event(s.api, s.caller, s.client, offset + 2 * round + k);
        // Each round starts with the other handler: what ran just before affects a cold start.
        if round % 2 == 0 {
            r.push(cold_start(&rust, &event(0)).await);
            p.push(cold_start(&python, &event(1)).await);
        } else {
            p.push(cold_start(&python, &event(1)).await);
            r.push(cold_start(&rust, &event(0)).await);
        }
    }
    (r, p)
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn spread(runs: &[Cold], of: fn(&Cold) -> Duration) -> Spread {
    Spread::of(runs.iter().map(of).collect())
}

/// Per memory size: the Rust and the Python cold starts, and the warm figures of each function.
type Results = [(u32, Vec<Cold>, Vec<Cold>, Vec<Warm>)];

/// Cold starts per memory size, Rust next to Python.
fn print_cold_table(results: &Results) {
    println!("| memory (CPU share) | Rust init, ms | Rust first response, ms | Python init, ms | Python first response, ms | Python / Rust, first response |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (mb, rust, python, _) in results {
        let (ri, rf) = (spread(rust, |c| c.init), spread(rust, |c| c.first_response));
        let (pi, pf) = (spread(python, |c| c.init), spread(python, |c| c.first_response));
        let ratio = pf.median.as_secs_f64() / rf.median.as_secs_f64();
        println!(
            "| {} | {} | {} | {} | {} | {ratio:.1}x |",
            label(*mb),
            ri.show(ms),
            rf.show(ms),
            pi.show(ms),
            pf.show(ms)
        );
    }
}

/// Warm latency and billed duration per memory size and function.
fn print_warm_table(results: &Results) {
    println!("| memory | function | warm p50, ms | warm p99, ms | billed, ms (mean) |");
    println!("|---|---|---:|---:|---:|");
    for (mb, _, _, warm) in results {
        for (name, w) in FUNCTIONS.iter().zip(warm) {
            println!("| {} | {name} | {} | {} | {:.2} |", label(*mb), ms(w.p50), ms(w.p99), w.billed_ms);
        }
    }
}

/// What a million warm requests cost per memory size and function.
fn print_costs(results: &Results) {
    println!("Cost per million warm requests, arm64, ${PRICE_GB_SECOND}/GB-s + ${PRICE_PER_MILLION_REQUESTS:.2}/1M requests (us-east-1):");
    println!();
    println!("| memory | {} |", FUNCTIONS.join(" | "));
    println!("|---|---:|---:|---:|---:|");
    for (mb, _, _, warm) in results.iter().filter(|(mb, ..)| *mb > 0) {
        let costs: Vec<String> = warm.iter().map(|w| format!("${:.3}", w.cost(*mb))).collect();
        println!("| {mb} MB | {} |", costs.join(" | "));
    }
}

#[tokio::main]
async fn main() {
    let args = args();
    let api = TestApi::new().await;
    let caller = TestApi::admin(TENANT);
    let client = client_with_primary(&api, TENANT, "CPU share target").await;
    let dynamodb =
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("AWS_ENDPOINT_URL_DYNAMODB (scripts/env.sh)");
    let upstream = dynamodb.trim_start_matches("http://").trim_end_matches('/').parse().expect("host:port");
    let front = TlsFront::start(upstream, &logs()).await;
    let https = Endpoints { name: "HTTPS", dynamodb: front.url.clone() };
    for name in FUNCTIONS {
        fresh_log(&logs(), name);
    }
    // Nothing is timed unless the Python twin does the Rust function's work.
    bench::same_work::check_same_work(&build_dir().join("add-contact"), &front.ca_bundle).await;
    let env = function_env(&api.table, &https, &front.ca_bundle);
    let setup = Setup { api: &api, caller: &caller, client: &client, env, cgroups: &args.cgroups };
    let priming = prime(&api, &caller, &client, args.prime, &setup.env).await;

    let mut results = Vec::new();
    for (k, &mb) in args.sizes.iter().enumerate() {
        let offset = 10_000_000 * (k + 1);
        let (rust, python) = cold(&setup, mb, args.runs, offset).await;
        let warm = warm(&setup, mb, args.warm, offset + 5_000_000).await;
        results.push((mb, rust, python, warm));
    }

    println!(
        "{} cold starts per handler and size, {} warm invocations per function; {}; over HTTPS",
        args.runs,
        args.warm - 1,
        python_versions()
    );
    println!("{}", priming.show());
    println!();
    print_cold_table(&results);
    println!();
    print_warm_table(&results);
    println!();
    print_costs(&results);
    bench::drop_table(&api.db, &api.table).await;
}
