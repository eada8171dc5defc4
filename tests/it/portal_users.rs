//! The contact's portal user in the portal pool of the local Cognito emulator: accepting an
//! invitation sets its password (the table keeps none), and ending portal access (a revoke,
//! the sweep, a deletion) reaches the pool.

use aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use shared::sweep::sweep;
use testkit::invariants::{violations, Rule};
use testkit::mail::{invite_token, messages_to};
use testkit::TestApi;
use time::Duration;

use crate::invites::{accept, given_invited};
use crate::support::{contact_path, day, given_client, given_contact, unique_email};

const PASSWORD: &str = "correct horse battery staple";

/// The user that signs in with `email`, if there is one.
async fn portal_user(email: &str) -> Option<AdminGetUserOutput> {
    let pool = &testkit::sign_in::pools().await.portal;
    let found = testkit::cognito::client()
        .await
        .admin_get_user()
        .user_pool_id(&pool.pool_id)
        .username(email)
        .send()
        .await;
    match found {
        Ok(user) => Some(user),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_user_not_found_exception()) => None,
        Err(e) => panic!("AdminGetUser: {e:?}"),
    }
}

/// The claims of the ID token the portal pool gives for `email` and `password`, if any.
pub(crate) async fn sign_in(email: &str, password: &str) -> Option<Value> {
    let pool = &testkit::sign_in::pools().await.portal;
    let token =
        local_cognito::users::sign_in(&testkit::cognito::client().await, pool, email, password).await.ok()?;
    let payload = token.split('.').nth(1).expect("a JWT");
    Some(serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON claims"))
}

async fn enabled(email: &str) -> bool {
    portal_user(email).await.expect("a portal user").enabled()
}

#[tokio::test]
async fn accepting_lets_the_contact_sign_in_to_the_portal_pool_as_itself() {
    let api = TestApi::new().await;
    let email = unique_email("signin");
    let (acme, ada, token) = given_invited(&api, &email).await;

    let res = accept(&api, &token, PASSWORD).await;

    assert_eq!(res.status, 200, "{}", res.body);
    let claims = sign_in(&email, PASSWORD).await.expect("the chosen password signs in");
    assert_eq!(claims["email"], email.as_str());
    assert_eq!(claims["custom:tenant_id"], "t1");
    assert_eq!(claims["custom:client_id"], acme.as_str());
    assert_eq!(claims["custom:contact_id"], ada["id"]);
    assert!(sign_in(&email, "another long password").await.is_none());
}

#[tokio::test]
async fn a_weak_password_is_422_and_creates_no_portal_user() {
    let api = TestApi::new().await;
    let email = unique_email("weakuser");
    let (_, _, token) = given_invited(&api, &email).await;

    let res = accept(&api, &token, " too short ").await;

    assert_eq!((res.status, res.problem_code().as_str()), (422, "validation-failed"), "{}", res.body);
    assert_eq!(res.json()["errors"][0]["field"], "password");
    assert!(portal_user(&email).await.is_none());
}

#[tokio::test]
async fn accepting_a_used_invitation_is_410_and_keeps_the_first_password() {
    let api = TestApi::new().await;
    let email = unique_email("reused");
    let (_, _, token) = given_invited(&api, &email).await;
    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);

    let again = accept(&api, &token, "a different long password").await;

    assert_eq!(again.status, 410);
    assert!(sign_in(&email, PASSWORD).await.is_some());
    assert!(sign_in(&email, "a different long password").await.is_none());
}

#[tokio::test]
async fn the_table_keeps_no_password_material() {
    let api = TestApi::new().await;
    let (_, _, token) = given_invited(&api, &unique_email("nohash")).await;

    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);

    let items = api.scan().await;
    let keys: Vec<String> =
        items.iter().filter_map(|i| i.get("PK").and_then(|v| v.as_s().ok()).cloned()).collect();
    assert!(keys.iter().all(|pk| !pk.contains("CREDENTIAL")), "{keys:?}");
    assert!(!format!("{items:?}").contains(PASSWORD));
    assert!(violations(&items).iter().all(|v| v.rule != Rule::NoPassword));
}

