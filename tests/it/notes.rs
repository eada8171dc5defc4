//! Notes and logged interactions on a contact: any staff user of the tenant writes them, only
//! the author (or an administrator) changes or deletes one, they sit in the contact's history
//! with the system's entries, publish their ids, and go with the contact.

use serde_json::{json, Value};
use testkit::events::EventStream;
use testkit::{Caller, TestApi};

use crate::support::{assert_invariants, contact_path, given_client, given_contact};

/// A staff user of tenant `t1` with its own `sub`, in `groups`.
fn staff(sub: &str, groups: &[&str]) -> Caller {
    TestApi::staff_user("t1", sub, groups)
}

fn reader(sub: &str) -> Caller {
    staff(sub, &[])
}

/// A contact of a new client of `t1`, and its path.
async fn given_a_contact(api: &TestApi) -> String {
    let admin = TestApi::admin("t1");
    let client = given_client(api, &admin, "Acme").await;
    let contact =
        given_contact(api, &admin, &client, json!({ "last_name": "Lovelace", "email": "ada@x.test" })).await;
    contact_path(&client, &contact)
}

async fn given_note(api: &TestApi, caller: &Caller, contact: &str, body: Value) -> Value {
    let res = api.post(caller, &format!("{contact}/notes"), body).await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.json()
}

fn note_path(contact: &str, note: &Value) -> String {
    format!("{contact}/notes/{}", note["id"].as_str().expect("note id"))
}

