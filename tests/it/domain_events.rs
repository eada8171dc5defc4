//! Domain events (docs/events.md): each API operation, through the real stream of DynamoDB
//! Local and the real `change-events` code, publishes exactly the events it should to the
//! EventBridge emulator, where a rule delivers them to a queue the test reads.

use serde_json::{json, Value};
use testkit::events::EventStream;
use testkit::TestApi;

use crate::support::{contact_path, given_client, given_contact, unique_email};

fn admin() -> testkit::Caller {
    TestApi::admin("t1")
}

/// An admin of t1 other than `admin()`: a user whose `sub` made nothing the test deletes.
fn another_admin() -> testkit::Caller {
    let mut caller = admin();
    if let testkit::Caller::Authorizer(claims) = &mut caller {
        claims.insert("sub".to_owned(), "another-admin".to_owned());
    }
    caller
}

/// A table with a client of t1, its stream drained of what making the client published.
async fn given_a_client() -> (TestApi, EventStream, String) {
    let api = TestApi::new().await;
    let mut stream = EventStream::of(&api).await;
    let client = given_client(&api, &admin(), "Acme").await;
    assert_eq!(stream.kinds().await, ["client.created"]);
    (api, stream, client)
}

fn detail(event: &Value) -> &Value {
    &event["detail"]
}

