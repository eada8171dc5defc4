//! Benchmark: requests per second of the service for a read-heavy and a write-heavy mix, with
//! 16 requests in flight (as 16 warm Lambda instances would send them), next to the same
//! DynamoDB calls made directly with the SDK at the same concurrency in the same run: the
//! emulator's own throughput for that work. The ratio is what the service costs in throughput.
//! Run with `scripts/bench throughput`. Usage: bench-throughput [requests per mix] (default 4000)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bench::raw::{RawOps, Target};
use bench::{drop_table, ms, Spread};
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};
use testkit::TestApi;

const IN_FLIGHT: usize = 16;
const CONTACTS: usize = 50;
const ROUNDS: usize = 3;

/// A mix: operation names with their weights out of 100.
struct Mix {
    name: &'static str,
    weights: &'static [(&'static str, usize)],
}

const MIXES: &[Mix] = &[
    Mix {
        name: "read-heavy (90% reads)",
        weights: &[
            ("get contact", 50),
            ("list contacts, one page of 25", 30),
            ("get client", 10),
            ("update contact", 5),
            ("add contact", 5),
        ],
    },
    Mix {
        name: "write-heavy (80% writes)",
        weights: &[
            ("get contact", 15),
            ("list contacts, one page of 25", 5),
            ("update contact", 40),
            ("add contact", 40),
        ],
    },
];

fn pick(mix: &Mix, i: usize) -> &'static str {
    // A fixed interleaving (not random) so both sides run exactly the same sequence.
    let slot = (i * 37) % 100;
    let mut acc = 0;
    for (op, weight) in mix.weights {
        acc += weight;
        if slot < acc {
            return op;
        }
    }
    mix.weights[0].0
}

struct World {
    api: TestApi,
    raw: RawOps,
    client: String,
    contacts: Vec<Value>,
}

async fn handler_call(w: &World, op: &str, i: usize) {
    let admin = TestApi::admin("bench");
    let contact = &w.contacts[i % w.contacts.len()];
    let contact_path = format!("/clients/{}/contacts/{}", w.client, contact["id"].as_str().expect("id"));
    let res = match op {
        "get contact" => w.api.get(&admin, &contact_path).await,
        "list contacts, one page of 25" => {
            w.api.get(&admin, &format!("/clients/{}/contacts?limit=25", w.client)).await
        }
        "get client" => w.api.get(&admin, &format!("/clients/{}", w.client)).await,
        "update contact" => {
            w.api.patch(&admin, &contact_path, json!({ "job_title": format!("Role {i}") })).await
        }
        "add contact" => {
            let body = json!({ "last_name": format!("T{i}"), "email": format!("t.{i}.{}@bench.example", ulid::Ulid::new()) });
            w.api.post(&admin, &format!("/clients/{}/contacts", w.client), body).await
        }
        other => panic!("unknown operation {other}"),
    };
    assert!(res.status < 300, "{op}: {} {}", res.status, res.body);
}

async fn raw_call(w: &World, op: &str, i: usize) {
    let contact = &w.contacts[i % w.contacts.len()];
    w.raw.run(op, &Target::from_prepared(&w.client, Some(contact)), i).await;
}

/// Runs `count` requests of the mix, `IN_FLIGHT` at once, numbered from `first` (an update
/// must change its contact: a number used before would not); returns requests/s and latencies.
async fn drive(w: &Arc<World>, mix: &Mix, first: usize, count: usize, raw: bool) -> (f64, Spread) {
    let next = Arc::new(AtomicUsize::new(first));
    let started = Instant::now();
    let latencies: Vec<Duration> = stream::iter(0..count)
        .map(|_| {
            let (w, next) = (w.clone(), next.clone());
            async move {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let op = pick(mix, i);
                let t = Instant::now();
                if raw {
                    raw_call(&w, op, i).await;
                } else {
                    handler_call(&w, op, i).await;
                }
                t.elapsed()
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    (count as f64 / started.elapsed().as_secs_f64(), Spread::of(latencies))
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::args().nth(1).map_or(4000, |a| a.parse().expect("a count"));
    let api = TestApi::new().await;
    let admin = TestApi::admin("bench");
    let client = api.post(&admin, "/clients", json!({ "name": "Throughput" })).await.json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut contacts = Vec::new();
    for i in 0..CONTACTS {
        let body = json!({ "last_name": format!("C{i}"), "email": format!("c{i}@bench.example"), "notifications": ["invoice"] });
        let res = api.post(&admin, &format!("/clients/{client}/contacts"), body).await;
        assert_eq!(res.status, 201, "{}", res.body);
        contacts.push(res.json());
    }
    let raw = RawOps::new(api.db.clone(), api.table.clone(), "bench");
    let world = Arc::new(World { api, raw, client, contacts });

    println!("{count} requests per mix, {IN_FLIGHT} in flight, one client of {CONTACTS}+ contacts");
    println!();
    println!("| mix | service req/s | median latency (p10-p90) | raw SDK req/s | raw median (p10-p90) | service / raw |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut numbered = 0;
    for mix in MIXES {
        // Warm both paths so neither pays for connection set-up in its figure.
        drive(&world, mix, numbered, 200, true).await;
        drive(&world, mix, numbered + 200, 200, false).await;
        numbered += 400;
        // Alternate rounds: the emulator keeps warming up (JIT), which would favour whichever
        // side ran last. Each side's figure is its median round.
        let mut rounds: [Vec<(f64, Spread)>; 2] = [Vec::new(), Vec::new()];
        for round in 0..ROUNDS * 2 {
            let raw = round % 2 == 0;
            rounds[usize::from(raw)].push(drive(&world, mix, numbered, count / ROUNDS, raw).await);
            numbered += count / ROUNDS;
        }
        let [service, raw] = rounds.map(|mut r| {
            r.sort_by(|a, b| a.0.total_cmp(&b.0));
            r.swap_remove(ROUNDS / 2)
        });
        let ((rate, lat), (raw_rate, raw_lat)) = (service, raw);
        println!(
            "| {} | {rate:.0} | {} ({}-{}) | {raw_rate:.0} | {} ({}-{}) | {:.2} |",
            mix.name,
            ms(lat.median),
            ms(lat.p10),
            ms(lat.p90),
            ms(raw_lat.median),
            ms(raw_lat.p10),
            ms(raw_lat.p90),
            rate / raw_rate
        );
    }
    drop_table(&world.api.db, &world.api.table).await;
}
