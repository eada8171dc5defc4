//! The support-expiry sweep against DynamoDB Local and the SES emulator, with a test clock.

use serde_json::{json, Value};
use shared::sweep::{sweep, SweepReport};
use testkit::mail::messages_to;
use testkit::TestApi;
use time::Duration;

use crate::support::{
    assert_invariants, contact_path, day, given_client, given_contact, given_invited_with, unique_email,
};

/// A contact invited to the portal, whose support ends `ends_in` days from today.
async fn given_invited(api: &TestApi, client: &str, email: &str, ends_in: Option<i64>) -> Value {
    let portal = match ends_in {
        Some(d) => json!({ "support_end": day(d) }),
        None => json!({}),
    };
    given_invited_with(api, client, email, portal).await
}

fn subjects(mail: &[Value]) -> Vec<String> {
    mail.iter().map(|m| m["subject"].as_str().unwrap().to_owned()).collect()
}

const ENDED: &str = "Your client portal access has ended";
const ENDS_SOON: &str = "Your client portal access ends soon";

async fn portal_status(api: &TestApi, client: &str, contact: &Value) -> String {
    let c = api.get(&TestApi::admin("t1"), &contact_path(client, contact)).await.json();
    c["portal"]["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn only_contacts_whose_support_has_ended_are_revoked_and_told() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let (ending, later, open) = (unique_email("ending"), unique_email("later"), unique_email("open"));
    let due = given_invited(&api, &acme, &ending, Some(1)).await;
    let not_due = given_invited(&api, &acme, &later, Some(90)).await;
    let no_end = given_invited(&api, &acme, &open, None).await;

    api.clock.advance(Duration::days(3));
    let report = sweep(&api.app, None).await.unwrap();

    assert_eq!((report.revoked, report.reminded, report.failed), (1, 0, 0), "{report:?}");
    assert_eq!(portal_status(&api, &acme, &due).await, "revoked");
    assert_eq!(portal_status(&api, &acme, &not_due).await, "invited");
    assert_eq!(portal_status(&api, &acme, &no_end).await, "invited");
    assert_eq!(subjects(&messages_to(&ending).await).iter().filter(|s| *s == ENDED).count(), 1);
    assert!(!subjects(&messages_to(&later).await).contains(&ENDED.to_owned()));
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_revoked_contacts_pending_invitation_dies() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let email = unique_email("pending");
    given_invited(&api, &acme, &email, Some(1)).await;
    let token =
        testkit::mail::invite_token(messages_to(&email).await[0]["body"]["text"].as_str().unwrap()).unwrap();

    api.clock.advance(Duration::days(2));
    sweep(&api.app, None).await.unwrap();
    api.clock.advance(Duration::days(-1));
    let res = api
        .post(
            &testkit::Caller::Anonymous,
            "/invites/accept",
            json!({ "token": token, "password": "correct horse battery" }),
        )
        .await;

    assert_eq!(res.status, 410);
}

#[tokio::test]
async fn a_sweep_catches_up_and_a_second_run_does_nothing() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let emails: Vec<String> = (0..3).map(|i| unique_email(&format!("late{i}"))).collect();
    for e in &emails {
        given_invited(&api, &acme, e, Some(1)).await;
    }

    api.clock.advance(Duration::days(30));
    let first = sweep(&api.app, None).await.unwrap();
    let second = sweep(&api.app, None).await.unwrap();

    assert_eq!(first.revoked, 3, "a month of missed runs caught up: {first:?}");
    assert_eq!(second, SweepReport::default(), "nothing left to read or do");
    for e in &emails {
        let got = subjects(&messages_to(e).await);
        assert_eq!(got.iter().filter(|s| *s == ENDED).count(), 1, "{got:?}");
        assert!(!got.contains(&ENDS_SOON.to_owned()), "no reminder after the end");
    }
}

#[tokio::test]
async fn the_reminder_goes_once_per_support_window_before_the_end() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let email = unique_email("remind");
    let c = given_invited(&api, &acme, &email, Some(20)).await;

    let early = sweep(&api.app, None).await.unwrap();
    api.clock.advance(Duration::days(7));
    let due = sweep(&api.app, None).await.unwrap();
    let again = sweep(&api.app, None).await.unwrap();
    // A new support window earns a new reminder.
    api.patch(&admin, &contact_path(&acme, &c), json!({ "portal": { "support_end": day(30) } })).await;
    api.clock.advance(Duration::days(20));
    let renewed = sweep(&api.app, None).await.unwrap();

    assert_eq!(early.reminded, 0, "20 days out is before the 14-day reminder");
    assert_eq!(due.reminded, 1);
    assert_eq!(again.reminded, 0);
    assert_eq!(renewed.reminded, 1, "{renewed:?}");
    assert_eq!(subjects(&messages_to(&email).await).iter().filter(|s| *s == ENDS_SOON).count(), 2);
    assert_eq!(portal_status(&api, &acme, &c).await, "invited", "a reminder changes no access");
}

