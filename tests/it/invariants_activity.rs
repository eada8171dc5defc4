//! The activity rule bites: an entry of a live contact naming another client, an entry of no
//! known kind, one holding an address, one that does not expire whole days after it happened,
//! an entry its contact's erasure left behind.

use serde_json::json;
use shared::domain::ClientId;
use testkit::invariants::Rule;
use testkit::TestApi;

use crate::invariants::{broken_rules, delete_raw, put_raw, s};
use crate::support::{contact_path, given_client, given_contact};

const AT: &str = "2026-11-28T10:00:00.123Z";
/// `AT` in epoch seconds, and 365 days after it.
const AT_EPOCH: i64 = 1_795_860_000;

/// A contact of t1 and an activity item of it as the service writes one, with `changes`.
/// Returns (client, contact id).
async fn given_entry(
    api: &TestApi,
    changes: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
) -> (String, String) {
    let admin = TestApi::admin("t1");
    let client = given_client(api, &admin, "Acme").await;
    let ada =
        given_contact(api, &admin, &client, json!({ "last_name": "Ada", "phone": "+14155550100" })).await;
    let id = ada["id"].as_str().unwrap();
    let n = |v: i64| aws_sdk_dynamodb::types::AttributeValue::N(v.to_string());
    let mut item = vec![
        ("PK", s(&format!("TENANT#t1#CONTACT#{id}#ACTIVITY"))),
        ("SK", s(&format!("AT#{AT}#m-1"))),
        ("entity", s("activity")),
        ("tenant_id", s("t1")),
        ("client_id", s(&client)),
        ("contact_id", s(id)),
        ("at", s(AT)),
        ("kind", s("email")),
        ("email_kind", s("invitation")),
        ("message_id", s("m-1")),
        ("expires_at", n(AT_EPOCH + 365 * 86_400)),
    ];
    for (name, value) in changes {
        item.retain(|(existing, _)| existing != name);
        item.push((*name, value.clone()));
    }
    put_raw(api, &item).await;
    (client, id.to_owned())
}

#[tokio::test]
async fn an_activity_entry_as_written_keeps_the_rules() {
    let api = TestApi::new().await;
    given_entry(&api, &[]).await;

    assert_eq!(broken_rules(api).await, []);
}

#[tokio::test]
async fn an_activity_entry_naming_another_client_than_its_contacts_is_a_violation() {
    let api = TestApi::new().await;
    given_entry(&api, &[("client_id", s(&ClientId::generate().to_string()))]).await;

    assert_eq!(broken_rules(api).await, [Rule::Activity]);
}

#[tokio::test]
async fn an_activity_entry_of_no_known_kind_or_holding_an_address_is_a_violation() {
    let api = TestApi::new().await;
    given_entry(&api, &[("kind", s("opened"))]).await;
    given_entry(&api, &[("email", s("ada@example.com"))]).await;

    assert_eq!(broken_rules(api).await, [Rule::Activity, Rule::Activity]);
}

#[tokio::test]
async fn an_activity_entry_kept_other_than_whole_days_is_a_violation() {
    let api = TestApi::new().await;
    given_entry(
        &api,
        &[("expires_at", aws_sdk_dynamodb::types::AttributeValue::N((AT_EPOCH + 3600).to_string()))],
    )
    .await;

    assert_eq!(broken_rules(api).await, [Rule::Activity]);
}

/// An entry of Ada, whom the service then deletes (her erasure not yet run): (client, Ada's id).
async fn given_entry_of_a_deleted_contact(api: &TestApi) -> (String, String) {
    let (client, ada) = given_entry(api, &[]).await;
    let deleted = api.delete(&TestApi::admin("t1"), &contact_path(&client, &json!({ "id": ada }))).await;
    assert_eq!(deleted.status, 204);
    (client, ada)
}

#[tokio::test]
async fn the_entries_of_a_deleted_contact_break_no_rule_while_its_deletion_record_is_kept() {
    // Given an entry of Ada, who is then deleted through the service (her erasure not yet run)
    let api = TestApi::new().await;
    given_entry_of_a_deleted_contact(&api).await;

    // Then the entry waits for its erasure, which the deletion record announces
    assert_eq!(broken_rules(api).await, []);
}

#[tokio::test]
async fn an_entry_of_a_deleted_contact_without_its_deletion_record_is_a_violation() {
    // Given an entry of Ada, who is deleted, and whose deletion record is then gone
    let api = TestApi::new().await;
    let (client, ada) = given_entry_of_a_deleted_contact(&api).await;
    let record = (format!("TENANT#t1#CLIENT#{client}"), format!("DELETED#CONTACT#{ada}"));
    delete_raw(&api, (&record.0, &record.1)).await;

    // Then the entry is one its erasure left behind
    assert_eq!(broken_rules(api).await, [Rule::Activity]);
}
