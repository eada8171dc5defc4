//! Addresses SES reported as bad are not written to again, by notifications, the sweep,
//! invitations or password resets; the primary contact is added on request; the history never
//! costs an email.

use serde_json::{json, Value};
use shared::feedback::record;
use shared::sweep::sweep;
use testkit::mail::messages_to;
use testkit::proxy::Fault;
use testkit::TestApi;
use time::Duration;

use crate::portal::given_portal_user;
use crate::support::{
    assert_invariants, contact_path, day, given_client, given_contact, given_invited_with, later, ses_event,
    unique_email, SentEmail,
};

const ENDED: &str = "Your client portal access has ended";

/// A contact of t1's `client` named `name`, opted into `invoice`.
async fn given_invoice_contact(api: &TestApi, client: &str, name: &str) -> Value {
    let body = json!({ "last_name": name, "email": unique_email(name), "notifications": ["invoice"] });
    given_contact(api, &TestApi::admin("t1"), client, body).await
}

/// Records a permanent bounce of the last email `contact` (of t1's `client`) was sent.
async fn bounced(api: &TestApi, client: &str, contact: &Value) {
    reported(api, "record-email-event", client, contact).await;
}

/// Records SES's event `sample` (a bounce, a complaint...) about the last email `contact` (of
/// t1's `client`) was sent.
async fn reported(api: &TestApi, sample: &str, client: &str, contact: &Value) {
    let address = contact["email"].as_str().unwrap().to_owned();
    let mail = messages_to(&address).await;
    let sent = SentEmail {
        tenant: "t1".into(),
        client: client.to_owned(),
        contact: contact["id"].as_str().unwrap().to_owned(),
        address,
        message_id: mail.last().unwrap()["messageId"].as_str().unwrap().to_owned(),
    };
    record(&api.app.feedback(), ses_event(sample, &sent, &later(api, 60))).await.unwrap();
}

/// A new client of t1 whose only (so primary) contact was invited and its invitation bounced
/// for good: the client, the contact and its address.
async fn given_bounced_invitee(api: &TestApi) -> (String, Value, String) {
    let acme = given_client(api, &TestApi::admin("t1"), "Acme").await;
    let email = unique_email("bounces");
    let contact = given_invited_with(api, &acme, &email, json!({})).await;
    bounced(api, &acme, &contact).await;
    (acme, contact, email)
}

