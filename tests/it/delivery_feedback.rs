//! SES's delivery events (the samples in `events/`, driven through the function that records
//! them, against the real table; the SES emulator emits none) on the contact they are about:
//! a permanent bounce or a complaint suppresses its address until the address changes.

use serde_json::{json, Value};
use shared::feedback::{record, Recorded};
use testkit::mail::messages_to;
use testkit::TestApi;

use crate::support::{
    assert_invariants, contact_path, given_client, given_contact, later, ses_event, unique_email, SentEmail,
};

/// A client of t1 with one contact opted into `invoice`; the contact as created.
pub(crate) async fn given_recipient(api: &TestApi, name: &str) -> (String, Value) {
    let admin = TestApi::admin("t1");
    let client = given_client(api, &admin, "Acme").await;
    let body = json!({ "last_name": name, "email": unique_email(name), "notifications": ["invoice"] });
    let contact = given_contact(api, &admin, &client, body).await;
    (client, contact)
}

async fn notify(api: &TestApi, client: &str, body: Value) -> Value {
    let res = api.post(&TestApi::admin("t1"), &format!("/clients/{client}/notifications"), body).await;
    assert_eq!(res.status, 202, "{}", res.body);
    res.json()
}

fn invoice() -> Value {
    json!({ "topic": "invoice", "subject": "Invoice INV-9", "text": "Ready." })
}

/// Notifies the client's invoice contacts and returns the email `contact` was sent.
pub(crate) async fn notified(api: &TestApi, client: &str, contact: &Value) -> SentEmail {
    let report = notify(api, client, invoice()).await;
    let delivery =
        report["sent"].as_array().unwrap().iter().find(|d| d["contact_id"] == contact["id"]).unwrap();
    SentEmail {
        tenant: "t1".into(),
        client: client.to_owned(),
        contact: contact["id"].as_str().unwrap().to_owned(),
        address: contact["email"].as_str().unwrap().to_owned(),
        message_id: delivery["message_id"].as_str().unwrap().to_owned(),
    }
}

pub(crate) async fn deliver_event(api: &TestApi, event: Value) -> Recorded {
    record(&api.app.feedback(), event).await.expect("the event is recorded")
}

async fn contact_now(api: &TestApi, client: &str, contact: &Value) -> Value {
    api.get(&TestApi::admin("t1"), &contact_path(client, contact)).await.json()
}

