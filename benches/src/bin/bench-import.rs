//! Benchmark: a CSV import of N contacts into one client through the real handler, against
//! DynamoDB Local, next to writing the very same items straight to DynamoDB with the SDK in the
//! same run: as the import's own transactions (the same guarantees: contacts and email markers
//! put only if new, the client's counter moved with them), as one transaction per row, and
//! with `BatchWriteItem` (no guarantees at all: the floor). Run with `scripts/bench import`.
//! Usage: bench-import [rows]   (default 10000)

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use bench::raw::put_new;
use bench::{batch_write, drop_table, fresh_table, scan_all, Item};
use futures_util::stream::{self, StreamExt};
use shared::import::CONCURRENT_ROWS;
use shared::store::BATCH_ROWS;
use testkit::table::dynamo_client;
use testkit::TestApi;

struct Timed {
    took: Duration,
    report: serde_json::Value,
}

async fn import(api: &TestApi, client: &str, body: &str, query: &str) -> Timed {
    let path = format!("/clients/{client}/contacts/import{query}");
    let started = Instant::now();
    let res = api
        .send(&TestApi::admin("bench"), "POST", &path, &[("content-type", "text/csv")], Some(body.to_owned()))
        .await;
    let took = started.elapsed();
    assert_eq!(res.status, 200, "import failed: {}", res.body);
    let mut report = res.json();
    // Only the totals matter here; a failure should not print ten thousand row errors.
    report["errors"].as_array_mut().expect("errors").truncate(3);
    Timed { took, report }
}

/// The items the import wrote for each contact: its item and its email marker.
fn rows_of(items: &[Item]) -> (Item, Vec<(Item, Item)>) {
    let text = |item: &Item, k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
    let client = items.iter().find(|i| text(i, "entity") == "client").expect("client item").clone();
    let markers: std::collections::HashMap<String, Item> = items
        .iter()
        .filter(|i| text(i, "entity") == "email")
        .map(|i| (text(i, "contact_id"), i.clone()))
        .collect();
    let rows = items
        .iter()
        .filter(|i| text(i, "entity") == "contact")
        .map(|c| (c.clone(), markers[&text(c, "id")].clone()))
        .collect();
    (client, rows)
}

/// The same items written as transactions of `rows_per_tx` rows, `in_flight` at once: each
/// puts the contacts and their markers only if new and raises the client's count.
async fn transact(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    client: &Item,
    rows: Vec<(Item, Item)>,
    rows_per_tx: usize,
    in_flight: usize,
) {
    let key: Item = ["PK", "SK"].iter().map(|k| ((*k).to_owned(), client[*k].clone())).collect();
    let batches: Vec<Vec<(Item, Item)>> = rows.chunks(rows_per_tx).map(<[(Item, Item)]>::to_vec).collect();
    stream::iter(batches)
        .map(|batch| {
            let key = key.clone();
            async move {
                let put = |item: Item| put_new(table, item);
                let update = Update::builder()
                    .table_name(table)
                    .set_key(Some(key))
                    .update_expression("SET contact_count = contact_count + :n, version = version + :one")
                    .condition_expression("attribute_exists(PK)")
                    .expression_attribute_values(":n", AttributeValue::N(batch.len().to_string()))
                    .expression_attribute_values(":one", AttributeValue::N("1".into()))
                    .build()
                    .expect("update");
                let mut items = vec![TransactWriteItem::builder().update(update).build()];
                for (contact, marker) in batch {
                    items.push(put(contact));
                    items.push(put(marker));
                }
                // Transactions touching the same client item conflict: retry those.
                for attempt in 0..20u64 {
                    match db.transact_write_items().set_transact_items(Some(items.clone())).send().await {
                        Ok(_) => return,
                        Err(_) if attempt < 19 => {
                            tokio::time::sleep(Duration::from_millis(5 * attempt)).await
                        }
                        Err(e) => panic!("transaction: {e:?}"),
                    }
                }
            }
        })
        .buffer_unordered(in_flight)
        .collect::<Vec<_>>()
        .await;
}

/// Writes the rows into `table`, which holds only the client item as the import found it.
async fn baseline(
    db: &aws_sdk_dynamodb::Client,
    table: String,
    empty_client: &Item,
    client: &Item,
    rows: Vec<(Item, Item)>,
    rows_per_tx: usize,
    in_flight: usize,
) -> Duration {
    testkit::table::create_table(db, &table).await.expect("create table");
    batch_write(db, &table, vec![empty_client.clone()], 1).await;
    let started = Instant::now();
    transact(db, &table, client, rows, rows_per_tx, in_flight).await;
    started.elapsed()
}

