//! The contact's portal user in the portal pool of the local Cognito emulator: accepting an
//! invitation sets its password (the table keeps none), and ending portal access (a revoke,
//! the sweep, a deletion) reaches the pool.

use aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use shared::domain::portal::portal_username;
use shared::domain::{Email, TenantId};
use shared::sweep::sweep;
use testkit::invariants::{violations, Rule};
use testkit::mail::{invite_token, messages_to};
use testkit::TestApi;
use time::Duration;

use crate::invites::{accept, given_invited};
use crate::support::{contact_path, day, given_client, given_contact, unique_email};

const PASSWORD: &str = "correct horse battery staple";

/// The name of the user of `tenant`'s contact at `email` (`portal_username`).
pub(crate) fn username(tenant: &str, email: &str) -> String {
    portal_username(&TenantId::parse(tenant).expect("a tenant"), &Email::parse(email).expect("an address"))
}

/// The user of `tenant`'s contact at `email`, if there is one.
pub(crate) async fn portal_user(tenant: &str, email: &str) -> Option<AdminGetUserOutput> {
    let pool = &testkit::sign_in::pools().await.portal;
    let found = testkit::cognito::client()
        .await
        .admin_get_user()
        .user_pool_id(&pool.pool_id)
        .username(username(tenant, email))
        .send()
        .await;
    match found {
        Ok(user) => Some(user),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_user_not_found_exception()) => None,
        Err(e) => panic!("AdminGetUser: {e:?}"),
    }
}

/// The claims of the ID token the portal pool gives `tenant`'s contact at `email` for
/// `password`, if any: the sign-in a portal front end makes.
pub(crate) async fn sign_in(tenant: &str, email: &str, password: &str) -> Option<Value> {
    let pool = &testkit::sign_in::pools().await.portal;
    let client = testkit::cognito::client().await;
    let token =
        local_cognito::users::sign_in(&client, pool, &username(tenant, email), password).await.ok()?;
    let payload = token.split('.').nth(1).expect("a JWT");
    Some(serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON claims"))
}

async fn enabled(tenant: &str, email: &str) -> bool {
    portal_user(tenant, email).await.expect("a portal user").enabled()
}

#[tokio::test]
async fn accepting_lets_the_contact_sign_in_to_the_portal_pool_as_itself() {
    let api = TestApi::new().await;
    let email = unique_email("signin");
    let (acme, ada, token) = given_invited(&api, &email).await;

    let res = accept(&api, &token, PASSWORD).await;

    assert_eq!(res.status, 200, "{}", res.body);
    let claims = sign_in("t1", &email, PASSWORD).await.expect("the chosen password signs in");
    assert_eq!(claims["email"], email.as_str());
    assert_eq!(claims["custom:tenant_id"], "t1");
    assert_eq!(claims["custom:client_id"], acme.as_str());
    assert_eq!(claims["custom:contact_id"], ada["id"]);
    assert!(sign_in("t1", &email, "another long password").await.is_none());
}

#[tokio::test]
async fn a_weak_password_is_422_and_creates_no_portal_user() {
    let api = TestApi::new().await;
    let email = unique_email("weakuser");
    let (_, _, token) = given_invited(&api, &email).await;

    let res = accept(&api, &token, " too short ").await;

    assert_eq!((res.status, res.problem_code().as_str()), (422, "validation-failed"), "{}", res.body);
    assert_eq!(res.json()["errors"][0]["field"], "password");
    assert!(portal_user("t1", &email).await.is_none());
}

#[tokio::test]
async fn accepting_a_used_invitation_is_410_and_keeps_the_first_password() {
    let api = TestApi::new().await;
    let email = unique_email("reused");
    let (_, _, token) = given_invited(&api, &email).await;
    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);

    let again = accept(&api, &token, "a different long password").await;

    assert_eq!(again.status, 410);
    assert!(sign_in("t1", &email, PASSWORD).await.is_some());
    assert!(sign_in("t1", &email, "a different long password").await.is_none());
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
    assert!(enabled("t1", &email).await);

    let res = api
        .patch(
            &TestApi::admin("t1"),
            &contact_path(&acme, &ada),
            json!({ "portal": { "status": "revoked" } }),
        )
        .await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert!(!enabled("t1", &email).await);
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
    assert!(enabled("t1", &email).await);
    assert!(sign_in("t1", &email, "my second long password").await.is_some());
}

