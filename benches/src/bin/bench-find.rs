//! Benchmark: finding people reads what it finds, not the client or the tenant.
//! - A topic's recipients: a client of 5,000 contacts of which 3 receive invoices, read
//!   through the topic items (the service) next to the query-and-filter of the client's
//!   contacts that served `?topic=` before (raw SDK, the same query the store made).
//! - `?q=` prefix search: tenants of growing size, each with 10 contacts matching the prefix.
//! - Browsing (`GET /contacts`): a page of 25 of the same tenants, unfiltered and filtered by
//!   one of their 50 clients.
//! - Exporting the same tenants whole (`run-export`'s code in-process, to a bucket on moto's
//!   S3): its time and the process's peak memory while it runs (`VmHWM`, reset before).
//!
//! Items read are DynamoDB's own counts (`ScannedCount` of each query, the items a
//! `BatchGetItem` returned); times are medians (p10-p90) of 21 interleaved runs.
//! Run with `scripts/bench find`. Usage: bench-find [contacts receiving] [tenant sizes...] [--of N] [--only P]
//!   --of N     contacts of the client whose recipients are read (default 5000)
//!   --only P   one part: `recipients`, `search`, `browse` or `export`

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use bench::{ms, Item, Spread};
use shared::domain::export::{ExportFormat, ExportJob, ExportState};
use shared::domain::{
    Audit, Client, ClientFields, ClientId, ClientPatch, Contact, ContactFields, ContactId, ContactPatch,
    Email, NotificationTopic, Patch, Stamp, TenantId, Text,
};
use shared::exports::Exporter;
use shared::store::items::{new_client_item, new_contact_item};
use shared::store::{Browse, ContactFilter, Store};
use testkit::table::dynamo_client;

const RUNS: usize = 21;

fn contact(client: ClientId, last: &str, email: &str, topics: Vec<NotificationTopic>) -> Contact {
    let mut fields = ContactFields::create(ContactPatch {
        last_name: Patch::Set(Text::from_stored(last.into())),
        email: Patch::Set(Email::parse(email).expect("valid")),
        ..ContactPatch::default()
    })
    .expect("valid fields");
    fields.notifications = topics;
    let stamp = Stamp { at: "2026-01-01T00:00:00Z".into(), by: "bench".into() };
    Contact::new(ContactId::generate(), client, fields, &stamp)
}