#[tokio::test]
async fn revoking_portal_access_disables_the_portal_user() {
    let api = TestApi::new().await;
    let email = unique_email("revokeuser");
    let (acme, ada, token) = given_invited(&api, &email).await;
    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);
    assert!(enabled(&email).await);

    let res = api
        .patch(
            &TestApi::admin("t1"),
            &contact_path(&acme, &ada),
            json!({ "portal": { "status": "revoked" } }),
        )
        .await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert!(!enabled(&email).await);
}

#[tokio::test]
async fn a_contact_invited_again_after_a_revoke_gets_its_user_back_with_the_new_password() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let email = unique_email("again");
    let (acme, ada, token) = given_invited(&api, &email).await;
    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);
    let path = contact_path(&acme, &ada);
    api.patch(&admin, &path, json!({ "portal": { "status": "revoked" } })).await;
    assert_eq!(api.post(&admin, &format!("{path}/invite"), json!({})).await.status, 202);
    let text = messages_to(&email).await.last().unwrap()["body"]["text"].as_str().unwrap().to_owned();

    let res = accept(&api, &invite_token(&text).unwrap(), "my second long password").await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert!(enabled(&email).await);
    assert!(sign_in(&email, "my second long password").await.is_some());
}

#[tokio::test]
async fn deleting_the_contact_removes_its_portal_user() {
    let api = TestApi::new().await;
    let email = unique_email("deleteuser");
    let (acme, ada, token) = given_invited(&api, &email).await;
    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);

    let res = api.delete(&TestApi::admin("t1"), &contact_path(&acme, &ada)).await;

    assert_eq!(res.status, 204);
    assert!(portal_user(&email).await.is_none());
}

#[tokio::test]
async fn the_sweep_disables_the_user_of_a_contact_whose_support_ended() {
    let api = TestApi::new().await;
    let email = unique_email("sweepuser");
    let (acme, ada, token) = given_invited(&api, &email).await;
    let res = api
        .patch(
            &TestApi::admin("t1"),
            &contact_path(&acme, &ada),
            json!({ "portal": { "support_end": day(1) } }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);

    api.clock.advance(Duration::days(3));
    let report = sweep(&api.app, None).await.unwrap();

    assert_eq!(report.revoked, 1, "{report:?}");
    assert!(!enabled(&email).await);
}

#[tokio::test]
async fn an_email_change_moves_the_portal_user_to_the_new_address() {
    let api = TestApi::new().await;
    let (old, new) = (unique_email("oldaddr"), unique_email("newaddr"));
    let (acme, ada, token) = given_invited(&api, &old).await;
    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);

    let res = api.patch(&TestApi::admin("t1"), &contact_path(&acme, &ada), json!({ "email": new })).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        sign_in(&new, PASSWORD).await.expect("signs in at the new address")["custom:contact_id"],
        ada["id"]
    );
    assert!(portal_user(&old).await.is_none(), "the old address is free");
}

#[tokio::test]
async fn a_portal_user_of_another_tenants_contact_is_never_taken_over() {
    // Given a contact of t1 that uses the portal, and a contact of t2 with the same address
    let api = TestApi::new().await;
    let email = unique_email("shared");
    let (_, ada, token) = given_invited(&api, &email).await;
    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);
    let other = TestApi::admin("t2");
    let globex = given_client(&api, &other, "Globex").await;
    let twin = given_contact(&api, &other, &globex, json!({ "last_name": "Twin", "email": email })).await;
    assert_eq!(
        api.post(&other, &format!("{}/invite", contact_path(&globex, &twin)), json!({})).await.status,
        202
    );
    let text = messages_to(&email).await.last().unwrap()["body"]["text"].as_str().unwrap().to_owned();

    // When t2's contact accepts, and t2 then deletes its contact
    let res = accept(&api, &invite_token(&text).unwrap(), "the twin's long password").await;
    api.delete(&other, &contact_path(&globex, &twin)).await;

    // Then the accept is refused, and t1's contact still signs in as itself
    assert_eq!((res.status, res.problem_code().as_str()), (409, "portal-user-taken"), "{}", res.body);
    let claims = sign_in(&email, PASSWORD).await.expect("t1's contact still signs in");
    assert_eq!((claims["custom:tenant_id"].as_str(), &claims["custom:contact_id"]), (Some("t1"), &ada["id"]));
    assert!(enabled(&email).await);
}