#[tokio::test]
async fn a_permanent_bounce_marks_the_contact_bouncing_and_the_next_notification_suppresses_it() {
    let api = TestApi::new().await;
    let (client, ada) = given_recipient(&api, "ada").await;
    let bob = given_contact(
        &api,
        &TestApi::admin("t1"),
        &client,
        json!({ "last_name": "bob", "email": unique_email("bob"), "notifications": ["invoice"] }),
    )
    .await;
    let sent = notified(&api, &client, &ada).await;

    let at = later(&api, 60);
    let recorded = deliver_event(&api, ses_event("record-email-event", &sent, &at)).await;
    let next = notify(&api, &client, invoice()).await;

    assert_eq!(recorded, Recorded::Recorded { outcome: DeliveryOutcome::Bounced, status: Some("bouncing") });
    let now = contact_now(&api, &client, &ada).await;
    assert_eq!(now["email_status"], "bouncing");
    assert_eq!(now["email_status_at"], at);
    assert_eq!(now["email_status_reason"], "Permanent bounce (General), status 5.1.1");
    assert_eq!(next["suppressed"], json!([{ "contact_id": ada["id"], "reason": "bouncing" }]));
    assert_eq!(next["sent"].as_array().unwrap().len(), 1, "{next}");
    assert_eq!(next["sent"][0]["contact_id"], bob["id"]);
    assert_eq!(messages_to(&sent.address).await.len(), 1, "only the first notification reached ada");
    assert_eq!(messages_to(bob["email"].as_str().unwrap()).await.len(), 2);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_complaint_marks_the_contact_complained_and_stops_notifications_to_it() {
    let api = TestApi::new().await;
    let (client, ada) = given_recipient(&api, "ada").await;
    let sent = notified(&api, &client, &ada).await;

    let at = later(&api, 60);
    deliver_event(&api, ses_event("record-email-event-complaint", &sent, &at)).await;
    let next = notify(&api, &client, invoice()).await;

    let now = contact_now(&api, &client, &ada).await;
    assert_eq!(
        (now["email_status"].as_str(), now["email_status_reason"].as_str()),
        (Some("complained"), Some("complaint (abuse)"))
    );
    assert_eq!(next["suppressed"], json!([{ "contact_id": ada["id"], "reason": "complained" }]));
    assert_eq!(messages_to(&sent.address).await.len(), 1);
}

#[tokio::test]
async fn a_transient_bounce_a_delivery_or_a_reject_leave_the_status_ok() {
    let api = TestApi::new().await;
    let (client, ada) = given_recipient(&api, "ada").await;
    let sent = notified(&api, &client, &ada).await;

    for sample in
        ["record-email-event-transient-bounce", "record-email-event-delivery", "record-email-event-reject"]
    {
        let at = later(&api, 1);
        let recorded = deliver_event(&api, ses_event(sample, &sent, &at)).await;
        assert!(matches!(recorded, Recorded::Recorded { status: None, .. }), "{sample}: {recorded:?}");
    }

    let now = contact_now(&api, &client, &ada).await;
    assert_eq!(
        (now["email_status"].as_str(), now["version"].as_u64()),
        (Some("ok"), ada["version"].as_u64())
    );
    assert_eq!(notify(&api, &client, invoice()).await["suppressed"], json!([]));
}

#[tokio::test]
async fn changing_a_bouncing_contacts_email_resets_its_status_and_it_is_notified_again() {
    let api = TestApi::new().await;
    let (client, ada) = given_recipient(&api, "ada").await;
    let sent = notified(&api, &client, &ada).await;
    deliver_event(&api, ses_event("record-email-event", &sent, &later(&api, 60))).await;

    let fixed = unique_email("ada-fixed");
    let res = api.patch(&TestApi::admin("t1"), &contact_path(&client, &ada), json!({ "email": fixed })).await;
    let next = notify(&api, &client, invoice()).await;

    assert_eq!(res.status, 200, "{}", res.body);
    let body = res.json();
    assert_eq!((body["email_status"].as_str(), &body["email_status_at"]), (Some("ok"), &Value::Null));
    assert_eq!(next["suppressed"], json!([]));
    assert_eq!(messages_to(&fixed).await.len(), 1);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_bounce_for_an_address_the_contact_no_longer_has_is_ignored() {
    let api = TestApi::new().await;
    let (client, ada) = given_recipient(&api, "ada").await;
    let sent = notified(&api, &client, &ada).await;
    let moved = api
        .patch(
            &TestApi::admin("t1"),
            &contact_path(&client, &ada),
            json!({ "email": unique_email("ada-new") }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);

    let recorded = deliver_event(&api, ses_event("record-email-event", &sent, &later(&api, 60))).await;

    assert!(
        matches!(recorded, Recorded::Recorded { status: Some(s), .. } if s.starts_with("ignored")),
        "{recorded:?}"
    );
    assert_eq!(contact_now(&api, &client, &ada).await["email_status"], "ok");
}

#[tokio::test]
async fn the_same_bounce_delivered_twice_is_recorded_once() {
    let api = TestApi::new().await;
    let (client, ada) = given_recipient(&api, "ada").await;
    let sent = notified(&api, &client, &ada).await;
    let event = ses_event("record-email-event", &sent, &later(&api, 60));

    deliver_event(&api, event.clone()).await;
    let version = contact_now(&api, &client, &ada).await["version"].clone();
    let again = deliver_event(&api, event).await;

    assert!(
        matches!(again, Recorded::Recorded { status: Some(s), .. } if s.contains("later event")),
        "{again:?}"
    );
    assert_eq!(contact_now(&api, &client, &ada).await["version"], version);
    let path = format!("{}/activity", contact_path(&client, &ada));
    let kinds: Vec<Value> = api.get(&TestApi::reader("t1"), &path).await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].clone())
        .collect();
    assert_eq!(kinds, [json!("delivery"), json!("email")]);
}

#[tokio::test]
async fn an_event_for_an_email_of_no_contact_of_this_service_is_ignored() {
    let api = TestApi::new().await;
    let mut untagged: Value = serde_json::from_str(&crate::events::event("record-email-event")).unwrap();
    untagged["detail"]["mail"]["tags"] = json!({ "ses:configuration-set": ["other"] });
    let deleted = SentEmail {
        tenant: "t1".into(),
        client: shared::domain::ClientId::generate().to_string(),
        contact: shared::domain::ContactId::generate().to_string(),
        address: unique_email("gone"),
        message_id: "m-1".into(),
    };

    assert!(matches!(deliver_event(&api, untagged).await, Recorded::Ignored { .. }));
    let gone = deliver_event(&api, ses_event("record-email-event", &deleted, &later(&api, 1))).await;
    assert_eq!(gone, Recorded::Ignored { why: "no such contact" });
    assert!(api.scan().await.is_empty(), "nothing written");
}

#[tokio::test]
async fn the_contacts_whose_address_bounces_are_listed_by_email_status() {
    let api = TestApi::new().await;
    let (client, ada) = given_recipient(&api, "ada").await;
    given_contact(
        &api,
        &TestApi::admin("t1"),
        &client,
        json!({ "last_name": "bob", "email": unique_email("bob") }),
    )
    .await;
    let sent = notified(&api, &client, &ada).await;
    deliver_event(&api, ses_event("record-email-event", &sent, &later(&api, 60))).await;
    let reader = TestApi::reader("t1");
    let list = |status: &str| format!("/clients/{client}/contacts?email_status={status}");

    let bouncing = api.get(&reader, &list("bouncing")).await.json();
    let ok = api.get(&reader, &list("ok")).await.json();
    let junk = api.get(&reader, &list("bounced")).await;

    let ids = |page: &Value| {
        page["items"].as_array().unwrap().iter().map(|c| c["last_name"].clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&bouncing), [json!("ada")]);
    assert_eq!(ids(&ok), [json!("bob")]);
    assert_eq!(junk.status, 400, "{}", junk.body);
}

use shared::domain::activity::DeliveryOutcome;