/// The contact item and its index items, as the service writes them.
fn items(tenant: &TenantId, c: &Contact) -> Vec<Item> {
    let mut all = vec![new_contact_item(tenant, c).expect("item")];
    all.extend(shared::store::index::index_items(tenant, c).into_values());
    all
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// The query `?topic=` made before topic items: the client's contacts, filtered.
async fn filtered(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    tenant: &TenantId,
    client: ClientId,
) -> (usize, usize) {
    let (mut read, mut found, mut start) = (0, 0, None);
    loop {
        let out = db
            .query()
            .table_name(table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .filter_expression("contains(notifications, :topic) AND attribute_exists(email)")
            .expression_attribute_values(":pk", s(format!("TENANT#{tenant}#CLIENT#{client}")))
            .expression_attribute_values(":prefix", s("CONTACT#"))
            .expression_attribute_values(":topic", s("invoice"))
            .limit(100)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("query");
        read += out.scanned_count() as usize;
        found += out.count() as usize;
        start = out.last_evaluated_key;
        if start.is_none() {
            return (read, found);
        }
    }
}

/// Topic items a topic list reads (its `BatchGetItem` then reads as many contacts).
async fn topic_items_read(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    tenant: &TenantId,
    client: ClientId,
) -> usize {
    let out = db
        .query()
        .table_name(table)
        .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
        .expression_attribute_values(":pk", s(format!("TENANT#{tenant}#CLIENT#{client}")))
        .expression_attribute_values(":prefix", s("TOPIC#invoice#"))
        .send()
        .await
        .expect("query");
    out.scanned_count() as usize
}

async fn recipients(db: &aws_sdk_dynamodb::Client, total: usize, receiving: usize) {
    let tenant = TenantId::parse("bench").expect("tenant");
    let client = ClientId::generate();
    let table = bench::fresh_table(db, "bench-find").await;
    let every = total / receiving.max(1);
    let all: Vec<Item> = (0..total)
        .flat_map(|i| {
            let topics = if i % every == 0 && i / every < receiving {
                vec![NotificationTopic::Invoice]
            } else {
                vec![]
            };
            items(&tenant, &contact(client, &format!("Contact {i}"), &format!("c{i}@bench.example"), topics))
        })
        .collect();
    bench::batch_write(db, &table, all, 16).await;
    let store = Store::new(db.clone(), table.clone());
    let filter =
        ContactFilter { topic: Some(NotificationTopic::Invoice), with_email: true, ..Default::default() };
    let (mut by_index, mut by_filter) = (Vec::new(), Vec::new());
    let mut found = (0, 0);
    for _ in 0..RUNS {
        let started = Instant::now();
        found.0 = store.list_contacts(&tenant, client, &filter, 100, None).await.expect("list").items.len();
        by_index.push(started.elapsed());
        let started = Instant::now();
        found.1 = filtered(db, &table, &tenant, client).await.1;
        by_filter.push(started.elapsed());
    }
    let index_read = topic_items_read(db, &table, &tenant, client).await;
    let filter_read = filtered(db, &table, &tenant, client).await.0;
    println!("| way | contacts of the client | recipients found | items read | round trips | time, median (p10-p90) |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| topic items (the service) | {total} | {} | {index_read} topic items + {index_read} contacts | 2 | {} |",
        found.0,
        Spread::of(by_index).show(ms)
    );
    println!(
        "| query + filter (before) | {total} | {} | {filter_read} | {} | {} |",
        found.1,
        total.div_ceil(100),
        Spread::of(by_filter).show(ms)
    );
    bench::drop_table(db, &table).await;
}

/// Items one page of 25 of the tenant's name index reads (`ScannedCount`), with `filter` (a
/// client id) or without.
async fn browse_read(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    tenant: &TenantId,
    client: Option<ClientId>,
) -> i32 {
    let mut query = db
        .query()
        .table_name(table)
        .index_name("GSI3")
        .key_condition_expression("GSI3PK = :t")
        .expression_attribute_values(":t", s(format!("TENANT#{tenant}#CONTACTS")))
        .limit(25);
    if let Some(client) = client {
        query = query
            .filter_expression("client_id = :c")
            .expression_attribute_values(":c", s(client.to_string()));
    }
    query.send().await.expect("query").scanned_count()
}

/// Times a page of 25 of browsing, unfiltered and filtered by `client`: a table row per way.
async fn browse_rows(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    tenant: &TenantId,
    client: ClientId,
    size: usize,
) -> [String; 2] {
    let store = Store::new(db.clone(), table.to_owned());
    let ways = [Browse::default(), Browse { clients: vec![client], ..Browse::default() }];
    let mut rows = [String::new(), String::new()];
    for (way, row) in ways.iter().zip(rows.iter_mut()) {
        let (mut times, mut listed) = (Vec::new(), 0);
        for _ in 0..RUNS {
            let started = Instant::now();
            listed = store.browse_contacts(tenant, way, 25, None).await.expect("browse").items.len();
            times.push(started.elapsed());
        }
        let read = browse_read(db, table, tenant, way.clients.first().copied()).await;
        let name = if way.clients.is_empty() { "every client" } else { "one client of 50" };
        *row = format!("| {size} | {name} | {listed} | {read} | {} |", Spread::of(times).show(ms));
    }
    rows
}

async fn search(db: &aws_sdk_dynamodb::Client, sizes: &[usize]) {
    const MATCHES: usize = 10;
    println!("| contacts in the tenant | matches of `zeph` | search items read | contacts read | time, median (p10-p90) | seed time |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for &size in sizes {
        let tenant = TenantId::parse("bench").expect("tenant");
        let table = bench::fresh_table(db, "bench-find").await;
        let clients: Vec<ClientId> = (0..50).map(|_| ClientId::generate()).collect();
        let all: Vec<Item> = (0..size)
            .flat_map(|i| {
                let last = if i % (size / MATCHES) == 0 && i / (size / MATCHES) < MATCHES {
                    format!("Zephyr {i}")
                } else {
                    format!("Contact {i}")
                };
                items(
                    &tenant,
                    &contact(clients[i % clients.len()], &last, &format!("c{i}@bench.example"), vec![]),
                )
            })
            .collect();
        let seeded = Instant::now();
        bench::batch_write(db, &table, all, 16).await;
        let seed_time = seeded.elapsed();
        let store = Store::new(db.clone(), table.clone());
        let mut times: Vec<Duration> = Vec::new();
        let mut found = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            found = store.search_contacts(&tenant, "zeph", 25, None).await.expect("search").items.len();
            times.push(started.elapsed());
        }
        let read = db
            .query()
            .table_name(&table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :q)")
            .expression_attribute_values(":pk", s(format!("TENANT#{tenant}#FIND")))
            .expression_attribute_values(":q", s("zeph"))
            .send()
            .await
            .expect("query")
            .scanned_count();
        println!(
            "| {size} | {found} | {read} | {found} | {} | {:.1} s |",
            Spread::of(times).show(ms),
            seed_time.as_secs_f64()
        );
        bench::drop_table(db, &table).await;
    }
}

/// A client item as the service writes it.
fn client_item(tenant: &TenantId, id: ClientId, i: usize) -> Item {
    let fields = ClientFields::create(ClientPatch {
        name: Patch::Set(Text::from_stored(format!("Client {i}"))),
        ..ClientPatch::default()
    })
    .expect("valid client");
    let stamp = Stamp { at: "2026-01-01T00:00:00Z".into(), by: "bench".into() };
    let client = Client {
        id,
        fields,
        primary_contact_id: None,
        contact_count: 0,
        archived_count: 0,
        audit: Audit::new(&stamp),
    };
    new_client_item(tenant, &client).expect("item")
}

/// Browsing: tenants of growing size, 50 clients each, holding their contact items only (the
/// search and topic items play no part in browsing, and seeding them would triple the time).
async fn browsing(db: &aws_sdk_dynamodb::Client, sizes: &[usize]) {
    println!("| contacts in the tenant | browsing | contacts listed | contacts read | time, median (p10-p90) | seed time |");
    println!("|---:|---|---:|---:|---:|---:|");
    for &size in sizes {
        let tenant = TenantId::parse("bench").expect("tenant");
        let table = bench::fresh_table(db, "bench-browse").await;
        let clients: Vec<ClientId> = (0..50).map(|_| ClientId::generate()).collect();
        let mut all: Vec<Item> =
            clients.iter().enumerate().map(|(i, c)| client_item(&tenant, *c, i)).collect();
        all.extend((0..size).map(|i| {
            let c = contact(
                clients[i % clients.len()],
                &format!("Contact {i}"),
                &format!("c{i}@bench.example"),
                vec![],
            );
            new_contact_item(&tenant, &c).expect("item")
        }));
        let seeded = Instant::now();
        bench::batch_write(db, &table, all, 16).await;
        let seed_time = seeded.elapsed();
        for row in browse_rows(db, &table, &tenant, clients[0], size).await {
            println!("{row} {:.1} s |", seed_time.as_secs_f64());
        }
        bench::drop_table(db, &table).await;
    }
}

/// The tenant of `browsing` (50 clients, `size` contacts) written to a fresh table, a few
/// thousand items at a time so that the seeding's own memory stays small.
async fn seeded_tenant(
    db: &aws_sdk_dynamodb::Client,
    tenant: &TenantId,
    size: usize,
) -> (String, Vec<ClientId>) {
    let table = bench::fresh_table(db, "bench-export").await;
    let clients: Vec<ClientId> = (0..50).map(|_| ClientId::generate()).collect();
    let all: Vec<Item> = clients.iter().enumerate().map(|(i, c)| client_item(tenant, *c, i)).collect();
    bench::batch_write(db, &table, all, 16).await;
    for chunk in (0..size).collect::<Vec<_>>().chunks(5_000) {
        let items = chunk.iter().map(|&i| {
            let email = format!("c{i}@bench.example");
            let c = contact(clients[i % clients.len()], &format!("Contact {i}"), &email, vec![]);
            new_contact_item(tenant, &c).expect("item")
        });
        bench::batch_write(db, &table, items.collect(), 16).await;
    }
    (table, clients)
}

/// A figure of this process's `/proc/self/status` (`VmHWM`, `VmRSS`), in MiB.
fn memory_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status.lines().find_map(|l| {
        l.strip_prefix(field)?.strip_prefix(':')?.trim().strip_suffix(" kB")?.parse::<f64>().ok()
    });
    kib.unwrap_or(f64::NAN) / 1024.0
}

