//! Shared steps of the specifications and the invariant checker every test can end with.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;
use harness::{Caller, TestApi};
use serde_json::{json, Value};

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

fn s<'a>(item: &'a HashMap<String, AttributeValue>, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

fn num(item: &HashMap<String, AttributeValue>, name: &str) -> u64 {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Scans the table and checks what must always hold, whatever happened before:
/// - every email marker points to an existing contact with that email, and every contact with
///   an email has exactly its marker;
/// - every client's `contact_count` is exact, and a client with contacts has exactly one
///   primary, which its `primary_contact_id` names;
/// - no line manager link points to a missing contact, and `report_count` is exact.
pub async fn assert_invariants(api: &TestApi) {
    let items = api.scan().await;
    let entity = |i: &HashMap<String, AttributeValue>, e: &str| s(i, "entity") == Some(e);
    let contacts: Vec<_> = items.iter().filter(|i| entity(i, "contact")).collect();
    let markers: Vec<_> = items.iter().filter(|i| entity(i, "email")).collect();
    let clients: Vec<_> = items.iter().filter(|i| entity(i, "client")).collect();

    let contact_by_id: HashMap<&str, _> = contacts.iter().map(|c| (s(c, "id").unwrap(), *c)).collect();
    for m in &markers {
        let owner = contact_by_id
            .get(s(m, "contact_id").unwrap())
            .unwrap_or_else(|| panic!("marker without contact: {m:?}"));
        let email = s(owner, "email").expect("marker owner has an email");
        assert_eq!(
            email.to_lowercase(),
            s(m, "email").unwrap().to_lowercase(),
            "marker matches owner's email"
        );
    }
    let with_email = contacts.iter().filter(|c| s(c, "email").is_some()).count();
    assert_eq!(markers.len(), with_email, "one marker per contact with an email");
    let keys: HashSet<String> =
        contacts.iter().filter_map(|c| s(c, "email")).map(str::to_lowercase).collect();
    assert_eq!(keys.len(), with_email, "emails unique per tenant (single-tenant tables in tests)");

    for client in &clients {
        let id = s(client, "id").unwrap();
        let own: Vec<_> = contacts.iter().filter(|c| s(c, "client_id") == Some(id)).collect();
        assert_eq!(num(client, "contact_count"), own.len() as u64, "contact_count of {id}");
        let primaries: Vec<_> = own
            .iter()
            .filter(|c| c.get("is_primary").and_then(|v| v.as_bool().ok()) == Some(&true))
            .collect();
        if own.is_empty() {
            assert!(primaries.is_empty());
            assert_eq!(s(client, "primary_contact_id"), None, "no primary id without contacts");
        } else {
            assert_eq!(primaries.len(), 1, "exactly one primary in client {id}");
            assert_eq!(s(client, "primary_contact_id"), s(primaries[0], "id"), "primary_contact_id agrees");
        }
    }
    for c in &contacts {
        let id = s(c, "id").unwrap();
        if let Some(manager) = s(c, "line_manager_id") {
            let m = contact_by_id
                .get(manager)
                .unwrap_or_else(|| panic!("line manager {manager} of {id} is missing"));
            assert_eq!(s(m, "client_id"), s(c, "client_id"), "manager in the same client");
        }
        let reports = contacts.iter().filter(|r| s(r, "line_manager_id") == Some(id)).count() as u64;
        assert_eq!(num(c, "report_count"), reports, "report_count of {id}");
    }
}
