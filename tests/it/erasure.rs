//! Deleting a contact erases its personal data everywhere the service keeps it: the contact,
//! its email claim, the idempotency record of the request that created it, its invitations
//! (which keep no address) and, once the stream has carried the deletion, its activity.

use serde_json::json;
use testkit::events::EventStream;
use testkit::TestApi;

use crate::support::{contact_path, given_client, unique_email};

/// Every string anywhere in the table's items (nested ones too).
fn strings(value: &aws_sdk_dynamodb::types::AttributeValue, out: &mut Vec<String>) {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    match value {
        A::S(s) => out.push(s.clone()),
        A::Ss(list) => out.extend(list.iter().cloned()),
        A::L(list) => list.iter().for_each(|v| strings(v, out)),
        A::M(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

async fn table_text(api: &TestApi) -> String {
    let mut out = Vec::new();
    for item in api.scan().await {
        item.values().for_each(|v| strings(v, &mut out));
    }
    out.join("\n").to_lowercase()
}

#[tokio::test]
async fn a_deleted_contacts_email_and_name_are_nowhere_in_the_table() {
    let api = TestApi::new().await;
    let mut stream = EventStream::of(&api).await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let (email, name) = (unique_email("erase"), format!("Erasable{}", ulid::Ulid::new()));
    // Created with an Idempotency-Key (its first response is kept), invited (an invitation
    // item), edited (activity), and the stream carried all of it.
    let body = json!({"last_name": name, "email": email, "portal": {"support_end": crate::support::day(30)}});
    let headers = [("content-type", "application/json"), ("idempotency-key", "erase-1")];
    let res = api
        .send(&admin, "POST", &format!("/clients/{client}/contacts"), &headers, Some(body.to_string()))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let contact = res.json();
    let path = contact_path(&client, &contact);
    assert_eq!(api.post(&admin, &format!("{path}/invite"), json!({})).await.status, 202);
    assert_eq!(api.patch(&admin, &path, json!({"job_title": "CFO"})).await.status, 200);
    stream.events().await;
    let before = table_text(&api).await;
    assert!(before.contains(&email) && before.contains(&name.to_lowercase()), "the data was there");
    assert!(before.contains("fields_changed"), "and its activity");

    assert_eq!(api.delete(&admin, &path).await.status, 204);
    stream.events().await;

    let after = table_text(&api).await;
    assert!(!after.contains(&email), "the address is gone: {after}");
    assert!(!after.contains(&name.to_lowercase()), "the name is gone: {after}");
    let id = contact["id"].as_str().unwrap();
    let activity =
        testkit::table::items_under(&api.db, &api.table, &format!("TENANT#t1#CONTACT#{id}#ACTIVITY")).await;
    assert!(activity.is_empty(), "its activity is erased: {activity:?}");
}

#[tokio::test]
async fn a_retry_of_a_deleted_contacts_creating_request_creates_it_anew_without_its_old_response() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let body = json!({"last_name": "Ada", "mobile": "+14155550109"}).to_string();
    let headers = [("content-type", "application/json"), ("idempotency-key", "again-1")];
    let uri = format!("/clients/{client}/contacts");
    let first = api.send(&admin, "POST", &uri, &headers, Some(body.clone())).await.json();
    assert_eq!(api.delete(&admin, &contact_path(&client, &first)).await.status, 204);

    let retry = api.send(&admin, "POST", &uri, &headers, Some(body)).await;

    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(retry.header("idempotent-replayed"), None);
    assert_ne!(retry.json()["id"], first["id"]);
}