/// Exporting a whole tenant: one run per size (it reads the whole tenant: minutes at 50,000 in
/// a debug build), its file checked to hold every contact.
async fn exporting(db: &aws_sdk_dynamodb::Client, sizes: &[usize]) {
    println!("| contacts in the tenant | rows | CSV file | time | peak memory of the process while it ran | memory before |");
    println!("|---:|---:|---:|---:|---:|---:|");
    let s3 = local_tools::bucket::client().await;
    for &size in sizes {
        let tenant = TenantId::parse("bench").expect("tenant");
        let (table, _) = seeded_tenant(db, &tenant, size).await;
        let bucket =
            local_tools::bucket::create(&s3, &table.to_lowercase()).await.expect("bucket (moto up?)");
        let store = Store::new(db.clone(), table.clone());
        let stamp = Stamp { at: "2026-12-07T00:00:00Z".into(), by: "bench".into() };
        let job = ExportJob::queued(ExportFormat::Csv, Default::default(), &stamp);
        store.put_export(&tenant, &job, time::OffsetDateTime::now_utc()).await.expect("job");
        // Writing 5 to clear_refs resets the peak (VmHWM) to what the process holds now.
        std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak memory figure");
        let before = memory_mib("VmRSS");
        let started = Instant::now();
        let exporter = Exporter { store: &store, bucket: &bucket };
        let done =
            exporter.run(&tenant, job.id, Instant::now() + Duration::from_secs(900)).await.expect("run");
        let took = started.elapsed();
        let peak = memory_mib("VmHWM");
        assert_eq!((done.state, done.rows), (ExportState::Done, size as u64), "{done:?}");
        let file =
            s3.head_object().bucket(bucket.name()).key(job.object_key(&tenant)).send().await.expect("file");
        let mib = file.content_length().unwrap_or(0) as f64 / 1_048_576.0;
        println!(
            "| {size} | {} | {mib:.1} MiB | {:.1} s | {peak:.0} MiB | {before:.0} MiB |",
            done.rows,
            took.as_secs_f64()
        );
        bench::drop_table(db, &table).await;
    }
}