#[tokio::test]
async fn an_invitation_to_a_bouncing_address_is_409_email_suppressed_and_sends_nothing() {
    // Given an invited contact whose invitation bounced for good
    let api = TestApi::new().await;
    let (acme, contact, email) = given_bounced_invitee(&api).await;

    // When it is invited again
    let res = api
        .post(&TestApi::admin("t1"), &format!("{}/invite", contact_path(&acme, &contact)), json!({}))
        .await;

    // Then it is refused with a code of its own, and no second email goes out
    assert_eq!(res.status, 409, "{}", res.body);
    assert_eq!(res.problem_code(), "email-suppressed");
    assert_eq!(messages_to(&email).await.len(), 1);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_password_reset_to_an_address_that_complained_is_409_email_suppressed_and_sends_nothing() {
    // Given a portal user whose address complained about the invitation
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;
    reported(&api, "record-email-event-complaint", &ada.client, &ada.contact).await;
    let sent_before = messages_to(&ada.email).await.len();

    // When it is sent a new password
    let res = api.post(&TestApi::admin("t1"), &format!("{}/password-reset", ada.path()), json!({})).await;

    // Then it is refused with the same code, and nothing is sent
    assert_eq!(res.status, 409, "{}", res.body);
    assert_eq!(res.problem_code(), "email-suppressed");
    assert_eq!(messages_to(&ada.email).await.len(), sent_before);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn inviting_a_client_whose_primary_bounced_is_409_email_suppressed_and_sends_nothing() {
    // Given a client whose primary contact's address bounced for good
    let api = TestApi::new().await;
    let (acme, _primary, email) = given_bounced_invitee(&api).await;

    // When the client is invited
    let res = api.post(&TestApi::admin("t1"), &format!("/clients/{acme}/invite"), json!({})).await;

    // Then the primary is refused as an invitation to it is, and nothing is sent
    assert_eq!(res.status, 409, "{}", res.body);
    assert_eq!(res.problem_code(), "email-suppressed");
    assert_eq!(messages_to(&email).await.len(), 1);
}

#[tokio::test]
async fn the_sweep_revokes_a_bouncing_contact_without_writing_to_it() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let (bad, good) = (unique_email("bad"), unique_email("good"));
    let bouncing = given_invited_with(&api, &acme, &bad, json!({ "support_end": day(1) })).await;
    let fine = given_invited_with(&api, &acme, &good, json!({ "support_end": day(1) })).await;
    bounced(&api, &acme, &bouncing).await;

    api.clock.advance(Duration::days(3));
    let report = sweep(&api.app, None).await.unwrap();

    assert_eq!((report.revoked, report.suppressed, report.failed), (2, 1, 0), "{report:?}");
    let status = |c: &Value| c["portal"]["status"].as_str().map(str::to_owned);
    let admin = TestApi::admin("t1");
    assert_eq!(
        status(&api.get(&admin, &contact_path(&acme, &bouncing)).await.json()).as_deref(),
        Some("revoked")
    );
    let told = |mail: Vec<Value>| mail.iter().filter(|m| m["subject"] == ENDED).count();
    assert_eq!((told(messages_to(&bad).await), told(messages_to(&good).await)), (0, 1));
    let history = api.get(&admin, &format!("{}/activity", contact_path(&acme, &fine))).await.json();
    assert_eq!(
        (history["items"][0]["email_kind"].as_str(), history["items"][0]["actor"].as_str()),
        (Some("revocation"), Some("support-expiry-sweep"))
    );
    assert_invariants(&api).await;
}

#[tokio::test]
async fn the_primary_contact_gets_a_topic_notification_once_when_asked_opted_in_or_not() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let primary =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Prim", "email": unique_email("prim") }))
            .await;
    let opted = given_invoice_contact(&api, &acme, "Opted").await;
    let path = format!("/clients/{acme}/notifications");
    let body = |include: bool| json!({ "topic": "invoice", "include_primary": include, "subject": "Invoice", "text": "Ready." });

    let without = api.post(&admin, &path, body(false)).await.json();
    let with = api.post(&admin, &path, body(true)).await.json();

    let ids = |report: &Value| {
        let mut ids: Vec<String> = report["sent"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["contact_id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&without), [opted["id"].as_str().unwrap()]);
    let mut both = vec![primary["id"].as_str().unwrap().to_owned(), opted["id"].as_str().unwrap().to_owned()];
    both.sort();
    assert_eq!(ids(&with), both);
    assert_eq!(messages_to(primary["email"].as_str().unwrap()).await.len(), 1);
}

#[tokio::test]
async fn an_invitation_whose_activity_cannot_be_written_is_still_sent_once_and_answered() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let email = unique_email("ada");
    let ada = given_contact(&api, &admin, &acme, json!({ "last_name": "Ada", "email": email })).await;
    // The quota's put goes through; the activity's put fails, retries included.
    proxy.fail_after("PutItem", 1, Fault::InternalError);
    for _ in 0..8 {
        proxy.fail_next("PutItem", Fault::InternalError);
    }

    let res = api.post(&admin, &format!("{}/invite", contact_path(&acme, &ada)), json!({})).await;
    proxy.clear_faults();

    assert_eq!(res.status, 202, "{}", res.body);
    assert_eq!(messages_to(&email).await.len(), 1);
    let history = api.get(&admin, &format!("{}/activity", contact_path(&acme, &ada))).await.json();
    assert_eq!(history["items"], json!([]));
    let contact = api.get(&admin, &contact_path(&acme, &ada)).await.json();
    assert_eq!(contact["portal"]["status"], "invited");
}

#[tokio::test]
async fn every_email_names_the_configuration_set_and_tags_its_tenant_client_contact_and_kind() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let ada = given_invoice_contact(&api, &acme, "Ada").await;
    let invited = api.post(&admin, &format!("{}/invite", contact_path(&acme, &ada)), json!({})).await;
    let body = json!({ "topic": "invoice", "subject": "Invoice", "text": "Ready." });
    let notified = api.post(&admin, &format!("/clients/{acme}/notifications"), body).await;
    assert_eq!((invited.status, notified.status), (202, 202));

    let sends = proxy.take_sends();

    let tags = |kind: &str| {
        let id = ada["id"].as_str().unwrap().to_owned();
        [
            ("tenant", "t1".to_owned()),
            ("client", acme.clone()),
            ("contact", id),
            ("email_kind", kind.to_owned()),
        ]
        .map(|(n, v)| (n.to_owned(), v))
        .to_vec()
    };
    assert_eq!(sends.len(), 2, "{sends:?}");
    for (send, kind) in sends.iter().zip(["invitation", "notification"]) {
        assert_eq!(send.configuration_set.as_deref(), Some("client-contacts-test-email"));
        assert_eq!(send.tags, tags(kind));
    }
}
