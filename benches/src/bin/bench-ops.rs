//! Benchmark: what each API operation costs in DynamoDB, and what the service adds on top.
//!
//! 1. Round trips and capacity: every operation runs through its real handler with the SDK
//!    pointed at a counting proxy in front of DynamoDB Local; the proxy records each call and
//!    the capacity DynamoDB reports for it.
//! 2. Handler overhead: each operation's latency through the handler (API Gateway event in,
//!    response out, SDK straight to DynamoDB Local) divided by the latency of the same DynamoDB
//!    calls made directly with the SDK, interleaved in the same run.
//!
//! Run with `scripts/bench ops`. Usage: bench-ops [iterations]   (default 200)

use std::time::{Duration, Instant};

use bench::raw::{RawOps, Target};
use bench::{contact_body, drop_table, ms, pattern, Spread};
use serde_json::{json, Value};
use testkit::proxy::{Call, DynamoProxy};
use testkit::TestApi;

/// The operations measured, with the design's round-trip target.
const OPS: &[(&str, &str)] = &[
    ("add contact", "1"),
    ("add first contact of a client", "1"),
    ("get contact", "1"),
    ("list contacts, one page of 25", "1 per page"),
    ("update contact", "1"),
    ("update contact email", "1 or 2"),
    ("delete contact", "<= 2"),
    ("invite contact", "-"),
    ("create client", "1"),
    ("get client", "1"),
    ("update client", "1"),
];

fn admin() -> testkit::Caller {
    TestApi::admin("bench")
}

/// What an operation acts on, made before it is measured.
struct Prepared {
    client: String,
    contact: Option<Value>,
}

async fn create_client(api: &TestApi, name: &str) -> String {
    let res = api.post(&admin(), "/clients", json!({ "name": name })).await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.json()["id"].as_str().expect("id").to_owned()
}

async fn add_contact(api: &TestApi, client: &str, i: usize) -> Value {
    let res = api.post(&admin(), &format!("/clients/{client}/contacts"), contact_body(i, "prep")).await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.json()
}

/// A client with 30 contacts, shared by the operations that need one.
async fn populated_client(api: &TestApi) -> String {
    let client = create_client(api, "Populated").await;
    for i in 0..30 {
        add_contact(api, &client, i).await;
    }
    client
}

async fn prepare(api: &TestApi, op: &str, populated: &str, i: usize) -> Prepared {
    let populated = populated.to_owned();
    match op {
        "add first contact of a client" | "create client" => {
            Prepared { client: create_client(api, &format!("Fresh {i}")).await, contact: None }
        }
        "update contact" | "update contact email" | "delete contact" | "invite contact" => {
            let contact = add_contact(api, &populated, 1000 + i).await;
            Prepared { client: populated, contact: Some(contact) }
        }
        "get contact" => {
            let contact = add_contact(api, &populated, 1000 + i).await;
            Prepared { client: populated, contact: Some(contact) }
        }
        _ => Prepared { client: populated, contact: None },
    }
}

async fn run(api: &TestApi, op: &str, p: &Prepared, i: usize) -> u16 {
    let contact_path = || {
        let id = p.contact.as_ref().expect("prepared contact")["id"].as_str().expect("id").to_owned();
        format!("/clients/{}/contacts/{id}", p.client)
    };
    let res = match op {
        "add contact" | "add first contact of a client" => {
            api.post(&admin(), &format!("/clients/{}/contacts", p.client), contact_body(i, "add")).await
        }
        "get contact" => api.get(&admin(), &contact_path()).await,
        "list contacts, one page of 25" => {
            api.get(&admin(), &format!("/clients/{}/contacts?limit=25", p.client)).await
        }
        "update contact" => {
            api.patch(&admin(), &contact_path(), json!({ "job_title": format!("Role {i}") })).await
        }
        "update contact email" => {
            api.patch(
                &admin(),
                &contact_path(),
                json!({ "email": format!("moved.{i}.{}@bench.example", ulid::Ulid::new()) }),
            )
            .await
        }
        "delete contact" => api.delete(&admin(), &contact_path()).await,
        "invite contact" => api.post(&admin(), &format!("{}/invite", contact_path()), json!({})).await,
        "create client" => api.post(&admin(), "/clients", json!({ "name": format!("Created {i}") })).await,
        "get client" => api.get(&admin(), &format!("/clients/{}", p.client)).await,
        "update client" => {
            api.patch(&admin(), &format!("/clients/{}", p.client), json!({ "name": format!("Client {i}") }))
                .await
        }
        other => panic!("unknown operation {other}"),
    };
    assert!(res.status < 300, "{op}: {} {}", res.status, res.body);
    res.status
}

