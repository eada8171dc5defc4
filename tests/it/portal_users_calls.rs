//! Which changes ask the portal pool about a contact's user. A user is made only by accepting
//! an invitation, so a contact never invited has none, and deleting it or changing its email
//! asks the pool nothing. The pool here cannot be reached: each call the service makes to it
//! shows as the warning `portal_users` logs when a user could not be updated.

use serde_json::{json, Value};
use testkit::TestApi;

use crate::support::{contact_path, given_client, given_contact, unique_email};

const POOL_WARNING: &str = "portal user not updated";

/// A contact of a new client, with an address, on an app whose portal pool is unreachable.
async fn given_contact_with_unreachable_pool() -> (TestApi, String, Value) {
    let api = TestApi::with_unreachable_portal_pool().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let ada =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Ada", "email": unique_email("ada") })).await;
    (api, acme, ada)
}

async fn invite(api: &TestApi, acme: &str, contact: &Value) {
    let res =
        api.post(&TestApi::admin("t1"), &format!("{}/invite", contact_path(acme, contact)), json!({})).await;
    assert_eq!(res.status, 202, "{}", res.body);
}

async fn change_email(api: &TestApi, acme: &str, contact: &Value) {
    let body = json!({ "email": unique_email("ada.moved") });
    let res = api.patch(&TestApi::admin("t1"), &contact_path(acme, contact), body).await;
    assert_eq!(res.status, 200, "{}", res.body);
}

async fn delete(api: &TestApi, acme: &str, contact: &Value) {
    let res = api.delete(&TestApi::admin("t1"), &contact_path(acme, contact)).await;
    assert_eq!(res.status, 204, "{}", res.body);
}

#[tokio::test]
async fn deleting_a_contact_never_invited_asks_the_portal_pool_nothing() {
    // Given a contact that was never invited (a current-thread runtime: the handler logs here)
    let logs = testkit::logs::capture_this_thread();
    let (api, acme, ada) = given_contact_with_unreachable_pool().await;
    // When it is deleted
    delete(&api, &acme, &ada).await;
    // Then the pool was not called
    assert!(!logs.text().contains(POOL_WARNING), "{}", logs.text());
}

#[tokio::test]
async fn changing_the_email_of_a_contact_never_invited_asks_the_portal_pool_nothing() {
    let logs = testkit::logs::capture_this_thread();
    let (api, acme, ada) = given_contact_with_unreachable_pool().await;
    change_email(&api, &acme, &ada).await;
    assert!(!logs.text().contains(POOL_WARNING), "{}", logs.text());
}

#[tokio::test]
async fn deleting_an_invited_contact_still_asks_the_portal_pool_for_its_user() {
    // Given a contact that was invited (it may have accepted, making a user)
    let logs = testkit::logs::capture_this_thread();
    let (api, acme, ada) = given_contact_with_unreachable_pool().await;
    invite(&api, &acme, &ada).await;
    // When it is deleted
    delete(&api, &acme, &ada).await;
    // Then the pool was asked for its user
    assert!(logs.text().contains(POOL_WARNING), "{}", logs.text());
}

#[tokio::test]
async fn changing_the_email_of_an_invited_contact_still_asks_the_portal_pool_for_its_user() {
    let logs = testkit::logs::capture_this_thread();
    let (api, acme, ada) = given_contact_with_unreachable_pool().await;
    invite(&api, &acme, &ada).await;
    change_email(&api, &acme, &ada).await;
    assert!(logs.text().contains(POOL_WARNING), "{}", logs.text());
}
