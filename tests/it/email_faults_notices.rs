//! Notices under SES faults (see `email_faults`): a notification reaches every recipient SES
//! does not refuse, and the sweep's revocation notices and reminders are sent again on a later
//! run when SES failed, never when it refused.

use serde_json::{json, Value};
use shared::domain::dates::Clock;
use shared::sweep::{sweep, SweepReport};
use testkit::mail::messages_to;
use testkit::proxy::{SesFault, SesProxy};
use testkit::TestApi;
use time::Duration;

use crate::email_faults::{given_reachable_contact, invite, statuses, SES_ATTEMPTS};
use crate::support::{
    addresses, assert_invariants, contact_path, given_client, given_recipients, notify_invoice,
};

#[tokio::test]
async fn a_notification_lists_a_rejected_recipient_as_failed_and_reaches_the_others() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let emails = given_recipients(&api, &acme, &["ada", "bob", "cy"]).await;
    let (bob, mut others) = (emails[1].clone(), vec![emails[0].clone(), emails[2].clone()]);
    others.sort();
    proxy.fail_next_to(&bob, 1, SesFault::Reject);

    let res = notify_invoice(&api, &acme).await;

    assert_eq!(res.status, 202, "{}", res.body);
    let body = res.json();
    assert_eq!(addresses(&body["sent"]), others);
    assert_eq!(addresses(&body["failed"]), vec![bob.clone()]);
    assert_eq!(body["failed"][0]["error"], "email-rejected");
    assert_eq!(proxy.take_sends().len(), 3, "one send each: the refusal is not retried");
    assert!(messages_to(&bob).await.is_empty());
    for address in &others {
        assert_eq!(messages_to(address).await.len(), 1, "{address}");
    }
}

#[tokio::test]
async fn a_notification_throttled_once_still_reaches_everyone_once() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let mut emails = given_recipients(&api, &acme, &["dee", "eve", "fay", "gus"]).await;
    emails.sort();
    proxy.fail_next(1, SesFault::Throttle);

    let res = notify_invoice(&api, &acme).await;

    assert_eq!(res.status, 202, "{}", res.body);
    let body = res.json();
    assert_eq!(addresses(&body["sent"]), emails);
    assert_eq!(body["failed"], json!([]));
    let mut seen = statuses(&proxy.take_sends());
    seen.sort();
    assert_eq!(seen, vec![200, 200, 200, 200, 429], "one throttled send, retried");
    for address in &emails {
        assert_eq!(messages_to(address).await.len(), 1, "{address}");
    }
}

const ENDED: &str = "Your client portal access has ended";

/// A contact invited to the portal whose support ends in `days` days; the sends so far are
/// taken from the proxy. Returns (client id, contact, address).
async fn given_invited_contact_whose_support_ends_in(
    api: &TestApi,
    proxy: &SesProxy,
    days: i64,
    last_name: &str,
) -> (String, Value, String) {
    let end = api.clock.now().date() + Duration::days(days);
    let portal = json!({ "support_end": end.to_string() });
    let (acme, contact, email) =
        given_reachable_contact(api, json!({ "last_name": last_name, "portal": portal })).await;
    assert_eq!(invite(api, &acme, &contact).await.status, 202);
    proxy.take_sends();
    (acme, contact, email)
}

#[tokio::test]
async fn a_revocation_email_that_fails_is_sent_on_the_next_run_revoking_once() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let (acme, contact, email) = given_invited_contact_whose_support_ends_in(&api, &proxy, 1, "Ends").await;
    api.clock.advance(Duration::days(2));
    proxy.fail_next_to(&email, SES_ATTEMPTS, SesFault::Throttle);

    let failing = sweep(&api.app, None).await.unwrap();
    // Access ended, the notice pending: the contact sits under its lease in the index.
    assert_invariants(&api).await;
    let throttled = statuses(&proxy.take_sends());
    let revoked = api.get(&TestApi::admin("t1"), &contact_path(&acme, &contact)).await.json();
    api.clock.advance(Duration::minutes(16));
    let retry = sweep(&api.app, None).await.unwrap();
    let retried = statuses(&proxy.take_sends());
    let done = sweep(&api.app, None).await.unwrap();

    assert_eq!((failing.revoked, failing.failed), (1, 1), "access ends even if the email fails: {failing:?}");
    assert_eq!(throttled, vec![429; SES_ATTEMPTS]);
    assert_eq!((retry.revoked, retry.notices_retried), (0, 1), "{retry:?}");
    assert_eq!(retried, vec![200]);
    assert_eq!(done, SweepReport::default());
    let after = api.get(&TestApi::admin("t1"), &contact_path(&acme, &contact)).await.json();
    assert_eq!(after["portal"]["status"], "revoked");
    assert_eq!(
        after["version"].as_u64(),
        revoked["version"].as_u64().map(|v| v + 1),
        "the retry only re-claims"
    );
    let subjects: Vec<Value> = messages_to(&email).await.iter().map(|m| m["subject"].clone()).collect();
    assert_eq!(subjects.iter().filter(|s| *s == ENDED).count(), 1, "{subjects:?}");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_revocation_email_ses_refuses_is_not_retried_and_access_stays_revoked() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let (acme, contact, email) =
        given_invited_contact_whose_support_ends_in(&api, &proxy, 1, "Refused").await;
    api.clock.advance(Duration::days(2));
    proxy.fail_next_to(&email, 1, SesFault::Reject);

    let refused = sweep(&api.app, None).await.unwrap();
    let sent = statuses(&proxy.take_sends());
    api.clock.advance(Duration::minutes(16));
    let later = sweep(&api.app, None).await.unwrap();

    assert_eq!((refused.revoked, refused.undeliverable, refused.failed), (1, 1, 0), "{refused:?}");
    assert_eq!(sent, vec![400], "a refusal is sent once");
    assert_eq!(later, SweepReport::default(), "nothing is left to retry");
    assert!(proxy.take_sends().is_empty());
    let after = api.get(&TestApi::admin("t1"), &contact_path(&acme, &contact)).await.json();
    assert_eq!(after["portal"]["status"], "revoked");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_reminder_ses_refuses_is_not_retried_and_the_revocation_still_comes() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let (_, _, email) = given_invited_contact_whose_support_ends_in(&api, &proxy, 10, "Reminded").await;
    proxy.fail_next_to(&email, 1, SesFault::Reject);

    let refused = sweep(&api.app, None).await.unwrap();
    api.clock.advance(Duration::minutes(16));
    let later = sweep(&api.app, None).await.unwrap();
    api.clock.advance(Duration::days(11));
    let at_the_end = sweep(&api.app, None).await.unwrap();

    assert_eq!((refused.reminded, refused.undeliverable, refused.failed), (0, 1, 0), "{refused:?}");
    assert_eq!(later, SweepReport::default(), "the refused reminder is not retried");
    assert_eq!((at_the_end.revoked, at_the_end.undeliverable), (1, 0), "{at_the_end:?}");
    let subjects: Vec<Value> = messages_to(&email).await.iter().map(|m| m["subject"].clone()).collect();
    assert_eq!(subjects.iter().filter(|s| *s == ENDED).count(), 1, "{subjects:?}");
    assert_invariants(&api).await;
}
