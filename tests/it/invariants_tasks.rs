//! The task-index rule bites: an open task without its assignee's keys of the due index, a
//! done task that keeps them, a note that is not a task holding a task's fields.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use testkit::invariants::Rule;
use testkit::TestApi;

use crate::invariants::{broken_rules, s, update_raw};
use crate::support::{contact_path, given_client, given_contact};

/// A note of a new contact of t1, written through the API with `body`: its item's key.
async fn given_note_item(api: &TestApi, body: serde_json::Value) -> (String, String) {
    let admin = TestApi::admin("t1");
    let client = given_client(api, &admin, "Acme").await;
    let contact =
        given_contact(api, &admin, &client, json!({ "last_name": "Ada", "phone": "+14155550100" })).await;
    let res = api.post(&admin, &format!("{}/notes", contact_path(&client, &contact)), body).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let item = api
        .scan()
        .await
        .into_iter()
        .find(|i| i.get("note_id") == Some(&s(res.json()["id"].as_str().unwrap())))
        .expect("the note's item");
    (item["PK"].as_s().unwrap().clone(), item["SK"].as_s().unwrap().clone())
}

fn task() -> serde_json::Value {
    json!({ "kind": "task", "text": "Send the quote.", "due": "2026-12-10" })
}

#[tokio::test]
async fn a_task_as_written_keeps_the_rules() {
    let api = TestApi::new().await;
    given_note_item(&api, task()).await;

    assert_eq!(broken_rules(api).await, []);
}

#[tokio::test]
async fn an_open_task_without_its_index_keys_is_a_violation() {
    let api = TestApi::new().await;
    let (pk, sk) = given_note_item(&api, task()).await;

    update_raw(&api, (&pk, &sk), "REMOVE GSI1PK, GSI1SK", &[]).await;

    assert_eq!(broken_rules(api).await, [Rule::TaskIndex]);
}

#[tokio::test]
async fn a_done_task_that_keeps_its_index_keys_is_a_violation() {
    let api = TestApi::new().await;
    let (pk, sk) = given_note_item(&api, task()).await;

    update_raw(&api, (&pk, &sk), "SET done = :done", &[(":done", AttributeValue::Bool(true))]).await;

    assert_eq!(broken_rules(api).await, [Rule::TaskIndex]);
}

#[tokio::test]
async fn a_note_holding_a_due_day_is_a_violation() {
    let api = TestApi::new().await;
    let (pk, sk) = given_note_item(&api, json!({ "text": "Not a task." })).await;

    update_raw(&api, (&pk, &sk), "SET due = :due", &[(":due", s("2026-12-10"))]).await;

    assert_eq!(broken_rules(api).await, [Rule::TaskIndex]);
}
