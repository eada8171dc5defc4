//! The invariant checker on deletion records: the ones the service writes when a contact and
//! a client are deleted hold, and records written behind its back break the deletion rule one
//! way each.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use testkit::invariants::Rule;
use testkit::TestApi;

use crate::invariants::{broken_rules, put_raw, s};
use crate::support::{contact_path, given_client, given_contact};

fn admin() -> testkit::Caller {
    TestApi::admin("t1")
}

/// A t1 client with one contact, Ada: (client, Ada's id).
async fn given_ada(api: &TestApi) -> (String, String) {
    let acme = given_client(api, &admin(), "Acme").await;
    let ada =
        given_contact(api, &admin(), &acme, json!({ "last_name": "Lovelace", "email": "ada@x.test" })).await;
    (acme, ada["id"].as_str().expect("id").to_owned())
}

/// The record of `contact`'s deletion (of `client`), as the service writes it.
pub(crate) fn contact_deletion(client: &str, contact: &str) -> Vec<(&'static str, AttributeValue)> {
    vec![
        ("PK", s(&format!("TENANT#t1#CLIENT#{client}"))),
        ("SK", s(&format!("DELETED#CONTACT#{contact}"))),
        ("entity", s("deletion")),
        ("tenant_id", s("t1")),
        ("client_id", s(client)),
        ("contact_id", s(contact)),
        ("deleted_by", s("admin-sub")),
        ("deleted_at", s("2026-11-28T10:00:00.5Z")),
        // 2026-11-28T10:00:00Z and two days.
        ("expires_at", AttributeValue::N((1_795_860_000 + 2 * 86_400).to_string())),
    ]
}

/// `record` with `name` set to `value` (or removed, for `None`).
fn with(
    mut record: Vec<(&'static str, AttributeValue)>,
    name: &'static str,
    value: Option<AttributeValue>,
) -> Vec<(&'static str, AttributeValue)> {
    record.retain(|(n, _)| *n != name);
    record.extend(value.map(|v| (name, v)));
    record
}

#[tokio::test]
async fn the_records_of_a_deleted_contact_and_a_deleted_client_break_no_rule() {
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;

    let contact = api.delete(&admin(), &contact_path(&acme, &json!({ "id": ada }))).await;
    let client = api.delete(&admin(), &format!("/clients/{acme}")).await;

    assert_eq!((contact.status, client.status), (204, 204));
    let records = api.scan().await.into_iter().filter(|i| i.get("entity") == Some(&s("deletion"))).count();
    assert_eq!(records, 2);
    assert_eq!(broken_rules(api).await, []);
}

#[tokio::test]
async fn a_deletion_record_of_a_contact_that_still_exists_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;

    put_raw(&api, &contact_deletion(&acme, &ada)).await;

    assert_eq!(broken_rules(api).await, [Rule::Deletion]);
}

#[tokio::test]
async fn a_deletion_record_of_a_client_that_still_exists_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, _) = given_ada(&api).await;

    let record = with(contact_deletion(&acme, "unused"), "contact_id", None);
    let record = with(record, "PK", Some(s("TENANT#t1")));
    put_raw(&api, &with(record, "SK", Some(s(&format!("DELETED#CLIENT#{acme}"))))).await;

    assert_eq!(broken_rules(api).await, [Rule::Deletion]);
}

#[tokio::test]
async fn a_deletion_record_holding_the_deleted_contacts_name_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, _) = given_ada(&api).await;
    let gone = ulid::Ulid::new().to_string();

    put_raw(&api, &with(contact_deletion(&acme, &gone), "last_name", Some(s("Lovelace")))).await;

    assert_eq!(broken_rules(api).await, [Rule::Deletion]);
}

#[tokio::test]
async fn a_deletion_record_kept_other_than_two_days_or_naming_no_deleter_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, _) = given_ada(&api).await;
    let (first, second) = (ulid::Ulid::new().to_string(), ulid::Ulid::new().to_string());

    put_raw(&api, &with(contact_deletion(&acme, &first), "expires_at", None)).await;
    put_raw(&api, &with(contact_deletion(&acme, &second), "deleted_by", None)).await;

    assert_eq!(broken_rules(api).await, [Rule::Deletion, Rule::Deletion]);
}

#[tokio::test]
async fn a_deletion_record_whose_contact_id_disagrees_with_its_key_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;
    let gone = ulid::Ulid::new().to_string();

    put_raw(&api, &with(contact_deletion(&acme, &gone), "contact_id", Some(s(&ada)))).await;

    assert_eq!(broken_rules(api).await, [Rule::Deletion]);
}
