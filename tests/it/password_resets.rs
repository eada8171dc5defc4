//! The "set new password" email: an administrator sends a contact that uses the portal a
//! single-use link (the invitation's token rules), and `POST /invites/accept` redeems it by
//! giving the contact's portal user the new password. Through the SES and Cognito emulators.

use serde_json::{json, Value};
use testkit::mail::{messages_to, reset_token};
use testkit::proxy::SesFault;
use testkit::{Caller, TestApi, TestResponse};

use crate::invites::{accept, given_invited};
use crate::portal::{given_portal_user, PortalUser, PASSWORD};
use crate::portal_sign_in::{self, given_signed_up, refresh};
use crate::portal_users::sign_in;
use crate::quota::assert_over_quota;
use crate::support::{assert_invariants, contact_path, given_contact, unique_email};

const NEW_PASSWORD: &str = "a brand new portal passphrase";

async fn send_reset(api: &TestApi, caller: &Caller, contact_path: &str) -> TestResponse {
    api.post(caller, &format!("{contact_path}/password-reset"), json!({})).await
}

/// Sends `user` a reset as its tenant's administrator and returns the token its email carries.
async fn reset_link_of(api: &TestApi, user: &PortalUser) -> String {
    let res = send_reset(api, &TestApi::admin(&user.tenant), &user.path()).await;
    assert_eq!(res.status, 202, "{}", res.body);
    let mail = messages_to(&user.email).await;
    let text = mail.last().expect("a reset email")["body"]["text"].as_str().expect("a text part");
    reset_token(text).expect("a reset link")
}

#[tokio::test]
async fn a_reset_email_arrives_and_its_link_signs_the_contact_in_with_the_new_password_only() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;
    let before = api.get(&TestApi::admin("t1"), &ada.path()).await.json();

    let token = reset_link_of(&api, &ada).await;
    let res = accept(&api, &token, NEW_PASSWORD).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert!(sign_in(&ada.tenant, &ada.email, NEW_PASSWORD).await.is_some(), "the new password signs in");
    assert!(sign_in(&ada.tenant, &ada.email, PASSWORD).await.is_none(), "the old one no longer does");
    let after = api.get(&TestApi::admin("t1"), &ada.path()).await.json();
    assert_eq!(after["portal"]["status"], "active");
    assert_eq!(
        after["portal"]["activated_at"], before["portal"]["activated_at"],
        "still the first activation"
    );
    assert_invariants(&api).await;
}

#[tokio::test]
async fn the_reset_email_has_both_parts_and_the_response_says_what_was_sent_without_the_token() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;

    let res = send_reset(&api, &TestApi::admin("t1"), &ada.path()).await;

    assert_eq!(res.status, 202, "{}", res.body);
    let body = res.json();
    assert_eq!(
        (body["contact_id"].as_str(), body["email"].as_str(), body["status"].as_str()),
        (Some(ada.id()), Some(ada.email.as_str()), Some("active"))
    );
    assert!(body["sent_at"].is_string() && body["expires_at"].is_string(), "{body}");
    let mail = messages_to(&ada.email).await;
    let email = mail.last().expect("a reset email");
    let token = reset_token(email["body"]["text"].as_str().unwrap()).expect("a link in the text part");
    let link = format!("/reset-password?tenant={}#token={token}", ada.tenant);
    assert!(email["body"]["html"].as_str().unwrap().contains(&link));
    assert!(!res.body.contains(&token), "the token only travels in the email");
    // Until the link is used the current password keeps working.
    assert!(sign_in(&ada.tenant, &ada.email, PASSWORD).await.is_some());
}

#[tokio::test]
async fn a_reset_link_works_once() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;
    let token = reset_link_of(&api, &ada).await;
    assert_eq!(accept(&api, &token, NEW_PASSWORD).await.status, 200);

    let again = accept(&api, &token, "yet another long password").await;

    assert_eq!((again.status, again.problem_code().as_str()), (410, "gone"), "{}", again.body);
    assert_eq!(again.json()["detail"], "this password reset link was already used");
    assert!(sign_in(&ada.tenant, &ada.email, NEW_PASSWORD).await.is_some());
    assert!(sign_in(&ada.tenant, &ada.email, "yet another long password").await.is_none());
}