fn rate(rows: usize, took: Duration) -> String {
    format!("{:.0} rows/s", rows as f64 / took.as_secs_f64())
}

/// The items the import wrote for client `target`: those keyed under it, and the email markers
/// that name it.
async fn written_for(db: &aws_sdk_dynamodb::Client, table: &str, target: &str) -> Vec<Item> {
    scan_all(db, table)
        .await
        .into_iter()
        .filter(|i| {
            let text = |k: &str| i.get(k).and_then(|v| v.as_s().ok()).map_or("", String::as_str);
            let key = format!("{}/{}", text("PK"), text("SK"));
            key.contains(target) || (text("entity") == "email" && text("client_id") == target)
        })
        .collect()
}

/// The report: each line's time, its throughput and its ratio to `baseline` (the raw SDK with
/// the same transactions as the import).
fn print_report(rows: usize, items: usize, lines: &[(String, Duration)], baseline: Duration) {
    println!("{rows} rows, {items} items written ({CONCURRENT_ROWS} rows in flight)");
    println!();
    println!("| what | time | throughput | vs. raw SDK, same transactions |");
    println!("|---|---:|---:|---:|");
    for (what, took) in lines {
        println!(
            "| {what} | {:.2} s | {} | {:.2}x |",
            took.as_secs_f64(),
            rate(rows, *took),
            took.as_secs_f64() / baseline.as_secs_f64()
        );
    }
}

#[tokio::main]
async fn main() {
    let rows: usize = std::env::args().nth(1).map_or(10_000, |a| a.parse().expect("a row count"));
    let db = dynamo_client().await;
    let api = TestApi::new().await;
    let admin = TestApi::admin("bench");
    let body = bench::contacts_csv(rows, "");
    let target = api.post(&admin, "/clients", serde_json::json!({ "name": "Import target" })).await.json();
    let target = target["id"].as_str().expect("client id");

    let dry_run = import(&api, target, &body, "?dry_run=true").await;
    assert_eq!(dry_run.report["created"], rows, "{}", dry_run.report);
    let first = import(&api, target, &body, "").await;
    assert_eq!(first.report["created"], rows, "{}", first.report);
    let again = import(&api, target, &body, "").await;
    assert_eq!(again.report["unchanged"], rows, "{}", again.report);

    let written = written_for(&db, &api.table, target).await;
    let (client_item, per_row) = rows_of(&written);
    assert_eq!(per_row.len(), rows);

    // Each baseline writes into a table holding only the client item, as the import found it.
    let mut empty_client = client_item.clone();
    empty_client.insert("contact_count".into(), AttributeValue::N("0".into()));
    let mut tables = vec![api.table.clone()];
    let mut raw = |rows_per_tx, in_flight| {
        let table = format!("bench-import-raw-{rows_per_tx}-{}", ulid::Ulid::new());
        tables.push(table.clone());
        baseline(&db, table, &empty_client, &client_item, per_row.clone(), rows_per_tx, in_flight)
    };
    let tx_batched = raw(BATCH_ROWS, 1).await;
    let tx_per_row = raw(1, CONCURRENT_ROWS).await;

    let batch_table = fresh_table(&db, "bench-import-batch").await;
    let started = Instant::now();
    batch_write(&db, &batch_table, written.clone(), CONCURRENT_ROWS).await;
    let batch = started.elapsed();
    tables.push(batch_table);

    let lines = [
        ("dry run of the file (validate, look up emails)".to_owned(), dry_run.took),
        ("import through the handler, all rows new".to_owned(), first.took),
        ("same file again (all unchanged)".to_owned(), again.took),
        (format!("raw SDK: same items, TransactWriteItems of {BATCH_ROWS} rows, one at a time"), tx_batched),
        (
            format!("raw SDK: same items, one TransactWriteItems per row, {CONCURRENT_ROWS} at once"),
            tx_per_row,
        ),
        ("raw SDK: same items, BatchWriteItem, no conditions".to_owned(), batch),
    ];
    print_report(rows, written.len(), &lines, tx_batched);
    for table in &tables {
        drop_table(&db, table).await;
    }
}
