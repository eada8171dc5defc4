//! Email under SES faults, injected by a proxy in front of the SES emulator
//! (`testkit::proxy::SesProxy`) while the app keeps production's SES client (4 attempts,
//! exponential backoff): throttling, internal errors and dropped connections are retried,
//! refusals are not, and a send that fails for good leaves nothing half-done. This file covers
//! invitations; `email_faults_notices` the notifications and the sweep's notices.

use serde_json::{json, Value};
use testkit::mail::{invite_token, messages_to};
use testkit::proxy::{SesFault, SesSend};
use testkit::{Caller, TestApi, TestResponse};

use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

const PASSWORD: &str = "correct horse battery staple";

pub(crate) fn statuses(sends: &[SesSend]) -> Vec<u16> {
    sends.iter().map(|s| s.status).collect()
}

/// SES attempts per email: production's, as `behind_ses_proxy` configures them.
pub(crate) fn attempts(api: &TestApi) -> usize {
    api.app.email.max_attempts as usize
}

/// A client with one contact who has an email address: (client id, contact, address).
pub(crate) async fn given_reachable_contact(api: &TestApi, mut body: Value) -> (String, Value, String) {
    let admin = TestApi::admin("t1");
    let acme = given_client(api, &admin, "Acme").await;
    let email = unique_email("faulty");
    body["email"] = json!(email);
    let contact = given_contact(api, &admin, &acme, body).await;
    (acme, contact, email)
}

pub(crate) async fn invite(api: &TestApi, client: &str, contact: &Value) -> TestResponse {
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
    // Each attempt waits out its 3 s, so the 6 s of the send hold two (the backoff between
    // them leaves no room for a third).
    let fitting =
        (shared::email::SEND_TIMEOUT.as_millis() / shared::email::ATTEMPT_TIMEOUT.as_millis()) as usize;
    assert_eq!(sends.len(), fitting, "as many silent attempts as fit in the send's time: {sends:?}");
    assert!(sends.iter().all(|s| s.status == 0), "every attempt silent: {sends:?}");
    assert!(messages_to(&email).await.is_empty());
    assert_undone(&api, &acme, &contact, &before, &token_of(&sends[0])).await;
}