#[tokio::test]
async fn deleting_the_contact_removes_its_portal_user() {
    let api = TestApi::new().await;
    let email = unique_email("deleteuser");
    let (acme, ada, token) = given_invited(&api, &email).await;
    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);

    let res = api.delete(&TestApi::admin("t1"), &contact_path(&acme, &ada)).await;

    assert_eq!(res.status, 204);
    assert!(portal_user("t1", &email).await.is_none());
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
    assert!(!enabled("t1", &email).await);
}

/// Invites the contact at `path` as an administrator of `tenant` and accepts the invitation
/// its address receives with `password`.
async fn invite_and_accept(api: &TestApi, tenant: &str, path: &str, email: &str, password: &str) {
    let invited = api.post(&TestApi::admin(tenant), &format!("{path}/invite"), json!({})).await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    let text = messages_to(email).await.last().unwrap()["body"]["text"].as_str().unwrap().to_owned();
    let accepted = accept(api, &invite_token(&text).unwrap(), password).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
}

#[tokio::test]
async fn an_email_change_ends_portal_access_until_the_new_address_accepts_a_new_invitation() {
    // Given a contact that uses the portal
    let api = TestApi::new().await;
    let (old, new) = (unique_email("oldaddr"), unique_email("newaddr"));
    let (acme, ada, token) = given_invited(&api, &old).await;
    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);
    let path = contact_path(&acme, &ada);

    // When an administrator changes its address
    let res = api.patch(&TestApi::admin("t1"), &path, json!({ "email": new })).await;

    // Then neither address signs in, its user is gone, and it needs a new invitation
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["portal"]["status"], "revoked");
    assert!(sign_in("t1", &old, PASSWORD).await.is_none(), "the old address no longer signs in");
    assert!(sign_in("t1", &new, PASSWORD).await.is_none(), "nothing was moved to the new address");
    assert!(portal_user("t1", &old).await.is_none());
    // ... until the new address accepts a new invitation
    invite_and_accept(&api, "t1", &path, &new, "the new address's password").await;
    let claims = sign_in("t1", &new, "the new address's password").await.expect("the new address signs in");
    assert_eq!(claims["custom:contact_id"], ada["id"]);
    assert_eq!(claims["email"], new.as_str());
}

#[tokio::test]
async fn clearing_the_email_ends_portal_access_and_the_old_address_no_longer_signs_in() {
    // Given a contact that uses the portal and has a mobile number
    let api = TestApi::new().await;
    let email = unique_email("cleared");
    let (acme, ada, token) = given_invited(&api, &email).await;
    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);
    let path = contact_path(&acme, &ada);
    let admin = TestApi::admin("t1");
    assert_eq!(api.patch(&admin, &path, json!({ "mobile": "+1 202 555 0101" })).await.status, 200);
    let portal = TestApi::portal_user("t1", &acme, ada["id"].as_str().unwrap());

    // When an administrator clears its address (the person left the client)
    let res = api.patch(&admin, &path, json!({ "email": null })).await;

    // Then the old address and password no longer sign in, and a token still in hand opens nothing
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["portal"]["status"], "revoked");
    assert!(sign_in("t1", &email, PASSWORD).await.is_none());
    assert!(portal_user("t1", &email).await.is_none(), "its user is gone, not left for later calls to skip");
    let me = api.get(&portal, "/portal/me").await;
    assert_eq!((me.status, me.problem_code().as_str()), (403, "portal-not-active"), "{}", me.body);
}

