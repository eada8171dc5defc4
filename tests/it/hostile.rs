//! Property tests: whatever arrives, the answer is a clear status, never a panic or a 5xx,
//! and every error is problem+json. Each property runs its cases against DynamoDB Local. This
//! file sends bodies and files; `hostile_requests` the request line and the caller.

use std::sync::atomic::{AtomicU32, Ordering};

use proptest::prelude::*;
use serde_json::{json, Value};
use testkit::TestApi;

use crate::support::{assert_clear, contact_path, given_client, given_contact, runtime};

pub(crate) const CASES: u32 = 200;

pub(crate) struct Fixture {
    pub(crate) api: TestApi,
    pub(crate) client: String,
    pub(crate) contact_path: String,
}

pub(crate) fn fixture() -> Fixture {
    runtime().block_on(async {
        let api = TestApi::new().await;
        let admin = TestApi::admin("t1");
        let client = given_client(&api, &admin, "Acme").await;
        let c = given_contact(&api, &admin, &client, json!({ "last_name": "L", "email": "l@x.test" })).await;
        let contact_path = contact_path(&client, &c);
        Fixture { api, client, contact_path }
    })
}

/// Runs a property for `CASES` inputs and proves that many were really tried.
#[track_caller]
pub(crate) fn check<S: Strategy>(strategy: &S, test: impl Fn(S::Value)) {
    crate::support::check(CASES, strategy, test)
}

/// Arbitrary JSON, nested a few levels, with the field names the API knows mixed in.
fn json_value() -> impl Strategy<Value = Value> {
    let names = prop_oneof![
        Just("last_name".to_owned()),
        Just("email".to_owned()),
        Just("mobile".to_owned()),
        Just("phone".to_owned()),
        Just("notifications".to_owned()),
        Just("address".to_owned()),
        Just("portal".to_owned()),
        Just("is_primary".to_owned()),
        Just("line_manager_id".to_owned()),
        Just("name".to_owned()),
        Just("support_end".to_owned()),
        Just("country".to_owned()),
        "[a-z_]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        Just(json!("ada@example.com")),
        Just(json!("+44 7911 123456")),
        Just(json!("2026-02-30")),
        Just(json!("invoice")),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(names.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn any_json_body_to_any_writing_route_gets_a_clear_answer() {
    let f = fixture();
    let admin = TestApi::admin("t1");
    let routes = [
        ("POST", "/clients".to_owned()),
        ("PATCH", format!("/clients/{}", f.client)),
        ("POST", format!("/clients/{}/contacts", f.client)),
        ("PATCH", f.contact_path.clone()),
        ("POST", format!("/clients/{}/notifications", f.client)),
        ("POST", "/invites/accept".to_owned()),
    ];
    check(&(json_value(), 0..routes.len()), |(body, r)| {
        let (method, path) = &routes[r];
        let headers = [("content-type", "application/json")];
        let res = runtime().block_on(f.api.send(&admin, method, path, &headers, Some(body.to_string())));
        assert_clear(&res, &format!("{method} {path} {body}"));
    });
}

#[test]
fn raw_bytes_as_a_body_get_a_clear_answer() {
    let f = fixture();
    let admin = TestApi::admin("t1");
    check(&prop::collection::vec(any::<u8>(), 0..512), |bytes| {
        // Arrives as API Gateway would pass a binary body: base64-encoded.
        let res = runtime().block_on(f.api.send_raw(
            &admin,
            "POST",
            &format!("/clients/{}/contacts", f.client),
            &bytes,
        ));
        assert_clear(&res, "raw bytes");
    });
}

/// A CSV-shaped file: `last_name` and `email` and some other columns (known or not), rows of
/// mostly plausible names and addresses and arbitrary other cells (quotes, separators, line
/// breaks, non-ASCII), either separator, sometimes a BOM.
fn csv_file() -> impl Strategy<Value = String> {
    let extra = prop::sample::subsequence(
        vec!["first_name", "mobile", "notifications", "address.country", "portal.support_end", "shoe_size"],
        0..3,
    );
    let name = prop_oneof![3 => "[A-Z][a-z]{1,8}", 1 => Just(String::new()), 1 => "\\PC{0,12}"];
    let email = prop_oneof![3 => "[a-z]{1,8}@x\\.test", 1 => "[a-z@. ]{0,10}", 1 => "\\PC{0,12}"];
    let cell = prop_oneof![
        Just(String::new()),
        "\\+?[0-9 ]{1,16}",
        "(invoice|ticket|bogus)(\\|(invoice|task))?",
        "\"[^\"]{0,12}\"",
        "\\PC{0,16}",
        "[,;\"\r\n]{1,4}",
    ];
    let row = (name, email, prop::collection::vec(cell, 0..4));
    (extra, prop::collection::vec(row, 0..12), any::<bool>(), any::<bool>()).prop_map(
        |(extra, rows, semicolons, bom)| {
            let sep = if semicolons { ";" } else { "," };
            let mut out = String::from(if bom { "\u{feff}" } else { "" });
            out.push_str(&["last_name", "email"].iter().chain(&extra).copied().collect::<Vec<_>>().join(sep));
            for (name, email, rest) in rows {
                out.push('\n');
                out.push_str(&[name, email].into_iter().chain(rest).collect::<Vec<_>>().join(sep));
            }
            out
        },
    )
}

#[test]
fn any_csv_file_gets_a_clear_answer_and_a_report_that_adds_up() {
    let f = fixture();
    let admin = TestApi::admin("t1");
    let path = format!("/clients/{}/contacts/import", f.client);
    let (imported, created) = (AtomicU32::new(0), AtomicU32::new(0));
    check(&csv_file(), |file| {
        let res = runtime().block_on(f.api.send_bytes(&admin, "POST", &path, "text/csv", file.as_bytes()));
        assert_clear(&res, &format!("csv {file:?}"));
        if res.status == 200 {
            let r = res.json();
            let n = |k: &str| r[k].as_u64().unwrap();
            assert_eq!(n("created") + n("updated") + n("unchanged") + n("failed"), n("rows"), "{r}");
            assert_eq!(r["errors"].as_array().unwrap().len() as u64, n("failed"), "{r}");
            imported.fetch_add(1, Ordering::Relaxed);
            created.fetch_add(n("created") as u32, Ordering::Relaxed);
        }
    });
    // The generator must reach the import itself, not only the file checks.
    let (imported, created) = (imported.into_inner(), created.into_inner());
    assert!(imported >= CASES / 10 && created > 0, "{imported} files imported, {created} contacts created");
}

#[test]
fn raw_bytes_as_a_csv_file_get_a_clear_answer() {
    let f = fixture();
    let admin = TestApi::admin("t1");
    let path = format!("/clients/{}/contacts/import", f.client);
    check(&prop::collection::vec(any::<u8>(), 0..512), |bytes| {
        let res = runtime().block_on(f.api.send_bytes(&admin, "POST", &path, "text/csv", &bytes));
        assert_clear(&res, "raw csv bytes");
    });
}
