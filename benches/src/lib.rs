//! Shared parts of the benchmarks: fresh tables, raw batch writes (the floor the service is
//! compared with) and statistics. Every benchmark runs against the real emulators started by
//! `scripts/bench`; none of them is part of the test suite's pass/fail.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use aws_sdk_dynamodb::Client;
use futures_util::stream::{self, StreamExt};

pub mod functions;
pub mod lambda;
pub mod raw;
pub mod same_work;
pub mod tls;

pub type Item = HashMap<String, AttributeValue>;

/// Writes items with `BatchWriteItem`, 25 per request and `concurrency` requests at once,
/// retrying unprocessed items until every one is written.
pub async fn batch_write(db: &Client, table: &str, items: Vec<Item>, concurrency: usize) {
    let batches: Vec<Vec<Item>> = items.chunks(25).map(<[Item]>::to_vec).collect();
    stream::iter(batches)
        .map(|batch| async move {
            let mut requests: Vec<WriteRequest> = batch
                .into_iter()
                .map(|item| {
                    let put = PutRequest::builder().set_item(Some(item)).build().expect("put request");
                    WriteRequest::builder().put_request(put).build()
                })
                .collect();
            while !requests.is_empty() {
                let out =
                    db.batch_write_item().request_items(table, requests).send().await.expect("batch write");
                requests = out.unprocessed_items.and_then(|mut u| u.remove(table)).unwrap_or_default();
            }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<_>>()
        .await;
}

/// A contact as the operations benchmarks add it: it names `permissions`, `notifications` and
/// `invite`, so the add leaves nothing to the tenant's settings and reads nothing first
/// (docs/benchmarks.md counts the other case), and it has a support window, so it can be
/// invited. `tag` and `i` make its address unique.
pub fn contact_body(i: usize, tag: &str) -> serde_json::Value {
    serde_json::json!({
        "first_name": "Bench",
        "last_name": format!("Contact {i}"),
        "email": format!("{tag}.{i}.{}@bench.example", ulid::Ulid::new().to_string().to_lowercase()),
        "notifications": ["invoice"],
        "permissions": ["support"],
        "invite": false,
        "portal": { "support_start": "2026-01-01", "support_end": "2099-12-31" },
    })
}

/// A CSV file of `rows` new contacts for the contacts import, their addresses made unique by
/// `tag` (a quarter of them receive no topic, the others one or two).
pub fn contacts_csv(rows: usize, tag: &str) -> String {
    let mut out = String::from("first_name,last_name,email,mobile,notifications,address.city\n");
    for i in 0..rows {
        let topics = ["invoice", "invoice|ticket", "project|task", ""][i % 4];
        out.push_str(&format!(
            "Person,Number {i},person.{i}{tag}@bench.example,+1 202 555 {:04},{topics},Springfield\n",
            i % 10_000
        ));
    }
    out
}

/// `GetItem + TransactWriteItems(3)`: the calls the counting proxy saw, in order.
pub fn pattern(calls: &[testkit::proxy::Call]) -> String {
    calls
        .iter()
        .map(|c| if c.items > 1 { format!("{}({})", c.operation, c.items) } else { c.operation.clone() })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Every item of a table.
pub async fn scan_all(db: &Client, table: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = db.scan().table_name(table).set_exclusive_start_key(start).send().await.expect("scan");
        items.extend(out.items().iter().cloned());
        start = out.last_evaluated_key;
        if start.is_none() {
            return items;
        }
    }
}

/// A fresh table with the template's key schema and indexes.
pub async fn fresh_table(db: &Client, prefix: &str) -> String {
    let table = format!("{prefix}-{}", ulid::Ulid::new());
    testkit::table::create_table(db, &table).await.expect("create table");
    table
}

pub async fn drop_table(db: &Client, table: &str) {
    let _ = db.delete_table().table_name(table).send().await;
}

/// Median and the spread between the 10th and 90th percentiles of a set of measurements.
#[derive(Clone, Copy, Debug)]
pub struct Spread<T = Duration> {
    pub median: T,
    pub p10: T,
    pub p90: T,
}

impl<T: Ord + Copy> Spread<T> {
    pub fn of(mut samples: Vec<T>) -> Self {
        assert!(!samples.is_empty(), "no samples");
        samples.sort();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Self { median: at(0.5), p10: at(0.1), p90: at(0.9) }
    }

    /// `median (p10-p90)`, each shown by `show`.
    pub fn show(&self, show: impl Fn(T) -> String) -> String {
        format!("{} ({}-{})", show(self.median), show(self.p10), show(self.p90))
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// An item's size as DynamoDB counts it (attribute names plus values; numbers and nested
/// values approximated from above), to check the "items up to 1 KB" billing assumption.
pub fn item_size(item: &Item) -> usize {
    fn value(v: &AttributeValue) -> usize {
        match v {
            AttributeValue::S(s) => s.len(),
            AttributeValue::N(n) => n.len().div_ceil(2) + 1,
            AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
            AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + value(v)).sum::<usize>(),
            AttributeValue::M(map) => 3 + map.iter().map(|(k, v)| 1 + k.len() + value(v)).sum::<usize>(),
            AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
            _ => 64,
        }
    }
    item.iter().map(|(k, v)| k.len() + value(v)).sum()
}

/// Bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}
