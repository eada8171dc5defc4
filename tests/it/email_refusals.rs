//! What SES says when it refuses a message names the account's identities, sandbox state and
//! region. It goes to the logs for the operator; API callers get the stable code and a
//! generic detail.

use serde_json::{json, Value};
use testkit::proxy::SesFault;
use testkit::TestApi;

use crate::support::{
    contact_path, given_client, given_contact, given_recipients, notify_invoice, unique_email,
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
