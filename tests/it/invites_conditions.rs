//! When an invitation can be sent and accepted: the contact needs an email and its support
//! window, a change of email, a revocation or a deletion kills a pending one, a failed send
//! leaves nothing, and an invitation can come with the contact's creation.

use serde_json::{json, Value};
use shared::domain::dates::Clock;
use testkit::mail::messages_to;
use testkit::TestApi;

use crate::invites::{accept, given_invited};
use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

#[tokio::test]
async fn changing_the_email_revoking_or_deleting_kills_a_pending_invitation() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let (acme, moved, moved_token) = given_invited(&api, &unique_email("moved")).await;
    let (_, revoked, revoked_token) = given_invited(&api, &unique_email("revoked")).await;
    let (acme3, deleted, deleted_token) = given_invited(&api, &unique_email("deleted")).await;

    let changed =
        api.patch(&admin, &contact_path(&acme, &moved), json!({ "email": unique_email("elsewhere") })).await;
    let revoke = api
        .patch(
            &admin,
            &contact_path(revoked["client_id"].as_str().unwrap(), &revoked),
            json!({ "portal": { "status": "revoked" } }),
        )
        .await;
    let delete = api.delete(&admin, &contact_path(&acme3, &deleted)).await;

    assert_eq!(changed.json()["portal"]["status"], "none");
    assert_eq!(revoke.json()["portal"]["status"], "revoked");
    assert_eq!(delete.status, 204);
    for token in [moved_token, revoked_token, deleted_token] {
        assert_eq!(accept(&api, &token, "correct horse battery staple").await.status, 410);
    }
    assert_invariants(&api).await;
}

#[tokio::test]
async fn an_invitation_needs_an_email_and_the_support_window() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let phone_only =
        given_contact(&api, &admin, &acme, json!({ "last_name": "P", "phone": "+12025550143" })).await;
    let ended = given_contact(&api, &admin, &acme, json!({ "last_name": "E", "email": unique_email("ended"), "portal": { "support_end": "2020-01-31" } })).await;
    let future = given_contact(&api, &admin, &acme, json!({ "last_name": "F", "email": unique_email("future"), "portal": { "support_start": "2999-01-01" } })).await;

    for (c, code) in [(&phone_only, "no-email"), (&ended, "support-ended"), (&future, "support-not-started")]
    {
        let res = api.post(&admin, &format!("{}/invite", contact_path(&acme, c)), json!({})).await;
        assert_eq!(res.status, 409, "{code}");
        assert_eq!(res.problem_code(), code);
    }
}

#[tokio::test]
async fn a_failed_send_leaves_the_contact_as_it_was() {
    let api = TestApi::with_unreachable_email().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let c = given_contact(&api, &admin, &acme, json!({ "last_name": "L", "email": unique_email("nosend") }))
        .await;

    let res = api.post(&admin, &format!("{}/invite", contact_path(&acme, &c)), json!({})).await;

    assert_eq!(res.status, 503, "{}", res.body);
    assert_eq!(res.problem_code(), "email-unavailable");
    let after = api.get(&admin, &contact_path(&acme, &c)).await.json();
    assert_eq!(after["portal"]["status"], "none");
    assert_eq!(after["portal"]["invited_at"], Value::Null);
    let invites = api
        .scan()
        .await
        .into_iter()
        .filter(|i| i.get("entity").and_then(|e| e.as_s().ok()).map(String::as_str) == Some("invite"))
        .count();
    assert_eq!(invites, 0, "the unsent invitation is gone");
}

#[tokio::test]
async fn adding_a_contact_with_invite_true_sends_the_invitation() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let email = unique_email("atonce");

    let res = api
        .post(
            &admin,
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "L", "email": email, "invite": true }),
        )
        .await;
    let refused = api
        .post(
            &admin,
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "N", "phone": "+12025550143", "invite": true }),
        )
        .await;

    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.json()["portal"]["status"], "invited");
    assert_eq!(messages_to(&email).await.len(), 1);
    assert_eq!(refused.status, 409);
    assert_eq!(refused.problem_code(), "no-email");
    assert_eq!(
        api.get(&admin, &format!("/clients/{acme}")).await.json()["contact_count"],
        1,
        "nothing created when refused"
    );
}

async fn given_portal_dates(api: &TestApi, client: &str, contact: &Value, dates: Value) {
    let res =
        api.patch(&TestApi::admin("t1"), &contact_path(client, contact), json!({ "portal": dates })).await;
    assert_eq!(res.status, 200, "{}", res.body);
}

#[tokio::test]
async fn accepting_before_the_support_window_opens_is_refused_and_the_token_still_works_later() {
    let api = TestApi::new().await;
    let (acme, contact, token) = given_invited(&api, &unique_email("early")).await;
    let tomorrow = (api.clock.now().date() + time::Duration::days(1)).to_string();
    given_portal_dates(&api, &acme, &contact, json!({ "support_start": tomorrow })).await;

    let early = accept(&api, &token, "correct horse battery staple").await;

    assert_eq!(early.status, 409, "{}", early.body);
    assert_eq!(early.problem_code(), "support-not-started");
    let read = api.get(&TestApi::admin("t1"), &contact_path(&acme, &contact)).await.json();
    assert_eq!(read["portal"]["status"], "invited");
    api.clock.advance(time::Duration::days(1));
    assert_eq!(accept(&api, &token, "correct horse battery staple").await.status, 200, "open from its start");
}

#[tokio::test]
async fn accepting_after_the_support_window_closed_is_refused() {
    let api = TestApi::new().await;
    let (acme, contact, token) = given_invited(&api, &unique_email("closed")).await;
    let today = api.clock.now().date().to_string();
    given_portal_dates(&api, &acme, &contact, json!({ "support_end": today })).await;

    api.clock.advance(time::Duration::days(1));
    let late = accept(&api, &token, "correct horse battery staple").await;

    assert_eq!(late.status, 409, "{}", late.body);
    assert_eq!(late.problem_code(), "support-ended");
}

#[tokio::test]
async fn inviting_a_contact_who_already_uses_the_portal_is_409_portal_active() {
    let api = TestApi::new().await;
    let (acme, contact, token) = given_invited(&api, &unique_email("active")).await;
    assert_eq!(accept(&api, &token, "correct horse battery staple").await.status, 200);

    let again = api
        .post(&TestApi::admin("t1"), &format!("{}/invite", contact_path(&acme, &contact)), json!({}))
        .await;

    assert_eq!((again.status, again.problem_code().as_str()), (409, "portal-active"), "{}", again.body);
}