#[tokio::test]
async fn adding_changing_the_email_of_and_deleting_a_contact_publish_exactly_three_events() {
    let (api, mut stream, client) = given_a_client().await;
    let (old, new) = (unique_email("ada"), unique_email("ada.new"));

    let ada = given_contact(&api, &admin(), &client, json!({"last_name": "Lovelace", "email": old})).await;
    let path = contact_path(&client, &ada);
    assert_eq!(api.patch(&admin(), &path, json!({"email": new})).await.status, 200);
    assert_eq!(api.delete(&admin(), &path).await.status, 204);
    let events = stream.events().await;

    let kinds: Vec<&str> = events.iter().map(|e| e["detail-type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["contact.created", "contact.email_changed", "contact.deleted"]);
    let id = ada["id"].as_str().unwrap();
    for event in &events {
        assert_eq!(event["source"], "client-contacts");
        let d = detail(event);
        assert_eq!((d["tenant_id"].as_str(), d["client_id"].as_str()), (Some("t1"), Some(client.as_str())));
        assert_eq!(d["contact_id"], id);
        assert_eq!(d["type"], event["detail-type"]);
        assert!(d["id"].as_str().is_some_and(|i| !i.is_empty()) && d["at"].is_string(), "{d}");
    }
    let created = detail(&events[0]);
    assert_eq!(created["data"]["contact"]["email"], old.as_str());
    assert_eq!(created["data"]["contact"]["is_primary"], true);
    assert_eq!(created["actor"], ada["created_by"]);
    assert_eq!(detail(&events[1])["data"], json!({"old": old, "new": new}));
    let deleted = detail(&events[2]);
    assert_eq!(deleted["data"], json!({}));
    assert!(!deleted.to_string().contains("Lovelace") && !deleted.to_string().contains(&new));
}

#[tokio::test]
async fn deleting_a_contact_publishes_one_deletion_naming_the_deleter_not_its_last_editor() {
    let (api, mut stream, client) = given_a_client().await;
    let ada =
        given_contact(&api, &admin(), &client, json!({"last_name": "L", "mobile": "+14155550105"})).await;
    assert_eq!(stream.kinds().await, ["contact.created"]);

    let res = api.delete(&another_admin(), &contact_path(&client, &ada)).await;
    assert_eq!(res.status, 204, "{}", res.body);
    let events = stream.events().await;

    let kinds: Vec<&str> = events.iter().map(|e| e["detail-type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["contact.deleted"]);
    let deleted = detail(&events[0]);
    assert_ne!(ada["updated_by"], "another-admin");
    assert_eq!(deleted["actor"], "another-admin");
    assert_eq!(
        (deleted["client_id"].as_str(), deleted["contact_id"].as_str()),
        (Some(client.as_str()), ada["id"].as_str())
    );
    assert_eq!(deleted["data"], json!({}));
}

#[tokio::test]
async fn editing_a_contact_publishes_one_update_naming_the_changed_fields_with_old_and_new_values() {
    let (api, mut stream, client) = given_a_client().await;
    let ada = given_contact(
        &api,
        &admin(),
        &client,
        json!({"last_name": "L", "job_title": "CFO", "mobile": "+14155550104"}),
    )
    .await;
    stream.events().await;

    let res = api
        .patch(&admin(), &contact_path(&client, &ada), json!({"job_title": "CEO", "department": "Board"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let events = stream.events().await;

    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["detail-type"], "contact.updated");
    let changes = &detail(&events[0])["data"]["changes"];
    assert_eq!(
        *changes,
        json!([
            {"field": "job_title", "old": "CFO", "new": "CEO"},
            {"field": "department", "old": null, "new": "Board"},
        ])
    );
    assert_eq!(detail(&events[0])["actor"], res.json()["updated_by"]);
}

#[tokio::test]
async fn moving_the_primary_publishes_one_primary_changed_and_nothing_else() {
    let (api, mut stream, client) = given_a_client().await;
    let ada =
        given_contact(&api, &admin(), &client, json!({"last_name": "Ada", "mobile": "+14155550101"})).await;
    let bob =
        given_contact(&api, &admin(), &client, json!({"last_name": "Bob", "mobile": "+14155550102"})).await;
    assert_eq!(stream.kinds().await, ["contact.created", "contact.created"]);

    let res = api.patch(&admin(), &contact_path(&client, &bob), json!({"is_primary": true})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let events = stream.events().await;

    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["detail-type"], "contact.primary_changed");
    assert_eq!(detail(&events[0])["contact_id"], bob["id"]);
    assert_eq!(detail(&events[0])["data"], json!({"old": ada["id"], "new": bob["id"]}));
}

#[tokio::test]
async fn inviting_a_contact_publishes_its_portal_status_change() {
    let (api, mut stream, client) = given_a_client().await;
    let body = json!({"last_name": "L", "email": unique_email("inv"), "portal": {"support_end": crate::support::day(30)}});
    let ada = given_contact(&api, &admin(), &client, body).await;
    stream.events().await;

    let res = api.post(&admin(), &format!("{}/invite", contact_path(&client, &ada)), json!({})).await;
    assert_eq!(res.status, 202, "{}", res.body);

    let events = stream.events().await;
    let kinds: Vec<&str> = events.iter().map(|e| e["detail-type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["contact.portal_status_changed"]);
    assert_eq!(detail(&events[0])["data"], json!({"old": "none", "new": "invited"}));
}

#[tokio::test]
async fn updating_and_deleting_a_client_publish_client_updated_and_client_deleted() {
    let (api, mut stream, client) = given_a_client().await;

    let res = api.patch(&admin(), &format!("/clients/{client}"), json!({"name": "Acme Ltd"})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(api.delete(&admin(), &format!("/clients/{client}")).await.status, 204);
    let events = stream.events().await;

    let kinds: Vec<&str> = events.iter().map(|e| e["detail-type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["client.updated", "client.deleted"]);
    assert_eq!(
        detail(&events[0])["data"]["changes"],
        json!([{"field": "name", "old": "Acme", "new": "Acme Ltd"}])
    );
    assert_eq!(detail(&events[1])["contact_id"], Value::Null);
}

#[tokio::test]
async fn deleting_a_client_publishes_one_deletion_naming_the_deleter_not_its_last_editor() {
    let (api, mut stream, client) = given_a_client().await;

    let res = api.delete(&another_admin(), &format!("/clients/{client}")).await;
    assert_eq!(res.status, 204, "{}", res.body);
    let events = stream.events().await;

    let kinds: Vec<&str> = events.iter().map(|e| e["detail-type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["client.deleted"]);
    let deleted = detail(&events[0]);
    assert_eq!(deleted["actor"], "another-admin");
    assert_eq!(
        (deleted["tenant_id"].as_str(), deleted["client_id"].as_str()),
        (Some("t1"), Some(client.as_str()))
    );
    assert_eq!((&deleted["contact_id"], &deleted["data"]), (&Value::Null, &json!({})));
}

#[tokio::test]
async fn adding_a_contact_changes_the_clients_count_but_publishes_no_client_event() {
    let (api, mut stream, client) = given_a_client().await;

    given_contact(&api, &admin(), &client, json!({"last_name": "L", "mobile": "+14155550103"})).await;

    assert_eq!(stream.kinds().await, ["contact.created"]);
}
