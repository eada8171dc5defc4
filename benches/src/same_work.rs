//! The check that the Python twin does exactly the work of the Rust add-contact before their
//! cold starts are compared: the same DynamoDB calls, the same items written (every attribute
//! and value, not only the types), the same 201 body.
//!
//! Each function is started once, as Lambda starts it, and given the same request in a tenant
//! of its own, with DynamoDB reached through the counting proxy (`testkit::proxy`). What each
//! wrote is what the table holds after its add that it did not hold before. Values are compared
//! after naming what must differ between the two runs (the tenant, its user, the client, its
//! primary, the new contact's id) and masking the digits of time stamps, which differ by when
//! each ran.

use std::collections::BTreeMap;
use std::path::Path;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;
use testkit::proxy::DynamoProxy;
use testkit::TestApi;

use crate::functions::{
    add_event, body, client_with_primary, cold_start, function_env, python_launch, rust_launch, Endpoints,
};
use crate::{pattern, scan_all, Item};

/// What one add did, as comparable text: its calls, the items it wrote by key, its body.
#[derive(Debug, PartialEq)]
struct Work {
    calls: String,
    written: BTreeMap<String, BTreeMap<String, String>>,
    status: Value,
    headers: Value,
    body: Value,
}

/// The strings that must differ between two runs in different tenants, and their names.
struct Names(Vec<(String, &'static str)>);

impl Names {
    fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (value, name) in &self.0 {
            out = out.replace(value.as_str(), name);
        }
        // Time stamps differ by when each ran; their format must not, but for how many digits
        // of the second's fraction there are (Rust's clock has nine and drops trailing zeros,
        // Python's has six).
        if looks_like_time(&out) {
            let (whole, fraction) = out.split_once('.').unwrap_or((out.as_str(), "Z"));
            let masked: String = whole.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect();
            let fraction = if fraction == "Z" { "Z" } else { ".fZ" };
            out = format!("{masked}{fraction}");
        }
        out
    }

    fn value(&self, v: &AttributeValue) -> String {
        match v {
            AttributeValue::S(s) => format!("S {}", self.apply(s)),
            AttributeValue::N(n) => format!("N {n}"),
            AttributeValue::Bool(b) => format!("BOOL {b}"),
            AttributeValue::Null(_) => "NULL".to_owned(),
            AttributeValue::L(list) => {
                format!("L [{}]", list.iter().map(|v| self.value(v)).collect::<Vec<_>>().join(", "))
            }
            AttributeValue::M(map) => {
                let sorted: BTreeMap<_, _> = map.iter().map(|(k, v)| (k.clone(), self.value(v))).collect();
                format!("M {sorted:?}")
            }
            AttributeValue::Ss(set) => {
                let mut set: Vec<String> = set.iter().map(|s| self.apply(s)).collect();
                set.sort();
                format!("SS {set:?}")
            }
            other => format!("{other:?}"),
        }
    }

    fn json(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.apply(s)),
            Value::Array(a) => Value::Array(a.iter().map(|v| self.json(v)).collect()),
            Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), self.json(v))).collect()),
            other => other.clone(),
        }
    }
}

/// `2026-12-06T11:26:48.123Z` and the like.
fn looks_like_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && s.ends_with('Z')
}

fn key_of(item: &Item) -> (String, String) {
    let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
    (text("PK"), text("SK"))
}

/// The items of `after` that `before` did not hold as they are now (new or changed).
fn written(before: &[Item], after: Vec<Item>) -> Vec<Item> {
    let before: BTreeMap<(String, String), &Item> = before.iter().map(|i| (key_of(i), i)).collect();
    after.into_iter().filter(|i| before.get(&key_of(i)) != Some(&i)).collect()
}

/// Runs the Rust bootstrap at `rust` and the Python twin once each on the same request and
/// panics, saying how, unless they did the same work.
pub async fn check_same_work(rust: &Path, ca_bundle: &Path) {
    let api = TestApi::new().await;
    let upstream =
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("AWS_ENDPOINT_URL_DYNAMODB (scripts/env.sh)");
    let proxy = DynamoProxy::start(&upstream).await;
    proxy.count_transactions();
    let counted = Endpoints { name: "HTTP, counted", dynamodb: proxy.url.clone() };
    let env = function_env(&api.table, &counted, ca_bundle);
    let runs = [
        ("same-work-rust", rust_launch("add-contact", rust, env.clone())),
        ("same-work-python", python_launch(env)),
    ];
    let mut works = Vec::new();
    for (tenant, launch) in runs {
        let client = client_with_primary(&api, tenant, "Same work").await;
        let before = scan_all(&api.db, &api.table).await;
        let primary = before
            .iter()
            .find(|i| key_of(i) == (format!("TENANT#{tenant}"), format!("CLIENT#{client}")))
            .and_then(|i| i.get("primary_contact_id")?.as_s().ok().cloned())
            .expect("the client names its primary");
        proxy.take_calls();
        let answer = cold_start(&launch, &add_event(&api, &TestApi::admin(tenant), &client, 0)).await.answer;
        let calls = pattern(&proxy.take_calls());
        let body = body(&answer);
        let contact = body["id"].as_str().expect("contact id").to_owned();
        let names = Names(vec![
            (contact, "{contact}"),
            (primary, "{primary}"),
            (client, "{client}"),
            (format!("user-of-{tenant}"), "{user}"),
            (tenant.to_owned(), "{tenant}"),
        ]);
        let written = written(&before, scan_all(&api.db, &api.table).await)
            .iter()
            .map(|item| {
                let (pk, sk) = key_of(item);
                let attributes = item.iter().map(|(k, v)| (k.clone(), names.value(v))).collect();
                (format!("{} | {}", names.apply(&pk), names.apply(&sk)), attributes)
            })
            .collect();
        let (status, headers) = (answer["statusCode"].clone(), names.json(&answer["headers"]));
        works.push(Work { calls, written, status, headers, body: names.json(&body) });
    }
    crate::drop_table(&api.db, &api.table).await;
    let (rust, python) = (&works[0], &works[1]);
    assert_eq!(rust.calls, python.calls, "DynamoDB calls differ (Rust, then Python)");
    for key in rust.written.keys().chain(python.written.keys()) {
        assert_eq!(
            rust.written.get(key),
            python.written.get(key),
            "the item {key} differs (Rust, then Python; None: not written)"
        );
    }
    assert_eq!(rust.status, python.status, "statuses differ (Rust, then Python)");
    assert_eq!(rust.headers, python.headers, "headers differ (Rust, then Python)");
    assert_eq!(rust.body, python.body, "201 bodies differ (Rust, then Python)");
}