#[tokio::test]
async fn one_address_uses_the_portal_of_each_tenant_that_invites_it_and_sees_its_own_profile_there() {
    // Given one person who is a contact of two tenants, under one address
    let api = TestApi::new().await;
    let email = unique_email("shared");
    let (_, ada, token) = given_invited(&api, &email).await;
    let other = TestApi::admin("t2");
    let globex = given_client(&api, &other, "Globex").await;
    let twin = given_contact(&api, &other, &globex, json!({ "last_name": "Twin", "email": email })).await;

    // When both tenants invite it and it accepts both, with two passwords
    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);
    invite_and_accept(&api, "t2", &contact_path(&globex, &twin), &email, "the twin's long password").await;

    // Then it signs in at each tenant's portal as that tenant's contact, with that password
    let at_t1 = sign_in("t1", &email, PASSWORD).await.expect("signs in at t1");
    let at_t2 = sign_in("t2", &email, "the twin's long password").await.expect("signs in at t2");
    assert_eq!((at_t1["custom:tenant_id"].as_str(), &at_t1["custom:contact_id"]), (Some("t1"), &ada["id"]));
    assert_eq!((at_t2["custom:tenant_id"].as_str(), &at_t2["custom:contact_id"]), (Some("t2"), &twin["id"]));
    assert!(sign_in("t2", &email, PASSWORD).await.is_none(), "t1's password does not open t2's portal");
    // ... and each portal shows that tenant's profile only
    let me = api.get(&TestApi::portal_user("t2", &globex, twin["id"].as_str().unwrap()), "/portal/me").await;
    assert_eq!((me.status, &me.json()["id"]), (200, &twin["id"]), "{}", me.body);
}

#[tokio::test]
async fn a_tenant_moving_its_contact_onto_an_address_another_tenant_uses_blocks_nobody() {
    // Given t1's contact using the portal at an address, and t2's contact using it at another
    let api = TestApi::new().await;
    let (taken, elsewhere) = (unique_email("taken"), unique_email("elsewhere"));
    let (_, ada, token) = given_invited(&api, &taken).await;
    assert_eq!(accept(&api, &token, PASSWORD).await.status, 200);
    let other = TestApi::admin("t2");
    let globex = given_client(&api, &other, "Globex").await;
    let mallory = given_contact(&api, &other, &globex, json!({ "last_name": "M", "email": elsewhere })).await;
    let path = contact_path(&globex, &mallory);
    invite_and_accept(&api, "t2", &path, &elsewhere, "mallory's long password").await;

    // When t2 moves its contact onto t1's contact's address and has it invited and accepted
    assert_eq!(api.patch(&other, &path, json!({ "email": taken })).await.status, 200);
    invite_and_accept(&api, "t2", &path, &taken, "mallory's new long password").await;

    // Then t1's contact still signs in as itself, and a third tenant can still invite the address
    let claims = sign_in("t1", &taken, PASSWORD).await.expect("t1's contact still signs in");
    assert_eq!((claims["custom:tenant_id"].as_str(), &claims["custom:contact_id"]), (Some("t1"), &ada["id"]));
    assert!(enabled("t1", &taken).await);
    let third = TestApi::admin("t3");
    let initech = given_client(&api, &third, "Initech").await;
    let peter = given_contact(&api, &third, &initech, json!({ "last_name": "P", "email": taken })).await;
    invite_and_accept(&api, "t3", &contact_path(&initech, &peter), &taken, "the third long password").await;
    assert_eq!(
        sign_in("t3", &taken, "the third long password").await.expect("t3 signs in")["custom:tenant_id"],
        "t3"
    );
}

#[tokio::test]
async fn a_stale_user_left_under_an_address_is_replaced_when_its_new_holder_accepts() {
    // Given a user of a contact that left its address, whose removal failed (made here by hand)
    let api = TestApi::new().await;
    let email = unique_email("stale");
    let pool = &testkit::sign_in::pools().await.portal;
    let cognito = testkit::cognito::client().await;
    let attribute = |n: &str, v: &str| AttributeType::builder().name(n).value(v).build().unwrap();
    let stale_contact = ulid::Ulid::new().to_string();
    cognito
        .admin_create_user()
        .user_pool_id(&pool.pool_id)
        .username(username("t1", &email))
        .message_action(MessageActionType::Suppress)
        .user_attributes(attribute("email", &email))
        .user_attributes(attribute("custom:tenant_id", "t1"))
        .user_attributes(attribute("custom:client_id", &ulid::Ulid::new().to_string()))
        .user_attributes(attribute("custom:contact_id", &stale_contact))
        .send()
        .await
        .unwrap();

    // When the contact that holds the address now accepts its invitation
    let (_, ada, token) = given_invited(&api, &email).await;
    let res = accept(&api, &token, PASSWORD).await;

    // Then it is accepted, and the address signs in as that contact
    assert_eq!(res.status, 200, "{}", res.body);
    let claims = sign_in("t1", &email, PASSWORD).await.expect("the new holder signs in");
    assert_eq!(claims["custom:contact_id"], ada["id"]);
}