#[tokio::main]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut of = 5_000;
    if let Some(at) = args.iter().position(|a| a == "--of") {
        of = args.get(at + 1).and_then(|n| n.parse().ok()).expect("--of N");
        args.drain(at..at + 2);
    }
    let mut only = None;
    if let Some(at) = args.iter().position(|a| a == "--only") {
        only = args.get(at + 1).cloned();
        args.drain(at..at + 2);
    }
    let runs = |part: &str| only.as_deref().is_none_or(|o| o == part);
    let args: Vec<usize> = args.iter().map(|a| a.parse().expect("numbers")).collect();
    let receiving = args.first().copied().unwrap_or(3);
    let sizes = if args.len() > 1 { args[1..].to_vec() } else { vec![1_000, 10_000, 50_000] };
    let db = dynamo_client().await;
    if runs("recipients") {
        println!("### A topic's recipients: {of} contacts, {receiving} receiving invoices");
        println!();
        recipients(&db, of, receiving).await;
        println!();
    }
    if runs("search") {
        println!("### Prefix search: cost against tenant size");
        println!();
        search(&db, &sizes).await;
        println!();
    }
    if runs("browse") {
        println!("### Browsing the tenant: a page of 25 against tenant size");
        println!();
        browsing(&db, &sizes).await;
        println!();
    }
    if runs("export") {
        println!("### Exporting the tenant: time and memory against tenant size");
        println!();
        exporting(&db, &sizes).await;
    }
}
