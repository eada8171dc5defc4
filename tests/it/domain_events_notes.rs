//! A contact's `description` is the service company's internal notes: change events name it
//! among a contact's changed fields, but carry its text only where the deployment opts in
//! (`EventsPublishInternalNotes`; docs/events.md "Internal notes").

use serde_json::{json, Value};
use shared::config::InternalNotes;
use testkit::events::EventStream;
use testkit::TestApi;

use crate::support::{contact_path, given_client, given_contact};

const NOTE: &str = "Slow payer, escalate to the CFO";
const NEW_NOTE: &str = "Disputes every invoice";

fn admin() -> testkit::Caller {
    TestApi::admin("t1")
}

/// A contact with internal notes, and the stream's events so far (its client's and its own).
async fn given_a_contact_with_notes(
    notes: InternalNotes,
) -> (TestApi, EventStream, String, Value, Vec<Value>) {
    let api = TestApi::new().await;
    let mut stream = EventStream::of(&api).await;
    stream.processor.internal_notes = notes;
    let client = given_client(&api, &admin(), "Acme").await;
    let body = json!({"last_name": "Lovelace", "mobile": "+14155550106", "description": NOTE});
    let ada = given_contact(&api, &admin(), &client, body).await;
    let events = stream.events().await;
    (api, stream, client, ada, events)
}

/// Changes the contact's notes and job title; the events that published.
async fn edit_notes_and_title(
    api: &TestApi,
    stream: &mut EventStream,
    client: &str,
    ada: &Value,
) -> Vec<Value> {
    let edit = json!({"description": NEW_NOTE, "job_title": "CFO"});
    let res = api.patch(&admin(), &contact_path(client, ada), edit).await;
    assert_eq!(res.status, 200, "{}", res.body);
    stream.events().await
}

fn mentions_a_note(events: &[Value]) -> bool {
    let text = serde_json::to_string(events).unwrap();
    text.contains(NOTE) || text.contains(NEW_NOTE)
}

#[tokio::test]
async fn a_new_contacts_internal_notes_are_not_published() {
    // Given a deployment that keeps internal notes to itself (the default)
    // When a contact is added with notes
    let (_api, _stream, _client, _ada, events) = given_a_contact_with_notes(InternalNotes::default()).await;

    // Then its contact.created carries its other fields but neither the notes nor their key
    let created = events.iter().find(|e| e["detail-type"] == "contact.created").expect("contact.created");
    let contact = &created["detail"]["data"]["contact"];
    assert_eq!(contact["last_name"], "Lovelace");
    assert!(contact.get("description").is_none(), "{contact}");
    assert!(!mentions_a_note(&events), "{events:?}");
}

#[tokio::test]
async fn a_change_of_internal_notes_is_named_among_the_changes_without_its_text() {
    // Given a contact with notes, in a deployment that keeps them to itself
    let (api, mut stream, client, ada, _) = given_a_contact_with_notes(InternalNotes::default()).await;

    // When its notes change along with another field
    let events = edit_notes_and_title(&api, &mut stream, &client, &ada).await;

    // Then contact.updated names both, with old and new values for the other field only
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0]["detail"]["data"]["changes"],
        json!([{"field": "job_title", "old": null, "new": "CFO"}, {"field": "description"}])
    );
    assert!(!mentions_a_note(&events), "{events:?}");
}

#[tokio::test]
async fn a_deployment_that_opts_in_publishes_internal_notes_with_their_text() {
    // Given a deployment that publishes internal notes
    let (api, mut stream, client, ada, created) = given_a_contact_with_notes(InternalNotes::Published).await;

    // When a contact with notes is added, and its notes change
    let updated = edit_notes_and_title(&api, &mut stream, &client, &ada).await;

    // Then contact.created carries them, and contact.updated their old and new text
    let created = created.iter().find(|e| e["detail-type"] == "contact.created").expect("contact.created");
    assert_eq!(created["detail"]["data"]["contact"]["description"], NOTE);
    let changes = &updated[0]["detail"]["data"]["changes"];
    assert_eq!(changes[1], json!({"field": "description", "old": NOTE, "new": NEW_NOTE}));
}
