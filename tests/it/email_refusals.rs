//! What SES says when it refuses a message names the account's identities, sandbox state and
//! region. It goes to the logs for the operator; API callers get the stable code and a
//! generic detail. Where it names the recipient, the logs get its code and its words without
//! the address.

use serde_json::{json, Value};
use testkit::proxy::SesFault;
use testkit::TestApi;

use crate::support::{
    contact_path, day, given_client, given_contact, given_invited_with, given_recipients, notify_invoice,
    unique_email,
};

const SES_REASON: &str =
    "Email address is not verified. The following identities failed the check in region EU-WEST-1: secret@x";

/// Whether `text` repeats any telling part of `SES_REASON`.
fn repeats_ses_reason(text: &str) -> bool {
    ["not verified", "EU-WEST-1", "secret@x", "identities failed"].iter().any(|part| text.contains(part))
}

/// The log lines (JSON) that carry SES's own words.
fn lines_with_ses_reason(logs: &str) -> Vec<Value> {
    logs.lines()
        .filter(|l| l.contains("EU-WEST-1"))
        .map(|l| serde_json::from_str(l).expect("log lines are JSON"))
        .collect()
}

#[tokio::test]
async fn an_invite_ses_refuses_answers_email_rejected_without_repeating_what_ses_said() {
    // A current-thread runtime: the handler logs on this thread.
    let logs = testkit::logs::capture_this_thread();
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let ada =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Ada", "email": unique_email("ada") })).await;
    proxy.fail_next(1, SesFault::RejectSaying(SES_REASON));

    let res = api.post(&admin, &format!("{}/invite", contact_path(&acme, &ada)), json!({})).await;

    assert_eq!(res.status, 502, "{}", res.body);
    assert_eq!(res.problem_code(), "email-rejected");
    assert_eq!(
        res.json()["detail"],
        "the email service refused this message; sending it again will not help"
    );
    assert!(!repeats_ses_reason(&res.body), "SES's words reach the caller: {}", res.body);
    let logged = lines_with_ses_reason(&logs.text());
    assert_eq!(logged.len(), 1, "one log line keeps SES's words: {logged:?}");
    assert!(logged[0].to_string().contains("MessageRejected"), "with SES's error code: {}", logged[0]);
}

#[tokio::test]
async fn a_notification_names_a_recipient_ses_refused_by_code_only() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let emails = given_recipients(&api, &acme, &["Ada"]).await;
    proxy.fail_next_to(&emails[0], 1, SesFault::RejectSaying(SES_REASON));

    let res = notify_invoice(&api, &acme).await;

    assert_eq!(res.status, 202, "{}", res.body);
    let body = res.json();
    assert_eq!(body["failed"][0]["email"], emails[0].as_str());
    assert_eq!(body["failed"][0]["error"], "email-rejected");
    assert!(!repeats_ses_reason(&res.body), "SES's words reach the caller: {}", res.body);
}

/// The log lines that report SES's refusal (those carrying its code), after checking that no
/// line of `logs` holds `address`.
fn refusal_lines_without(logs: &str, address: &str) -> Vec<String> {
    assert!(!logs.contains(address), "a log line holds the recipient's address: {logs}");
    logs.lines().filter(|l| l.contains("MessageRejected")).map(str::to_owned).collect()
}

#[tokio::test]
async fn an_invite_ses_refuses_naming_the_recipient_logs_its_code_without_the_address() {
    // Given SES refusing the next send with words that name its recipient
    let logs = testkit::logs::capture_this_thread();
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let email = unique_email("ada");
    let ada = given_contact(&api, &admin, &acme, json!({ "last_name": "Ada", "email": email })).await;
    proxy.fail_next_to(&email, 1, SesFault::RejectNamingRecipients);

    // When the contact is invited
    let res = api.post(&admin, &format!("{}/invite", contact_path(&acme, &ada)), json!({})).await;

    // Then the failure is logged with SES's code and the rest of its words, never the address
    assert_eq!(res.problem_code(), "email-rejected", "{}", res.body);
    let logged = refusal_lines_without(&logs.text(), &email);
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0].contains("MessageRejected: Address blacklisted: <address>"), "{}", logged[0]);
}

#[tokio::test]
async fn a_notification_ses_refuses_naming_the_recipient_logs_its_code_without_the_address() {
    // Given SES refusing the send to one recipient with words that name it
    let logs = testkit::logs::capture_this_thread();
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let emails = given_recipients(&api, &acme, &["Ada"]).await;
    proxy.fail_next_to(&emails[0], 1, SesFault::RejectNamingRecipients);

    // When the client's contacts are notified
    let res = notify_invoice(&api, &acme).await;

    // Then the recipient's failure is logged by code, without its address
    assert_eq!(res.json()["failed"][0]["error"], "email-rejected", "{}", res.body);
    let logged = refusal_lines_without(&logs.text(), &emails[0]);
    assert!(!logged.is_empty(), "the refusal is logged");
}

#[tokio::test]
async fn a_sweep_notice_ses_refuses_naming_the_recipient_logs_its_code_without_the_address() {
    // Given a contact whose support ended, and SES refusing the notice with words naming it
    let logs = testkit::logs::capture_this_thread();
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let email = unique_email("ended");
    given_invited_with(&api, &acme, &email, json!({ "support_end": day(1) })).await;
    api.clock.advance(time::Duration::days(3));
    proxy.fail_next_to(&email, 1, SesFault::RejectNamingRecipients);

    // When the sweep revokes it and sends its notice
    shared::sweep::sweep(&api.app, None).await.unwrap();

    // Then the refused notice is logged by code, without the address
    let logged = refusal_lines_without(&logs.text(), &email);
    assert!(!logged.is_empty(), "the refusal is logged");
}
