//! Email under SES faults, injected by a proxy in front of the SES emulator
//! (`testkit::proxy::SesProxy`) while the app keeps production's SES client (4 attempts,
//! exponential backoff): throttling, internal errors and dropped connections are retried,
//! refusals are not, and a send that fails for good leaves nothing half-done.

use serde_json::{json, Value};
use shared::domain::dates::Clock;
use shared::sweep::{sweep, SweepReport};
use testkit::mail::{invite_token, messages_to};
use testkit::proxy::{SesFault, SesProxy, SesSend};
use testkit::{Caller, TestApi, TestResponse};
use time::Duration;

use crate::support::{
    addresses, assert_invariants, contact_path, given_client, given_contact, given_recipients,
    notify_invoice, unique_email,
};

const PASSWORD: &str = "correct horse battery staple";

fn statuses(sends: &[SesSend]) -> Vec<u16> {
    sends.iter().map(|s| s.status).collect()
}

/// SES attempts per email: production's, as `behind_ses_proxy` configures them.
fn attempts(api: &TestApi) -> usize {
    api.app.email.max_attempts as usize
}

/// A client with one contact who has an email address: (client id, contact, address).
async fn given_reachable_contact(api: &TestApi, mut body: Value) -> (String, Value, String) {
    let admin = TestApi::admin("t1");
    let acme = given_client(api, &admin, "Acme").await;
    let email = unique_email("faulty");
    body["email"] = json!(email);
    let contact = given_contact(api, &admin, &acme, body).await;
    (acme, contact, email)
}

async fn invite(api: &TestApi, client: &str, contact: &Value) -> TestResponse {
    api.post(&TestApi::admin("t1"), &format!("{}/invite", contact_path(client, contact)), json!({})).await
}

async fn accept(api: &TestApi, token: &str) -> TestResponse {
    api.post(&Caller::Anonymous, "/invites/accept", json!({ "token": token, "password": PASSWORD })).await
}

/// The contact as the API shows it, less what every write changes (version and update stamp).
async fn contact_state(api: &TestApi, client: &str, contact: &Value) -> Value {
    let mut c = api.get(&TestApi::admin("t1"), &contact_path(client, contact)).await.json();
    for changes_on_every_write in ["version", "updated_at", "updated_by"] {
        c.as_object_mut().expect("a contact").remove(changes_on_every_write);
    }
    c
}

/// What an invitation whose email failed leaves: the contact as it was `before`, and `token`,
/// the one its email carried, leading nowhere.
async fn assert_undone(api: &TestApi, client: &str, contact: &Value, before: &Value, token: &str) {
    assert_eq!(contact_state(api, client, contact).await, *before, "the contact is as it was");
    assert_eq!(accept(api, token).await.status, 404, "the failed invitation's token leads nowhere");
    assert_invariants(api).await;
}

/// The invitation token in the text of a send the proxy saw (delivered or not).
fn token_of(send: &SesSend) -> String {
    invite_token(&send.text).expect("an invitation link")
}

#[tokio::test]
async fn an_invite_whose_send_fails_once_is_retried_and_sends_one_working_email() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    // Throttling, an internal error, a connection closed before the send: each is retried.
    for (fault, status) in
        [(SesFault::Throttle, 429), (SesFault::InternalError, 500), (SesFault::DropConnection, 0)]
    {
        let (acme, contact, email) = given_reachable_contact(&api, json!({ "last_name": "Once" })).await;
        proxy.fail_next(1, fault);

        let res = invite(&api, &acme, &contact).await;

        assert_eq!(res.status, 202, "{fault:?}: {}", res.body);
        let sends = proxy.take_sends();
        assert_eq!(statuses(&sends), vec![status, 200], "{fault:?}, then retried");
        assert_eq!(sends.iter().filter(|s| s.delivered).count(), 1, "{fault:?}");
        let mail = messages_to(&email).await;
        assert_eq!(mail.len(), 1, "{fault:?}: exactly one email arrives");
        let token = invite_token(mail[0]["body"]["text"].as_str().unwrap()).expect("a link");
        assert_eq!(accept(&api, &token).await.status, 200, "{fault:?}: and its link works");
    }
}