#[tokio::test]
async fn a_new_reset_invalidates_the_older_link() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;
    let older = reset_link_of(&api, &ada).await;
    let newer = reset_link_of(&api, &ada).await;

    let res = accept(&api, &older, NEW_PASSWORD).await;

    assert_eq!((res.status, res.problem_code().as_str()), (410, "gone"), "{}", res.body);
    assert_eq!(res.json()["detail"], "this password reset link is no longer valid");
    assert!(sign_in(&ada.tenant, &ada.email, PASSWORD).await.is_some(), "nothing changed");
    assert_eq!(accept(&api, &newer, NEW_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_weak_new_password_is_422_and_the_link_stays_usable() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;
    let token = reset_link_of(&api, &ada).await;

    let weak = accept(&api, &token, "short").await;

    assert_eq!((weak.status, weak.problem_code().as_str()), (422, "validation-failed"), "{}", weak.body);
    assert!(sign_in(&ada.tenant, &ada.email, PASSWORD).await.is_some());
    assert_eq!(accept(&api, &token, NEW_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_contact_that_does_not_use_the_portal_gets_409_and_no_email() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let invited_email = unique_email("resetinvited");
    let (acme, invited, _) = given_invited(&api, &invited_email).await;
    let never_email = unique_email("resetnever");
    let never = given_contact(&api, &admin, &acme, json!({ "last_name": "N", "email": never_email })).await;

    for (contact, email) in [(&invited, &invited_email), (&never, &never_email)] {
        let before = messages_to(email).await.len();
        let res = send_reset(&api, &admin, &contact_path(&acme, contact)).await;

        assert_eq!((res.status, res.problem_code().as_str()), (409, "portal-not-in-use"), "{}", res.body);
        assert_eq!(messages_to(email).await.len(), before, "no email to {email}");
    }
}

#[tokio::test]
async fn a_reader_may_not_send_a_reset() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;
    let before = messages_to(&ada.email).await.len();

    let res = send_reset(&api, &TestApi::reader("t1"), &ada.path()).await;

    assert_eq!((res.status, res.problem_code().as_str()), (403, "forbidden"), "{}", res.body);
    assert_eq!(messages_to(&ada.email).await.len(), before);
}

#[tokio::test]
async fn a_reset_counts_against_the_daily_email_quota() {
    // Given a quota of 1 a day, used by the contact's invitation
    let api = TestApi::new().await.with_daily_email_quota(1);
    let ada = given_portal_user(&api, "t1").await;

    let res = send_reset(&api, &TestApi::admin("t1"), &ada.path()).await;

    assert_over_quota(&res, "/clients/{clientId}/contacts/{contactId}/password-reset");
    assert!(reset_token(&last_text(&ada.email).await).is_none(), "no reset email");
}

async fn last_text(email: &str) -> String {
    let mail: Vec<Value> = messages_to(email).await;
    mail.last().and_then(|m| m["body"]["text"].as_str()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_revoked_contacts_pending_reset_link_is_gone() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;
    let token = reset_link_of(&api, &ada).await;
    let revoked =
        api.patch(&TestApi::admin("t1"), &ada.path(), json!({ "portal": { "status": "revoked" } })).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);

    let res = accept(&api, &token, NEW_PASSWORD).await;

    assert_eq!((res.status, res.problem_code().as_str()), (410, "gone"), "{}", res.body);
    assert!(sign_in(&ada.tenant, &ada.email, NEW_PASSWORD).await.is_none());
}

#[tokio::test]
async fn a_reset_whose_email_is_rejected_is_undone_and_the_older_link_still_works() {
    let (api, proxy) = TestApi::behind_ses_proxy().await;
    let ada = given_portal_user(&api, "t1").await;
    let older = reset_link_of(&api, &ada).await;
    proxy.take_sends();
    proxy.fail_next(1, SesFault::Reject);

    let res = send_reset(&api, &TestApi::admin("t1"), &ada.path()).await;

    assert_eq!((res.status, res.problem_code().as_str()), (502, "email-rejected"), "{}", res.body);
    let unsent = reset_token(&proxy.take_sends()[0].text).expect("the refused email's link");
    assert_eq!(accept(&api, &unsent, NEW_PASSWORD).await.status, 404, "the unsent link leads nowhere");
    assert_invariants(&api).await;
    assert_eq!(accept(&api, &older, NEW_PASSWORD).await.status, 200, "the delivered one still works");
    assert!(sign_in(&ada.tenant, &ada.email, NEW_PASSWORD).await.is_some());
}

#[tokio::test]
async fn a_password_reset_ends_the_sessions_the_old_password_opened() {
    // Given a contact signed in to its portal, whose session still refreshes
    let api = TestApi::new().await;
    let ada = given_signed_up(&api).await;
    let session = portal_sign_in::sign_in(&ada).await.expect("signs in");
    assert!(refresh(&session).await.is_ok(), "the session refreshes before the reset");

    // When it sets a new password through a reset link
    let token = reset_link_of(&api, &ada).await;
    assert_eq!(accept(&api, &token, NEW_PASSWORD).await.status, 200);

    // Then the old session no longer refreshes (the pool signed the user out everywhere), and
    // the new password signs in
    let refused = refresh(&session).await.expect_err("the old session is over");
    assert!(refused.contains("NotAuthorized"), "{refused}");
    assert!(sign_in(&ada.tenant, &ada.email, NEW_PASSWORD).await.is_some());
}
