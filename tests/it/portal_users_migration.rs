//! `portal-users-migrate` (`ops::migrate`): the users of a portal pool made before
//! tenant-scoped usernames, named by email, on the Cognito emulator beside the stack's pools.
//! A contact that still uses the portal at its old user's address gets a reset link, whose
//! accept makes its user in the new pool; everyone else is skipped.

use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, AttributeType, MessageActionType, SchemaAttributeType, UsernameAttributeType,
};
use ops::migrate::{migrate, old_users, OldUser, Outcome};
use serde_json::json;
use testkit::mail::{messages_to, reset_token};
use testkit::TestApi;

use crate::invites::accept;
use crate::portal::{given_portal_user, PortalUser};
use crate::portal_users::{sign_in, username};

/// A pool as the template made it before: usernames are email addresses.
async fn given_old_pool() -> String {
    let custom = |name: &str| {
        SchemaAttributeType::builder()
            .name(name)
            .attribute_data_type(AttributeDataType::String)
            .mutable(false)
            .build()
    };
    let pool = testkit::cognito::client()
        .await
        .create_user_pool()
        .pool_name(format!("old-portal-{}", ulid::Ulid::new()))
        .username_attributes(UsernameAttributeType::Email)
        .schema(custom("tenant_id"))
        .schema(custom("client_id"))
        .schema(custom("contact_id"))
        .send()
        .await
        .unwrap();
    pool.user_pool().and_then(|p| p.id()).unwrap().to_owned()
}

/// A user of the old pool for `tenant`'s contact `contact` of `client`, signing in with `email`.
async fn given_old_user(pool: &str, email: &str, tenant: &str, client: &str, contact: &str) {
    let attribute = |n: &str, v: &str| AttributeType::builder().name(n).value(v).build().unwrap();
    testkit::cognito::client()
        .await
        .admin_create_user()
        .user_pool_id(pool)
        .username(email)
        .message_action(MessageActionType::Suppress)
        .user_attributes(attribute("email", email))
        .user_attributes(attribute("custom:tenant_id", tenant))
        .user_attributes(attribute("custom:client_id", client))
        .user_attributes(attribute("custom:contact_id", contact))
        .send()
        .await
        .unwrap();
}

/// A contact that uses the portal, whose user is in the old pool only (the new pool starts empty).
async fn given_contact_of_the_old_pool(api: &TestApi, pool: &str) -> PortalUser {
    let ada = given_portal_user(api, "t1").await;
    let new_pool = &testkit::sign_in::pools().await.portal;
    let delete = testkit::cognito::client().await.admin_delete_user().user_pool_id(&new_pool.pool_id);
    delete.username(username("t1", &ada.email)).send().await.unwrap();
    given_old_user(pool, &ada.email, "t1", &ada.client, ada.id()).await;
    ada
}

async fn the_old_user(pool: &str, email: &str) -> OldUser {
    let users = old_users(&testkit::cognito::client().await, pool).await.unwrap();
    users.into_iter().find(|u| u.email.as_deref() == Some(email)).expect("the old user")
}

#[tokio::test]
async fn a_contact_still_using_the_portal_gets_a_reset_whose_accept_makes_its_user_in_the_new_pool() {
    // Given a contact using the portal whose user is in the old pool
    let api = TestApi::new().await;
    let pool = given_old_pool().await;
    let ada = given_contact_of_the_old_pool(&api, &pool).await;
    let mails_before = messages_to(&ada.email).await.len();

    // When the migration runs with --send
    let outcome = migrate(&api.app, &the_old_user(&pool, &ada.email).await, true).await;

    // Then a reset link went to its address, and accepting it lets it sign in to the new pool
    assert_eq!(outcome, Outcome::ResetSent);
    let mail = messages_to(&ada.email).await;
    assert_eq!(mail.len(), mails_before + 1);
    let token = reset_token(mail.last().unwrap()["body"]["text"].as_str().unwrap()).expect("a reset link");
    assert_eq!(accept(&api, &token, "my migrated long password").await.status, 200);
    let claims =
        sign_in("t1", &ada.email, "my migrated long password").await.expect("signs in to the new pool");
    assert_eq!(claims["custom:contact_id"], ada.id());
}

#[tokio::test]
async fn without_send_the_migration_only_says_what_is_due() {
    // Given a contact using the portal whose user is in the old pool
    let api = TestApi::new().await;
    let pool = given_old_pool().await;
    let ada = given_contact_of_the_old_pool(&api, &pool).await;
    let mails_before = messages_to(&ada.email).await.len();

    // When the migration runs without --send
    let outcome = migrate(&api.app, &the_old_user(&pool, &ada.email).await, false).await;

    // Then the reset is due, and no email went out
    assert_eq!(outcome, Outcome::ResetDue);
    assert_eq!(messages_to(&ada.email).await.len(), mails_before);
}

#[tokio::test]
async fn users_whose_contacts_left_the_portal_or_the_address_are_skipped_without_email() {
    // Given old users of a deleted contact, of a revoked one, and of one whose address changed
    let api = TestApi::new().await;
    let pool = given_old_pool().await;
    let admin = TestApi::admin("t1");
    let gone = given_portal_user(&api, "t1").await;
    assert_eq!(api.delete(&admin, &gone.path()).await.status, 204);
    let revoked = given_portal_user(&api, "t1").await;
    let revoke = json!({ "portal": { "status": "revoked" } });
    assert_eq!(api.patch(&admin, &revoked.path(), revoke).await.status, 200);
    let moved = given_portal_user(&api, "t1").await;
    let old_address = crate::support::unique_email("moved.old");
    for user in [&gone, &revoked] {
        given_old_user(&pool, &user.email, "t1", &user.client, user.id()).await;
    }
    given_old_user(&pool, &old_address, "t1", &moved.client, moved.id()).await;

    // When the migration runs with --send
    let mut outcomes = Vec::new();
    for email in [&gone.email, &revoked.email, &old_address] {
        outcomes.push(migrate(&api.app, &the_old_user(&pool, email).await, true).await);
    }

    // Then each is skipped with its reason, and none got an email
    assert_eq!(
        outcomes,
        [
            Outcome::Skipped("its contact was deleted"),
            Outcome::Skipped("its contact no longer uses the portal"),
            Outcome::Skipped("its contact's address changed"),
        ]
    );
    assert!(messages_to(&old_address).await.is_empty());
}
