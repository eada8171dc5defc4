//! Property tests: whatever arrives, the answer is a clear status, never a panic or a 5xx,
//! and every error is problem+json. Each property runs its cases against DynamoDB Local.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use proptest::prelude::*;
use serde_json::{json, Value};
use testkit::{Caller, TestApi};

use crate::support::{assert_clear, contact_path, given_client, given_contact, runtime};

const CASES: u32 = 200;

struct Fixture {
    api: TestApi,
    client: String,
    contact_path: String,
}

fn fixture() -> Fixture {
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
fn check<S: Strategy>(strategy: &S, test: impl Fn(S::Value)) {
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

/// Percent-encodes everything but RFC 3986 unreserved characters, as a client would.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[test]
fn any_query_string_on_a_list_gets_a_clear_answer() {
    let f = fixture();
    let reader = TestApi::reader("t1");
    let names = prop_oneof![
        Just("limit"),
        Just("cursor"),
        Just("topic"),
        Just("primary"),
        Just("portal_status"),
        Just("x")
    ];
    let value = any::<String>().prop_map(|v| v.chars().take(30).collect::<String>());
    check(&prop::collection::vec((names, value), 0..4), |params| {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        let path = format!("/clients/{}/contacts?{}", f.client, query.join("&"));
        let res = runtime().block_on(f.api.get(&reader, &path));
        assert_clear(&res, &path);
    });
}

/// A path segment as a client may send one: RFC 3986 `pchar`s, with `%` also alone or before
/// non-hex characters (API Gateway forwards only request lines that are valid URIs).
fn segment() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~!$&'()*+,;=:@%-]{1,40}"
}

#[test]
fn any_path_segment_as_an_id_gets_a_clear_answer() {
    let f = fixture();
    let admin = TestApi::admin("t1");
    check(&(segment(), segment()), |(a, b)| {
        for path in [
            format!("/clients/{a}"),
            format!("/clients/{}/contacts/{b}", f.client),
            format!("/clients/{a}/contacts/{b}"),
        ] {
            let res = runtime().block_on(f.api.get(&admin, &path));
            assert_clear(&res, &path);
            assert!(res.status == 404 || res.status == 200, "{path}: {}", res.status);
        }
    });
}

#[test]
fn any_authorization_header_gets_401_or_a_clear_answer() {
    let f = fixture();
    check(&"[ -~]{0,300}", |header| {
        let res = runtime().block_on(f.api.get(&Caller::RawAuthorization(header.clone()), "/clients"));
        assert_eq!(res.status, 401, "{header:?}");
        assert_clear(&res, &header);
    });
}

#[test]
fn the_authorizers_claims_reach_the_handler_only_for_a_well_formed_tenant_and_grant_only_their_tenant() {
    // Given t1's client, and the claims of verified tokens (signatures, issuers and expiry are
    // the authorizer's: see local_api_authorizer) with any tenant and any groups
    let f = fixture();
    let path = format!("/clients/{}", f.client);
    let reached = AtomicU32::new(0);
    let tenant = prop_oneof![
        3 => Just("t1".to_owned()),
        1 => Just("t2".to_owned()),
        1 => Just("t1#CLIENT#x".to_owned()),
        1 => Just(String::new()),
        1 => "[A-Za-z0-9_-]{1,8}"
    ];
    let groups = prop::collection::vec(
        prop_oneof![Just("psa_admins".to_owned()), Just("staff".to_owned()), "[a-z,]{1,10}"],
        0..3,
    );
    check(&(tenant, groups), |(tenant, groups)| {
        let caller = Caller::Authorizer(HashMap::from([
            ("sub".to_owned(), "u".to_owned()),
            ("custom:tenant_id".to_owned(), tenant.clone()),
            ("cognito:groups".to_owned(), format!("[{}]", groups.join(" "))),
        ]));

        // When it reads the client
        let res = runtime().block_on(f.api.get(&caller, &path));

        // Then a malformed tenant is 401, t1 sees its client, any other tenant a 404
        assert_clear(&res, &path);
        let valid_tenant = !tenant.is_empty() && !tenant.contains('#');
        let expected = match (valid_tenant, tenant == "t1") {
            (true, true) => 200,
            (true, false) => 404,
            (false, _) => 401,
        };
        assert_eq!(res.status, expected, "{tenant:?} {groups:?}: {}", res.body);
        if res.status != 401 {
            reached.fetch_add(1, Ordering::Relaxed);
        }
    });
    let reached = reached.load(Ordering::Relaxed);
    assert!(reached >= CASES / 10, "only {reached} of {CASES} callers reached the handler");
}

#[test]
fn any_valid_mix_of_list_parameters_reaches_the_handler_and_lists_at_most_limit() {
    // Given a client with a few contacts, and a cursor from its first page of one
    let f = fixture();
    let admin = TestApi::admin("t1");
    runtime().block_on(async {
        for i in 0..3 {
            let body =
                json!({ "last_name": "M", "email": format!("m{i}@x.test"), "notifications": ["invoice"] });
            given_contact(&f.api, &admin, &f.client, body).await;
        }
    });
    let list = format!("/clients/{}/contacts", f.client);
    let first = runtime().block_on(f.api.get(&admin, &format!("{list}?limit=1")));
    let cursor = first.json()["next_cursor"].as_str().expect("a next page").to_owned();
    let topic = prop::option::of(prop_oneof![Just("invoice"), Just("ticket"), Just("timesheet_approval")]);
    let status =
        prop::option::of(prop_oneof![Just("none"), Just("invited"), Just("active"), Just("revoked")]);
    let strategy =
        (prop::option::of(1u32..=100), topic, prop::option::of(Just("true")), status, any::<bool>());
    check(&strategy, |(limit, topic, primary, portal_status, with_cursor)| {
        let mut query: Vec<String> = Vec::new();
        query.extend(limit.map(|l| format!("limit={l}")));
        query.extend(topic.map(|t| format!("topic={t}")));
        query.extend(primary.map(|p| format!("primary={p}")));
        query.extend(portal_status.map(|s| format!("portal_status={s}")));
        if with_cursor {
            query.push(format!("cursor={}", encode(&cursor)));
        }
        let path = format!("{list}?{}", query.join("&"));

        let res = runtime().block_on(f.api.get(&admin, &path));

        // A cursor belongs to the list it came from: with other filters it is refused (400).
        let same_list = topic.is_none() && primary.is_none() && portal_status.is_none();
        let expected = if with_cursor && !same_list { 400 } else { 200 };
        assert_eq!(res.status, expected, "{path}: {}", res.body);
        if res.status == 200 {
            let items = res.json()["items"].as_array().expect("items").len();
            assert!(items <= limit.unwrap_or(25) as usize, "{path}: {items} items");
        }
    });
}