/// The calls of `op` as the raw side makes them, counted by `proxy` (None: it has no raw side).
async fn raw_calls(counted: &TestApi, proxy: &DynamoProxy, op: &str, populated: &str) -> Option<Vec<Call>> {
    if op == "invite contact" {
        return None;
    }
    let raw = RawOps::new(proxy.client().await, counted.table.clone(), "bench");
    let prepared = prepare(counted, op, populated, 1).await;
    let target = Target::from_prepared(&prepared.client, prepared.contact.as_ref());
    proxy.take_calls();
    raw.run(op, &target, 1).await;
    Some(proxy.take_calls())
}

/// Round trips and capacity per operation, through the handler behind the counting proxy; and
/// the check that the raw side makes the same calls for the same units, which the overhead's
/// ratios assume.
async fn round_trips_and_capacity() {
    let (counted, proxy) = TestApi::behind_proxy().await;
    proxy.count_transactions();
    let populated = populated_client(&counted).await;
    println!("Round trips and capacity per operation (through the handler, counted at the SDK's endpoint:");
    println!("RCU and WCU as DynamoDB Local reports them, but a transaction's WCU, which the proxy counts");
    println!("item by item: 2 per KB of each item, 1 per KB of each index entry written)");
    println!();
    println!(
        "| operation | design target | round trips | calls | RCU | WCU | of which index entries | raw side |"
    );
    println!("|---|---:|---:|---|---:|---:|---:|---|");
    for (op, target) in OPS {
        let prepared = prepare(&counted, op, &populated, 0).await;
        // A change comes later than what it changes, as in service: its `updated_at` moves, and
        // with it the contact's entry in the index by last change (GSI4), as the raw side's does.
        counted.clock.advance(time::Duration::seconds(1));
        proxy.take_calls();
        run(&counted, op, &prepared, 0).await;
        let calls = proxy.take_calls();
        let read: f64 = calls.iter().map(|c| c.read_units).sum();
        let write: f64 = calls.iter().map(Call::billed_write_units).sum();
        let index: f64 = calls.iter().filter(|c| c.status == 200).map(|c| c.index_units).sum();
        let raw = match raw_calls(&counted, &proxy, op, &populated).await {
            None => "none",
            Some(raw) => {
                let raw_read: f64 = raw.iter().map(|c| c.read_units).sum();
                let raw_write: f64 = raw.iter().map(Call::billed_write_units).sum();
                assert_eq!(
                    (pattern(&raw), raw_read, raw_write),
                    (pattern(&calls), read, write),
                    "{op}: the raw side (left) no longer makes the handler's calls"
                );
                "same calls"
            }
        };
        println!(
            "| {op} | {target} | {} | {} | {read} | {write} | {index} | {raw} |",
            calls.len(),
            pattern(&calls)
        );
    }
    let largest = bench::scan_all(&counted.db, &counted.table).await.iter().map(bench::item_size).max();
    println!();
    println!("Largest item written: {} bytes.", largest.unwrap_or(0));
    drop_table(&counted.db, &counted.table).await;
}

/// Handler overhead: the handler and the raw SDK interleaved, `iterations` times each, one
/// operation at a time.
async fn handler_overhead(iterations: usize) {
    let api = TestApi::new().await;
    let populated = populated_client(&api).await;
    let raw = RawOps::new(api.db.clone(), api.table.clone(), "bench");
    println!();
    println!("Latency through the handler vs the same DynamoDB calls made directly ({iterations} each, interleaved)");
    println!();
    println!("| operation | handler median (p10-p90) | raw SDK median (p10-p90) | ratio of medians |");
    println!("|---|---:|---:|---:|");
    // Invitations also send an email; their cost is in the table above, not compared here.
    for (op, _) in OPS.iter().filter(|(op, _)| *op != "invite contact") {
        let mut handler = Vec::with_capacity(iterations);
        let mut direct = Vec::with_capacity(iterations);
        for i in 0..iterations {
            let prepared = prepare(&api, op, &populated, i).await;
            let started = Instant::now();
            run(&api, op, &prepared, i).await;
            handler.push(started.elapsed());

            let prepared = prepare(&api, op, &populated, iterations + i).await;
            let target_raw = Target::from_prepared(&prepared.client, prepared.contact.as_ref());
            let started = Instant::now();
            raw.run(op, &target_raw, i).await;
            direct.push(started.elapsed());
        }
        let (h, d) = (Spread::of(handler), Spread::of(direct));
        println!(
            "| {op} | {} ({}-{}) | {} ({}-{}) | {:.2} |",
            ms(h.median),
            ms(h.p10),
            ms(h.p90),
            ms(d.median),
            ms(d.p10),
            ms(d.p90),
            ratio(h.median, d.median)
        );
    }
    drop_table(&api.db, &api.table).await;
}

#[tokio::main]
async fn main() {
    let iterations: usize = std::env::args().nth(1).map_or(200, |a| a.parse().expect("a count"));

    // 1. Round trips and capacity, through the counting proxy.
    round_trips_and_capacity().await;

    if iterations == 0 {
        return;
    }
    // 2. Handler overhead: handler and raw SDK interleaved, one operation at a time.
    handler_overhead(iterations).await;
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}
