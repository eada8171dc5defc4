//! Shared steps of the specifications and the invariant checker every test can end with.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, FileFailurePersistence, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value};
use testkit::{Caller, TestApi, TestResponse};

pub async fn given_client(api: &TestApi, caller: &Caller, name: &str) -> String {
    let res = api.post(caller, "/clients", json!({ "name": name })).await;
    assert_eq!(res.status, 201, "create client: {}", res.body);
    res.json()["id"].as_str().expect("id").to_owned()
}

pub async fn given_contact(api: &TestApi, caller: &Caller, client: &str, body: Value) -> Value {
    let res = api.post(caller, &format!("/clients/{client}/contacts"), body).await;
    assert_eq!(res.status, 201, "add contact: {}", res.body);
    res.json()
}

pub fn contact_path(client: &str, contact: &Value) -> String {
    format!("/clients/{client}/contacts/{}", contact["id"].as_str().expect("contact id"))
}

/// Scans the table and checks what must always hold (see `testkit::invariants`). Every test
/// also gets this check when its `TestApi` is dropped; calling it states the point mid-test.
pub async fn assert_invariants(api: &TestApi) {
    testkit::invariants::check(&api.scan().await, &testkit::invariants::Deployment::of(&api.app));
}

/// An address no other test uses (the SES emulator's store is shared by every test).
pub fn unique_email(name: &str) -> String {
    format!("{name}.{}@example.com", ulid::Ulid::new().to_string().to_lowercase())
}

/// The runtime property tests share: a proptest case is a plain closure, so each one blocks on
/// this multi-thread runtime instead of being a `#[tokio::test]`.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap())
}

/// The seed of every property: fixed, so that the suite (and CI) tries the same cases every
/// run and a failure replays with the same command. `PROPERTY_SEED=<number>` picks another
/// seed, `PROPERTY_SEED=random` a fresh one (printed), for longer exploring runs.
fn property_seed() -> u64 {
    match std::env::var("PROPERTY_SEED").as_deref() {
        Err(_) | Ok("") => 0x5eed_c0ff_ee00_0001,
        Ok("random") => {
            let seed = u64::from(ulid::Ulid::new().random() as u32) << 32 | u64::from(std::process::id());
            eprintln!("PROPERTY_SEED={seed}");
            seed
        }
        Ok(n) => n.parse().expect("PROPERTY_SEED is a number or `random`"),
    }
}

/// Where a property's failing cases are kept, to be tried first on every later run until they
/// pass: `tests/proptest-regressions/<spec file>.txt` (commit them with the fix); a spec that is
/// a directory module (`model/mod.rs`) is named after its directory.
fn regressions_of(source: &str) -> &'static str {
    let source = std::path::Path::new(source);
    let spec = if source.file_stem().is_some_and(|s| s == "mod") { source.parent() } else { Some(source) };
    let stem = spec.and_then(|s| s.file_stem()).and_then(|s| s.to_str()).unwrap_or("properties");
    let path = testkit::table::repo_root().join("tests/proptest-regressions").join(format!("{stem}.txt"));
    Box::leak(path.to_string_lossy().into_owned().into_boxed_str())
}

/// Runs a property for `cases` inputs and proves that many were really tried.
#[track_caller]
pub fn check<S: Strategy>(cases: u32, strategy: &S, test: impl Fn(S::Value)) {
    let tried = AtomicU32::new(0);
    let seed = property_seed().to_le_bytes().repeat(4);
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
    let persistence = FileFailurePersistence::Direct(regressions_of(std::panic::Location::caller().file()));
    let config = Config { cases, failure_persistence: Some(Box::new(persistence)), ..Config::default() };
    TestRunner::new_with_rng(config, rng)
        .run(strategy, |value| {
            tried.fetch_add(1, Ordering::Relaxed);
            test(value);
            Ok(())
        })
        .unwrap();
    assert!(tried.load(Ordering::Relaxed) >= cases, "only {} cases ran", tried.load(Ordering::Relaxed));
}

/// A clear answer: never a 5xx, and every error an RFC 9457 problem whose `status` is the
/// HTTP status.
pub fn assert_clear(res: &TestResponse, what: &str) {
    assert!(res.status < 500, "{what}: {} {}", res.status, res.body);
    if res.status >= 400 {
        assert_eq!(res.header("content-type"), Some("application/problem+json"), "{what}: {}", res.body);
        let body: Value = serde_json::from_str(&res.body).expect("problem body is JSON");
        assert_eq!(body["status"].as_u64(), Some(u64::from(res.status)));
        assert!(body["code"].is_string() && body["type"].is_string());
    }
}