async fn history(api: &TestApi, contact: &str) -> Vec<Value> {
    let res = api.get(&TestApi::reader("t1"), &format!("{contact}/activity")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn a_reader_writes_a_note_that_appears_in_the_contacts_history_with_its_author() {
    let api = TestApi::new().await;
    let contact = given_a_contact(&api).await;

    let note =
        given_note(&api, &reader("reader-1"), &contact, json!({ "text": "Prefers email.\nNot Fridays." }))
            .await;

    assert_eq!(
        (note["kind"].as_str(), note["author"].as_str(), note["version"].as_u64()),
        (Some("note"), Some("reader-1"), Some(1))
    );
    let entries = history(&api, &contact).await;
    let entry = entries.iter().find(|e| e["kind"] == "note").expect("the note in the history");
    assert_eq!(entry["note_id"], note["id"]);
    assert_eq!(
        (entry["actor"].as_str(), entry["text"].as_str()),
        (Some("reader-1"), Some("Prefers email.\nNot Fridays."))
    );
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_logged_call_keeps_when_it_happened_and_how_it_went() {
    let api = TestApi::new().await;
    let contact = given_a_contact(&api).await;
    let body = json!({ "kind": "call", "text": "Renewal.", "occurred_at": "2026-12-01T09:30:00+01:00", "outcome": "Will renew." });

    let call = given_note(&api, &TestApi::admin("t1"), &contact, body).await;

    assert_eq!(
        (call["kind"].as_str(), call["occurred_at"].as_str()),
        (Some("call"), Some("2026-12-01T08:30:00Z"))
    );
    assert_eq!(call["outcome"], "Will renew.");
    let entry = history(&api, &contact).await.into_iter().find(|e| e["kind"] == "note").unwrap();
    assert_eq!(
        (entry["note_kind"].as_str(), entry["note_outcome"].as_str()),
        (Some("call"), Some("Will renew."))
    );
}

#[tokio::test]
async fn a_note_with_bad_fields_is_422_naming_each() {
    let api = TestApi::new().await;
    let contact = given_a_contact(&api).await;

    let res = api
        .post(&TestApi::admin("t1"), &format!("{contact}/notes"), json!({ "kind": "fax", "colour": 1 }))
        .await;

    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(res.invalid_fields(), ["colour", "kind", "text"]);
}

#[tokio::test]
async fn a_note_on_another_clients_or_tenants_contact_or_on_none_is_404() {
    let api = TestApi::new().await;
    let contact = given_a_contact(&api).await;
    let other = given_client(&api, &TestApi::admin("t1"), "Globex").await;
    let id = contact.rsplit('/').next().unwrap();
    let body = json!({ "text": "x" });

    let elsewhere =
        api.post(&TestApi::admin("t1"), &format!("/clients/{other}/contacts/{id}/notes"), body.clone()).await;
    let other_tenant = api.post(&TestApi::admin("t2"), &format!("{contact}/notes"), body.clone()).await;
    assert_eq!(api.delete(&TestApi::admin("t1"), &contact).await.status, 204);
    let deleted = api.post(&TestApi::admin("t1"), &format!("{contact}/notes"), body).await;

    assert_eq!([elsewhere.status, other_tenant.status, deleted.status], [404, 404, 404]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn the_author_changes_a_note_against_the_version_read_and_a_stale_one_is_412() {
    let api = TestApi::new().await;
    let contact = given_a_contact(&api).await;
    let author = reader("author-1");
    let note = given_note(&api, &author, &contact, json!({ "kind": "meeting", "text": "Kick-off." })).await;
    let path = note_path(&contact, &note);
    let etag = [("content-type", "application/merge-patch+json"), ("if-match", "\"v1\"")];

    let changed =
        api.send(&author, "PATCH", &path, &etag, Some(json!({ "outcome": "Signed." }).to_string())).await;
    let stale = api.send(&author, "PATCH", &path, &etag, Some(json!({ "text": "Late." }).to_string())).await;

    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(
        (changed.json()["version"].as_u64(), changed.json()["outcome"].as_str()),
        (Some(2), Some("Signed."))
    );
    assert_eq!(changed.headers.get("etag").and_then(|v| v.to_str().ok()), Some("\"v2\""));
    assert_eq!(stale.status, 412, "{}", stale.body);
}

#[tokio::test]
async fn another_staff_user_cannot_change_or_delete_a_note_but_an_administrator_can() {
    let api = TestApi::new().await;
    let contact = given_a_contact(&api).await;
    let note = given_note(&api, &reader("author-1"), &contact, json!({ "text": "Mine." })).await;
    let path = note_path(&contact, &note);
    let writer = staff("writer-2", &["manage_all_clients"]);

    let changed = api.patch(&writer, &path, json!({ "text": "Theirs." })).await;
    let deleted = api.delete(&writer, &path).await;
    let by_admin = api.patch(&staff("admin-3", &["psa_admins"]), &path, json!({ "text": "Fixed." })).await;

    assert_eq!([changed.status, deleted.status], [403, 403], "{} {}", changed.body, deleted.body);
    assert_eq!(changed.json()["code"], "forbidden");
    assert_eq!(by_admin.status, 200, "{}", by_admin.body);
    assert_eq!(
        (by_admin.json()["author"].as_str(), by_admin.json()["updated_by"].as_str()),
        (Some("author-1"), Some("admin-3"))
    );
}

#[tokio::test]
async fn the_author_deletes_a_note_and_it_leaves_the_history() {
    let api = TestApi::new().await;
    let contact = given_a_contact(&api).await;
    let author = reader("author-1");
    let note = given_note(&api, &author, &contact, json!({ "text": "Temporary." })).await;

    let deleted = api.delete(&author, &note_path(&contact, &note)).await;
    let again = api.delete(&author, &note_path(&contact, &note)).await;

    assert_eq!([deleted.status, again.status], [204, 404]);
    assert!(history(&api, &contact).await.iter().all(|e| e["kind"] != "note"));
}

#[tokio::test]
async fn notes_publish_their_ids_and_kind_never_their_text() {
    let api = TestApi::new().await;
    let contact = given_a_contact(&api).await;
    let mut stream = EventStream::of(&api).await;
    let author = reader("author-1");
    let note =
        given_note(&api, &author, &contact, json!({ "kind": "call", "text": "Secret pricing." })).await;
    let path = note_path(&contact, &note);
    assert_eq!(api.patch(&author, &path, json!({ "text": "Secret pricing, revised." })).await.status, 200);
    assert_eq!(api.delete(&author, &path).await.status, 204);

    let events = stream.events().await;

    let notes: Vec<&Value> =
        events.iter().filter(|e| e["detail-type"].as_str().unwrap_or("").contains("note")).collect();
    let kinds: Vec<&str> = notes.iter().map(|e| e["detail-type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["contact.note_added", "contact.note_changed", "contact.note_deleted"]);
    assert!(notes.iter().all(|e| e["detail"]["data"]["note_id"] == note["id"]));
    assert_eq!(notes[0]["detail"]["actor"], "author-1");
    assert!(!events.iter().any(|e| e.to_string().contains("Secret")), "{events:?}");
}

#[tokio::test]
async fn deleting_a_contact_erases_its_notes() {
    let api = TestApi::new().await;
    let contact = given_a_contact(&api).await;
    let mut stream = EventStream::of(&api).await;
    let words = format!("Unforgettable{}", ulid::Ulid::new());
    given_note(
        &api,
        &reader("author-1"),
        &contact,
        json!({ "kind": "call", "text": words, "outcome": words }),
    )
    .await;

    assert_eq!(api.delete(&TestApi::admin("t1"), &contact).await.status, 204);
    stream.events().await;

    let left: Vec<_> =
        api.scan().await.into_iter().filter(|item| format!("{item:?}").contains(&words)).collect();
    assert!(left.is_empty(), "the note's words are erased: {left:?}");
}