#[tokio::test]
async fn a_failed_notice_is_retried_on_a_later_run_without_revoking_twice() {
    let mut api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let email = unique_email("retry");
    let c = given_invited(&api, &acme, &email, Some(1)).await;
    api.clock.advance(Duration::days(2));

    api.set_email_reachable(false).await;
    let failing = sweep(&api.app, None).await.unwrap();
    // Access ended, the notice pending: the contact sits under its lease in the index.
    assert_invariants(&api).await;
    let version_after_revoke =
        api.get(&TestApi::admin("t1"), &contact_path(&acme, &c)).await.json()["version"].clone();
    api.set_email_reachable(true).await;
    let too_soon = sweep(&api.app, None).await.unwrap();
    api.clock.advance(Duration::minutes(16));
    let retry = sweep(&api.app, None).await.unwrap();
    let done = sweep(&api.app, None).await.unwrap();

    assert_eq!((failing.revoked, failing.failed), (1, 1), "{failing:?}");
    assert_eq!(portal_status(&api, &acme, &c).await, "revoked");
    assert_eq!(too_soon, SweepReport::default(), "the claim is leased for 15 minutes");
    assert_eq!((retry.revoked, retry.notices_retried), (0, 1), "{retry:?}");
    assert_eq!(done, SweepReport::default());
    assert_eq!(subjects(&messages_to(&email).await).iter().filter(|s| *s == ENDED).count(), 1);
    let version_now =
        api.get(&TestApi::admin("t1"), &contact_path(&acme, &c)).await.json()["version"].clone();
    assert_eq!(
        version_now.as_u64().unwrap(),
        version_after_revoke.as_u64().unwrap() + 1,
        "the retry only re-claims"
    );
}

#[tokio::test]
async fn a_failed_reminder_is_sent_by_a_later_run_once() {
    let mut api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let email = unique_email("remind-retry");
    let c = given_invited(&api, &acme, &email, Some(10)).await;

    api.set_email_reachable(false).await;
    let failing = sweep(&api.app, None).await.unwrap();
    // The reminder is recorded, its email pending: the contact sits under its lease.
    assert_invariants(&api).await;
    api.set_email_reachable(true).await;
    let too_soon = sweep(&api.app, None).await.unwrap();
    api.clock.advance(Duration::minutes(16));
    let retry = sweep(&api.app, None).await.unwrap();
    let done = sweep(&api.app, None).await.unwrap();

    assert_eq!((failing.reminded, failing.failed), (0, 1), "{failing:?}");
    assert_eq!(too_soon, SweepReport::default(), "the claim is leased for 15 minutes");
    assert_eq!((retry.reminded, retry.failed), (1, 0), "{retry:?}");
    assert_eq!(done, SweepReport::default());
    assert_eq!(subjects(&messages_to(&email).await).iter().filter(|s| *s == ENDS_SOON).count(), 1);
    assert_eq!(portal_status(&api, &acme, &c).await, "invited");
}

#[tokio::test]
async fn only_sweepable_contacts_are_in_the_index() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    given_contact(
        &api,
        &admin,
        &acme,
        json!({ "last_name": "NoPortal", "email": unique_email("np"), "portal": { "support_end": day(5) } }),
    )
    .await;
    let invited = given_invited(&api, &acme, &unique_email("in"), Some(5)).await;
    let revoked = given_invited(&api, &acme, &unique_email("rv"), Some(5)).await;
    api.patch(&admin, &contact_path(&acme, &revoked), json!({ "portal": { "status": "revoked" } })).await;

    let indexed: Vec<String> = api
        .scan()
        .await
        .into_iter()
        .filter(|i| i.contains_key("GSI1PK"))
        .map(|i| i["id"].as_s().unwrap().clone())
        .collect();

    assert_eq!(indexed, vec![invited["id"].as_str().unwrap().to_owned()]);
}

#[tokio::test]
async fn an_active_contact_whose_email_is_removed_loses_access_at_once_and_leaves_the_sweep_nothing() {
    // Given a contact that accepted its invitation, whose support ends in 10 days (inside the
    // reminder window), and whose email was then removed
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let email = unique_email("noemail");
    let contact = given_invited(&api, &acme, &email, Some(10)).await;
    let token =
        testkit::mail::invite_token(messages_to(&email).await[0]["body"]["text"].as_str().unwrap()).unwrap();
    let accept = json!({ "token": token, "password": "correct horse battery staple" });
    assert_eq!(api.post(&testkit::Caller::Anonymous, "/invites/accept", accept).await.status, 200);
    let path = contact_path(&acme, &contact);
    let edited = api.patch(&admin, &path, json!({ "email": null, "phone": "+1 202 555 0143" })).await;
    assert_eq!(edited.status, 200, "{}", edited.body);

    // When the sweep runs now and after the support's end
    let now = sweep(&api.app, None).await.unwrap();
    assert_invariants(&api).await;
    api.clock.advance(Duration::days(12));
    let after_end = sweep(&api.app, None).await.unwrap();

    // Then access ended with the address (an address change ends it), so neither run had
    // anything to remind or revoke
    assert_eq!(portal_status(&api, &acme, &contact).await, "revoked");
    assert_eq!((now.reminded, now.revoked, after_end.revoked), (0, 0, 0), "{now:?} {after_end:?}");
}