/// Contacts of `client` (tenant t1) opted into `invoice`, one per name: their addresses.
pub async fn given_recipients(api: &TestApi, client: &str, names: &[&str]) -> Vec<String> {
    let mut emails = Vec::new();
    for name in names {
        let email = unique_email(name);
        let body = json!({ "last_name": name, "email": email, "notifications": ["invoice"] });
        given_contact(api, &TestApi::admin("t1"), client, body).await;
        emails.push(email);
    }
    emails
}

/// Sends an `invoice` notification to `client` as an admin of t1.
pub async fn notify_invoice(api: &TestApi, client: &str) -> TestResponse {
    let body = json!({ "topic": "invoice", "subject": "Invoice INV-9", "text": "Ready." });
    api.post(&TestApi::admin("t1"), &format!("/clients/{client}/notifications"), body).await
}

/// The addresses in a list of deliveries from a notification report, sorted.
pub fn addresses(deliveries: &Value) -> Vec<String> {
    let mut all: Vec<String> =
        deliveries.as_array().unwrap().iter().map(|d| d["email"].as_str().unwrap().to_owned()).collect();
    all.sort();
    all
}

/// The sweep index sort key (`GSI1SK`) on a contact's item, if it is in the index.
pub async fn sweep_key(api: &TestApi, contact: &Value) -> Option<String> {
    let id = contact["id"].as_str().expect("contact id");
    let items = api.scan().await;
    let item = items.iter().find(|i| i.get("id").and_then(|v| v.as_s().ok()).is_some_and(|v| v == id))?;
    item.get("GSI1SK").and_then(|v| v.as_s().ok()).cloned()
}

/// A contact of `client` (tenant t1) with `email` and `portal` fields, invited to the portal.
pub async fn given_invited_with(api: &TestApi, client: &str, email: &str, portal: Value) -> Value {
    let admin = TestApi::admin("t1");
    let body = json!({ "last_name": "L", "email": email, "portal": portal });
    let contact = given_contact(api, &admin, client, body).await;
    let res = api.post(&admin, &format!("{}/invite", contact_path(client, &contact)), json!({})).await;
    assert_eq!(res.status, 202, "invite: {}", res.body);
    contact
}

/// The date `offset` days from today, as the API writes dates.
pub fn day(offset: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(offset)).to_string()
}

/// An email a contact was sent, as SES's events name it.
pub struct SentEmail {
    pub tenant: String,
    pub client: String,
    pub contact: String,
    pub address: String,
    pub message_id: String,
}

/// SES's event from the sample `events/{sample}.json`, made about `sent` and happening at `at`
/// (RFC 3339): its tags, addresses, message id and event time.
pub fn ses_event(sample: &str, sent: &SentEmail, at: &str) -> Value {
    let mut event: Value = serde_json::from_str(&crate::events::event(sample)).expect("sample event is JSON");
    let detail = &mut event["detail"];
    let mail = &mut detail["mail"];
    mail["messageId"] = json!(sent.message_id);
    mail["destination"] = json!([sent.address]);
    mail["commonHeaders"]["to"] = json!([sent.address]);
    mail["timestamp"] = json!(at);
    for (tag, value) in [("tenant", &sent.tenant), ("client", &sent.client), ("contact", &sent.contact)] {
        mail["tags"][tag] = json!([value]);
    }
    for (object, list) in [("bounce", "bouncedRecipients"), ("complaint", "complainedRecipients")] {
        // Only objects the sample has: indexing a missing one mutably would add it.
        if let Some(recipients) =
            detail.get_mut(object).and_then(|o| o.get_mut(list)).and_then(Value::as_array_mut)
        {
            for r in recipients {
                r["emailAddress"] = json!(sent.address);
            }
        }
    }
    if detail["delivery"].is_object() {
        detail["delivery"]["recipients"] = json!([sent.address]);
    }
    for object in ["bounce", "complaint", "delivery"] {
        if detail[object].is_object() {
            detail[object]["timestamp"] = json!(at);
        }
    }
    event
}

/// `api`'s clock moved on by `seconds`, as SES's events write times.
pub fn later(api: &TestApi, seconds: i64) -> String {
    api.clock.advance(time::Duration::seconds(seconds));
    let now = shared::domain::dates::Clock::now(api.clock.as_ref());
    shared::domain::activity::activity_time(now)
}