#[tokio::test]
async fn an_invite_throttled_on_every_attempt_is_unavailable_and_changes_nothing() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let (acme, contact, email) = given_reachable_contact(&api, json!({ "last_name": "Throttled" })).await;
    let before = contact_state(&api, &acme, &contact).await;
    proxy.fail_next(attempts(&api), SesFault::Throttle);

    let res = invite(&api, &acme, &contact).await;

    assert_eq!(res.status, 503, "{}", res.body);
    assert_eq!(res.problem_code(), "email-unavailable");
    let sends = proxy.take_sends();
    assert_eq!(
        statuses(&sends),
        vec![429; attempts(&api)],
        "every attempt production makes, then it gives up"
    );
    assert!(messages_to(&email).await.is_empty());
    assert_undone(&api, &acme, &contact, &before, &token_of(&sends[0])).await;
    let later = invite(&api, &acme, &contact).await;
    assert_eq!(later.status, 202, "once SES recovers an invite works: {}", later.body);
    assert_eq!(messages_to(&email).await.len(), 1);
}

#[tokio::test]
async fn a_rejected_invite_is_refused_at_once_and_changes_nothing() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let (acme, contact, email) = given_reachable_contact(&api, json!({ "last_name": "Rejected" })).await;
    let before = contact_state(&api, &acme, &contact).await;
    proxy.fail_next(attempts(&api), SesFault::Reject);

    let res = invite(&api, &acme, &contact).await;

    assert_eq!(res.status, 502, "{}", res.body);
    assert_eq!(res.problem_code(), "email-rejected");
    assert!(!res.body.contains("not verified"), "SES's reason stays in the logs: {}", res.body);
    let sends = proxy.take_sends();
    assert_eq!(statuses(&sends), vec![400], "a refusal is not retried");
    assert!(messages_to(&email).await.is_empty());
    assert_undone(&api, &acme, &contact, &before, &token_of(&sends[0])).await;
}

#[tokio::test]
async fn a_rejected_re_invite_keeps_the_earlier_invitation_working() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let (acme, contact, email) = given_reachable_contact(&api, json!({ "last_name": "Again" })).await;
    assert_eq!(invite(&api, &acme, &contact).await.status, 202);
    let first_token = invite_token(messages_to(&email).await[0]["body"]["text"].as_str().unwrap()).unwrap();
    let before = contact_state(&api, &acme, &contact).await;
    proxy.take_sends();
    proxy.fail_next(1, SesFault::Reject);

    let res = invite(&api, &acme, &contact).await;

    assert_eq!(res.status, 502, "{}", res.body);
    assert_undone(&api, &acme, &contact, &before, &token_of(&proxy.take_sends()[0])).await;
    assert_eq!(accept(&api, &first_token).await.status, 200, "the delivered one still works");
}

/// SES has no idempotency token for `SendEmail`: when the answer to a delivered send is lost,
/// the SDK's retry (a connection error is transient) sends the same message again. Email is
/// at least once; both copies carry the one token that was stored, so either link works, once.
#[tokio::test]
async fn an_invite_whose_answer_is_lost_after_sending_arrives_twice_with_one_working_token() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let (acme, contact, email) = given_reachable_contact(&api, json!({ "last_name": "Twice" })).await;
    proxy.fail_next(1, SesFault::DropAfterSend);

    let res = invite(&api, &acme, &contact).await;

    assert_eq!(res.status, 202, "the retry's answer counts: {}", res.body);
    let sends = proxy.take_sends();
    assert_eq!(statuses(&sends), vec![0, 200]);
    assert!(sends.iter().all(|s| s.delivered), "both attempts reached SES");
    let mail = messages_to(&email).await;
    assert_eq!(mail.len(), 2, "at least once: the lost answer's message and the retry's");
    let tokens: Vec<String> =
        mail.iter().map(|m| invite_token(m["body"]["text"].as_str().unwrap()).unwrap()).collect();
    assert_eq!(tokens[0], tokens[1], "the same message twice");
    assert_eq!(contact_state(&api, &acme, &contact).await["portal"]["status"], "invited");
    assert_eq!(accept(&api, &tokens[0]).await.status, 200);
    assert_eq!(accept(&api, &tokens[1]).await.status, 410, "one invitation, used once");
    assert_invariants(&api).await;
}

