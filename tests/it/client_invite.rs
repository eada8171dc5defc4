//! Inviting a client (the service desk's "Invite" button: "Email with a temporary password to
//! the Client Portal will be then sent to the primary contact of the client. If the 'Invite'
//! button is not available, it means that the client email is missing"), and inactive
//! clients, whose contacts cannot be invited.

use serde_json::json;
use testkit::mail::messages_to;
use testkit::{Caller, TestApi};

use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

fn admin() -> Caller {
    TestApi::admin("t1")
}

async fn deactivate(api: &TestApi, client: &str) {
    let res = api.patch(&admin(), &format!("/clients/{client}"), json!({ "status": "inactive" })).await;
    assert_eq!(res.status, 200, "{}", res.body);
}

#[tokio::test]
async fn inviting_a_client_invites_its_primary_contact() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let (first, second) = (unique_email("primary"), unique_email("other"));
    let primary = given_contact(&api, &admin(), &acme, json!({ "last_name": "P", "email": first })).await;
    given_contact(&api, &admin(), &acme, json!({ "last_name": "O", "email": second })).await;

    let res = api.post(&admin(), &format!("/clients/{acme}/invite"), json!({})).await;

    assert_eq!(res.status, 202, "{}", res.body);
    assert_eq!(res.json()["contact_id"], primary["id"]);
    assert_eq!(messages_to(&first).await.len(), 1);
    assert!(messages_to(&second).await.is_empty());
    assert_eq!(api.get(&admin(), &contact_path(&acme, &primary)).await.json()["portal"]["status"], "invited");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn inviting_a_client_without_contacts_is_409_no_primary_contact() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;

    let res = api.post(&admin(), &format!("/clients/{acme}/invite"), json!({})).await;

    assert_eq!(res.status, 409);
    assert_eq!(res.problem_code(), "no-primary-contact");
}

#[tokio::test]
async fn inviting_a_client_whose_primary_has_no_email_is_409_no_email() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    given_contact(&api, &admin(), &acme, json!({ "last_name": "P", "phone": "+12025550100" })).await;

    let res = api.post(&admin(), &format!("/clients/{acme}/invite"), json!({})).await;

    assert_eq!(res.status, 409);
    assert_eq!(res.problem_code(), "no-email");
}

#[tokio::test]
async fn inviting_another_tenants_client_is_404() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    given_contact(&api, &admin(), &acme, json!({ "last_name": "P", "email": unique_email("p") })).await;

    let res = api.post(&TestApi::admin("t2"), &format!("/clients/{acme}/invite"), json!({})).await;

    assert_eq!(res.status, 404);
}

#[tokio::test]
async fn a_reader_cannot_invite_a_client() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;

    let res = api.post(&TestApi::reader("t1"), &format!("/clients/{acme}/invite"), json!({})).await;

    assert_eq!(res.status, 403);
}

#[tokio::test]
async fn inviting_a_client_takes_no_options() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;

    let res = api.post(&admin(), &format!("/clients/{acme}/invite"), json!({ "contact_id": "x" })).await;

    assert_eq!(res.status, 422);
    assert_eq!(res.invalid_fields(), ["body"]);
}

#[tokio::test]
async fn an_inactive_client_cannot_be_invited() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let email = unique_email("p");
    given_contact(&api, &admin(), &acme, json!({ "last_name": "P", "email": email })).await;
    deactivate(&api, &acme).await;

    let res = api.post(&admin(), &format!("/clients/{acme}/invite"), json!({})).await;

    assert_eq!(res.status, 409);
    assert_eq!(res.problem_code(), "client-inactive");
    assert!(messages_to(&email).await.is_empty());
}

#[tokio::test]
async fn a_contact_of_an_inactive_client_cannot_be_invited() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let email = unique_email("p");
    let c = given_contact(&api, &admin(), &acme, json!({ "last_name": "P", "email": email })).await;
    deactivate(&api, &acme).await;

    let res = api.post(&admin(), &format!("{}/invite", contact_path(&acme, &c)), json!({})).await;

    assert_eq!(res.status, 409);
    assert_eq!(res.problem_code(), "client-inactive");
    assert_eq!(api.get(&admin(), &contact_path(&acme, &c)).await.json()["portal"]["status"], "none");
    assert!(messages_to(&email).await.is_empty());
}

#[tokio::test]
async fn a_contact_added_with_invite_to_an_inactive_client_is_added_uninvited_and_told_why() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    deactivate(&api, &acme).await;

    let body = json!({ "last_name": "P", "email": unique_email("p"), "invite": true });
    let res = api.post(&admin(), &format!("/clients/{acme}/contacts"), body).await;

    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.header("invite-error"), Some("client-inactive"));
    assert_eq!(res.json()["portal"]["status"], "none");
}
