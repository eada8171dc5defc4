//! Shared steps of the specifications and the invariant checker every test can end with.

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

/// Scans the table and checks what must always hold (see `harness::invariants`). Every test
/// also gets this check when its `TestApi` is dropped; calling it states the point mid-test.
pub async fn assert_invariants(api: &TestApi) {
    harness::invariants::check(&api.scan().await);
}

/// An address no other test uses (the SES emulator's store is shared by every test).
pub fn unique_email(name: &str) -> String {
    format!("{name}.{}@example.com", ulid::Ulid::new().to_string().to_lowercase())
}
