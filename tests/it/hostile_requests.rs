//! Property tests of the request line and the caller (see `hostile` for the bodies): whatever
//! query string, path segment, authorization header or authorizer claims arrive, the answer
//! is a clear status, never a panic or a 5xx.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use proptest::prelude::*;
use serde_json::json;
use testkit::{Caller, TestApi};

use crate::hostile::{check, fixture, CASES};
use crate::support::{assert_clear, given_contact, runtime};

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
