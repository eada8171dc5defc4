//! Exactly one primary contact per client that has contacts.

use serde_json::{json, Value};
use testkit::TestApi;

use crate::support::{assert_invariants, contact_path, given_client, given_contact};

/// A client "Acme" with two contacts added in turn, "First" then "Second":
/// (client id, first, second).
async fn given_two_contacts(api: &TestApi, admin: &testkit::Caller) -> (String, Value, Value) {
    let acme = given_client(api, admin, "Acme").await;
    let first = given_contact(api, admin, &acme, json!({ "last_name": "First", "email": "1@x.test" })).await;
    let second =
        given_contact(api, admin, &acme, json!({ "last_name": "Second", "email": "2@x.test" })).await;
    (acme, first, second)
}

#[tokio::test]
async fn the_first_contact_becomes_primary_and_later_ones_do_not() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;

    let first =
        given_contact(&api, &admin, &acme, json!({ "last_name": "First", "email": "1@x.test" })).await;
    let second =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Second", "email": "2@x.test" })).await;

    assert_eq!(first["is_primary"], true);
    assert_eq!(second["is_primary"], false);
    assert_eq!(api.get(&admin, &format!("/clients/{acme}")).await.json()["primary_contact_id"], first["id"]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn making_another_contact_primary_moves_the_role() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let (acme, first, second) = given_two_contacts(&api, &admin).await;

    let res = api.patch(&admin, &contact_path(&acme, &second), json!({ "is_primary": true })).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["is_primary"], true);
    assert_eq!(api.get(&admin, &contact_path(&acme, &first)).await.json()["is_primary"], false);
    assert_eq!(api.get(&admin, &format!("/clients/{acme}")).await.json()["primary_contact_id"], second["id"]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn adding_a_contact_as_primary_moves_the_role() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let first =
        given_contact(&api, &admin, &acme, json!({ "last_name": "First", "email": "1@x.test" })).await;

    let boss = given_contact(
        &api,
        &admin,
        &acme,
        json!({ "last_name": "Boss", "email": "b@x.test", "is_primary": true }),
    )
    .await;

    assert_eq!(boss["is_primary"], true);
    assert_eq!(api.get(&admin, &contact_path(&acme, &first)).await.json()["is_primary"], false);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn unsetting_the_primary_is_409_primary_required() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let first =
        given_contact(&api, &admin, &acme, json!({ "last_name": "First", "email": "1@x.test" })).await;

    let res = api.patch(&admin, &contact_path(&acme, &first), json!({ "is_primary": false })).await;

    assert_eq!(res.status, 409);
    assert_eq!(res.problem_code(), "primary-required");
}

#[tokio::test]
async fn deleting_the_primary_while_others_remain_is_409() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let (acme, first, second) = given_two_contacts(&api, &admin).await;

    let res = api.delete(&admin, &contact_path(&acme, &first)).await;
    assert_eq!(res.status, 409);
    assert_eq!(res.problem_code(), "primary-required");

    assert_eq!(api.delete(&admin, &contact_path(&acme, &second)).await.status, 204, "non-primary goes");
    assert_eq!(api.delete(&admin, &contact_path(&acme, &first)).await.status, 204, "the last contact goes");
    let client = api.get(&admin, &format!("/clients/{acme}")).await.json();
    assert_eq!(client["contact_count"], 0);
    assert_eq!(client["primary_contact_id"], json!(null));
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_contact_can_become_primary_and_report_to_the_old_primary_in_one_patch() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let (acme, first, second) = given_two_contacts(&api, &admin).await;

    let res = api
        .patch(
            &admin,
            &contact_path(&acme, &second),
            json!({ "is_primary": true, "line_manager_id": first["id"] }),
        )
        .await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["is_primary"], true);
    assert_eq!(res.json()["line_manager_id"], first["id"]);
    assert_eq!(api.get(&admin, &contact_path(&acme, &first)).await.json()["is_primary"], false);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_contact_reporting_to_the_primary_can_take_the_role_and_leave_that_manager_in_one_patch() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let first =
        given_contact(&api, &admin, &acme, json!({ "last_name": "First", "email": "1@x.test" })).await;
    let second = given_contact(
        &api,
        &admin,
        &acme,
        json!({ "last_name": "Second", "email": "2@x.test", "line_manager_id": first["id"] }),
    )
    .await;

    let res = api
        .patch(&admin, &contact_path(&acme, &second), json!({ "is_primary": true, "line_manager_id": null }))
        .await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["is_primary"], true);
    assert_eq!(res.json()["line_manager_id"], Value::Null);
    assert_eq!(api.get(&admin, &contact_path(&acme, &first)).await.json()["is_primary"], false);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_contact_can_be_added_as_primary_reporting_to_the_old_primary() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let first =
        given_contact(&api, &admin, &acme, json!({ "last_name": "First", "email": "1@x.test" })).await;

    let res = api
        .post(
            &admin,
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "New", "email": "n@x.test", "is_primary": true, "line_manager_id": first["id"] }),
        )
        .await;

    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.json()["is_primary"], true);
    assert_eq!(api.get(&admin, &contact_path(&acme, &first)).await.json()["is_primary"], false);
    assert_invariants(&api).await;
}