/// When every answer is lost the app cannot know the emails went, so it undoes the invitation
/// as for any failed send: the contact is as it was and the links that did arrive lead nowhere
/// (the 503 says to try again, which sends a working link).
#[tokio::test]
async fn an_invite_whose_every_answer_is_lost_is_undone_and_its_delivered_links_lead_nowhere() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let (acme, contact, email) = given_reachable_contact(&api, json!({ "last_name": "Lost" })).await;
    let before = contact_state(&api, &acme, &contact).await;
    proxy.fail_next(attempts(&api), SesFault::DropAfterSend);

    let res = invite(&api, &acme, &contact).await;

    assert_eq!(res.status, 503, "{}", res.body);
    assert_eq!(res.problem_code(), "email-unavailable");
    let sends = proxy.take_sends();
    assert_eq!(statuses(&sends), vec![0; attempts(&api)]);
    assert!(sends.iter().all(|s| s.delivered));
    let mail = messages_to(&email).await;
    assert_eq!(mail.len(), attempts(&api), "every attempt arrived");
    let delivered = invite_token(mail[0]["body"]["text"].as_str().unwrap()).unwrap();
    assert_undone(&api, &acme, &contact, &before, &delivered).await;
}

#[tokio::test]
async fn adding_a_contact_with_invite_while_ses_throttles_keeps_it_uninvited_and_says_why() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let email = unique_email("throttled-add");
    proxy.fail_next(attempts(&api), SesFault::Throttle);

    let res = api
        .post(
            &admin,
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "Later", "email": email, "invite": true }),
        )
        .await;

    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.header("invite-error"), Some("email-unavailable"));
    assert_eq!(statuses(&proxy.take_sends()), vec![429; attempts(&api)]);
    let contact = res.json();
    assert_eq!(contact_state(&api, &acme, &contact).await["portal"]["status"], "none");
    assert!(messages_to(&email).await.is_empty());
    assert_eq!(invite(&api, &acme, &contact).await.status, 202, "inviting it later works");
}

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
    proxy.fail_next_to(&email, attempts(&api), SesFault::Throttle);

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
    assert_eq!(throttled, vec![429; attempts(&api)]);
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

/// invite-contact's timeout in template.yaml: past it Lambda stops the function, and an
/// invitation that has not undone itself by then stays half-done.
fn invite_function_timeout() -> std::time::Duration {
    let seconds = local_api::Template::of_repo().function_timeout("invite-contact").expect("a timeout");
    std::time::Duration::from_secs(seconds)
}

#[tokio::test]
async fn an_invite_to_an_ses_that_never_answers_gives_up_before_the_function_timeout_and_changes_nothing() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let (acme, contact, email) = given_reachable_contact(&api, json!({ "last_name": "Silent" })).await;
    let before = contact_state(&api, &acme, &contact).await;
    proxy.fail_next(attempts(&api), SesFault::Hang);

    let started = std::time::Instant::now();
    let res = invite(&api, &acme, &contact).await;
    let took = started.elapsed();

    assert_eq!(res.status, 503, "{}", res.body);
    assert_eq!(res.problem_code(), "email-unavailable");
    assert!(took < invite_function_timeout(), "gave up after {took:?}");
    let sends = proxy.take_sends();
    assert!(sends.len() > 1 && sends.iter().all(|s| s.status == 0), "silent attempts, retried: {sends:?}");
    assert!(messages_to(&email).await.is_empty());
    assert_undone(&api, &acme, &contact, &before, &token_of(&sends[0])).await;
}
