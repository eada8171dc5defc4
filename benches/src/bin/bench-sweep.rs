//! Benchmark: the sweep's cost grows with the contacts due, not with the table.
//! Seeds tables of N sweepable contacts (all in the sweep index, with support ending at
//! different dates) of which D are due, runs the real sweep (emails to the SES emulator), and
//! prints the index items it read and the time it took. Run with `scripts/bench sweep`.
//! Usage: bench-sweep [N D]...   (default: 5000 500 50000 500)

use std::time::Instant;

use aws_sdk_dynamodb::types::AttributeValue;
use bench::Item;
use shared::domain::sweep::{sweep_partition, SweepAction, SweepKey};
use shared::domain::{ClientId, ContactId, TenantId};
use testkit::table::dynamo_client;
use testkit::TestApi;
use time::{Duration, OffsetDateTime};

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn contact(tenant: &TenantId, client: ClientId, i: usize, due: bool, today: time::Date) -> Item {
    let id = ContactId::generate();
    let (end, key) = if due {
        let end = today - Duration::days(2);
        let key = SweepKey::next(shared::domain::PortalStatus::Active, Some(end), Some(end), 14)
            .expect("sweepable");
        (end, key)
    } else {
        let end = today + Duration::days(30 + (i % 365) as i64);
        (end, SweepKey::next(shared::domain::PortalStatus::Active, Some(end), None, 14).expect("sweepable"))
    };
    assert_eq!(key.action, if due { SweepAction::Revoke } else { SweepAction::Remind });
    Item::from([
        ("PK".into(), s(format!("TENANT#{tenant}#CLIENT#{client}"))),
        ("SK".into(), s(format!("CONTACT#{id}"))),
        ("entity".into(), s("contact")),
        ("id".into(), s(id.to_string())),
        ("client_id".into(), s(client.to_string())),
        ("last_name".into(), s(format!("Contact {i}"))),
        ("email".into(), s(format!("c{i}.{}@bench.example", id.to_string().to_lowercase()))),
        ("notifications".into(), AttributeValue::L(vec![])),
        ("permissions".into(), AttributeValue::L(vec![])),
        ("is_primary".into(), AttributeValue::Bool(false)),
        ("portal_status".into(), s("active")),
        ("support_end".into(), s(end.to_string())),
        ("reminded_for".into(), s(if due { end.to_string() } else { String::new() })),
        ("version".into(), AttributeValue::N("1".into())),
        ("created_at".into(), s("2026-01-01T00:00:00Z")),
        ("updated_at".into(), s("2026-01-01T00:00:00Z")),
        ("created_by".into(), s("bench")),
        ("updated_by".into(), s("bench")),
        ("GSI1PK".into(), s(sweep_partition(id))),
        ("GSI1SK".into(), s(key.sort_key(tenant, client, id))),
    ])
}

async fn seed(db: &aws_sdk_dynamodb::Client, table: &str, total: usize, due: usize) {
    let tenant = TenantId::parse("bench").expect("tenant");
    let today = OffsetDateTime::now_utc().date();
    let clients: Vec<ClientId> = (0..50).map(|_| ClientId::generate()).collect();
    // Due contacts spread evenly through the table.
    let every = total / due.max(1);
    let items: Vec<Item> = (0..total)
        .map(|i| {
            contact(
                &tenant,
                clients[i % clients.len()],
                i,
                due > 0 && i % every == 0 && i / every < due,
                today,
            )
        })
        .collect();
    bench::batch_write(db, table, items, 16).await;
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("numbers")).collect();
    let runs: Vec<(usize, usize)> = if args.is_empty() {
        vec![(5_000, 500), (50_000, 500)]
    } else {
        args.chunks(2).map(|c| (c[0], c[1])).collect()
    };
    let db = dynamo_client().await;
    println!("| contacts in index | due | index items read | revoked | failed | sweep time | seed time |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for (total, due) in runs {
        let mut api = TestApi::new().await;
        let table = bench::fresh_table(&db, "bench-sweep").await;
        let mut config = TestApi::config(&table);
        config.email.max_attempts = 4;
        api.app =
            shared::App::new(&config, db.clone(), api.app.mailer.client(), testkit::cognito::client().await);
        let seeded = Instant::now();
        seed(&db, &table, total, due).await;
        let seed_time = seeded.elapsed();
        let started = Instant::now();
        let report = shared::sweep::sweep(&api.app, None).await.expect("sweep");
        let took = started.elapsed();
        println!(
            "| {total} | {due} | {} | {} | {} | {:.2} s | {:.1} s |",
            report.items_read,
            report.revoked,
            report.failed,
            took.as_secs_f64(),
            seed_time.as_secs_f64()
        );
        bench::drop_table(&db, &table).await;
        bench::drop_table(&db, &api.table).await;
    }
}
