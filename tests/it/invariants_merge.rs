//! The invariant checker on what a merge leaves (`POST /contacts/merge`): its record beside the
//! merged contact's removed item, naming the survivor, and the merged contact's history moved
//! to the survivor's (see `invariants` for how the table is broken).

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use testkit::invariants::Rule;
use testkit::TestApi;

use crate::invariants::{admin, broken_rules, s, update_raw};
use crate::support::{contact_path, given_client, given_contact};

/// Acme with Ada and a second record of her with a note, merged into her through the service:
/// Acme's id, Ada, and the merged record's id.
async fn given_merged(api: &TestApi) -> (String, Value, String) {
    let acme = given_client(api, &admin(), "Acme").await;
    let ada = given_contact(api, &admin(), &acme, json!({ "last_name": "Ada", "email": "ada@x.test" })).await;
    let twin =
        given_contact(api, &admin(), &acme, json!({ "last_name": "Ada", "email": "ada2@x.test" })).await;
    let note = json!({ "kind": "note", "text": "Met at the fair" });
    assert_eq!(api.post(&admin(), &format!("{}/notes", contact_path(&acme, &twin)), note).await.status, 201);
    let body = json!({ "client_id": acme, "survivor_id": ada["id"], "merged_id": twin["id"] });
    let res = api.post(&admin(), "/contacts/merge", body).await;
    assert_eq!(res.status, 200, "{}", res.body);
    (acme, ada, twin["id"].as_str().unwrap().to_owned())
}

/// The key of the one item of `entity` the table holds.
async fn key_of(api: &TestApi, entity: &str) -> (String, String) {
    let items: Vec<_> =
        api.scan().await.into_iter().filter(|i| i.get("entity") == Some(&s(entity))).collect();
    assert_eq!(items.len(), 1, "one {entity}: {items:?}");
    let text = |name: &str| items[0][name].as_s().unwrap().clone();
    (text("PK"), text("SK"))
}

#[tokio::test]
async fn a_merge_as_the_service_leaves_it_breaks_no_rule() {
    // Given two records of Ada merged through the service
    let api = TestApi::new().await;
    given_merged(&api).await;

    // Then nothing is broken
    assert_eq!(broken_rules(api).await, []);
}

#[tokio::test]
async fn a_merge_record_naming_no_survivor_is_a_violation() {
    // Given the merge's record, which then names no survivor
    let api = TestApi::new().await;
    given_merged(&api).await;
    let (pk, sk) = key_of(&api, "merge").await;
    update_raw(&api, (&pk, &sk), "REMOVE into_contact_id", &[]).await;

    // Then the check names the record's rule
    assert_eq!(broken_rules(api).await, [Rule::Deletion]);
}

#[tokio::test]
async fn a_history_item_left_marked_for_a_merge_is_a_violation() {
    // Given the moved note, then marked as still being moved
    let api = TestApi::new().await;
    let (_, _, twin) = given_merged(&api).await;
    let note = api.scan().await.into_iter().find(|i| i.get("kind") == Some(&s("note"))).expect("the note");
    let key = (note["PK"].as_s().unwrap().clone(), note["SK"].as_s().unwrap().clone());
    assert_eq!(note["merged_from"], s(&twin), "the note names the contact it came from");
    update_raw(&api, (&key.0, &key.1), "SET merged_into = :c", &[(":c", AttributeValue::S(twin))]).await;

    // Then the check names the history's rule
    assert_eq!(broken_rules(api).await, [Rule::Activity]);
}
