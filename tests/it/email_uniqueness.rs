//! An email address belongs to at most one contact per tenant, compared trimmed and
//! case-insensitively, on create and on edit.

use serde_json::json;
use testkit::TestApi;

use crate::support::{assert_invariants, contact_path, given_client, given_contact};

#[tokio::test]
async fn the_same_address_in_another_case_is_taken_within_a_tenant() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let other = given_client(&api, &admin, "Other").await;
    given_contact(&api, &admin, &acme, json!({ "last_name": "Lovelace", "email": "ada@example.com" })).await;

    let res = api
        .post(
            &admin,
            &format!("/clients/{other}/contacts"),
            json!({ "last_name": "Copy", "email": " ADA@Example.COM " }),
        )
        .await;

    assert_eq!(res.status, 409);
    assert_eq!(res.problem_code(), "email-taken");
    assert_eq!(api.get(&admin, &format!("/clients/{other}")).await.json()["contact_count"], 0);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn another_tenant_may_use_the_same_address() {
    let api = TestApi::new().await;
    let (t1, t2) = (TestApi::admin("t1"), TestApi::admin("t2"));
    let c1 = given_client(&api, &t1, "Acme").await;
    let c2 = given_client(&api, &t2, "Acme").await;
    given_contact(&api, &t1, &c1, json!({ "last_name": "Lovelace", "email": "ada@example.com" })).await;

    let res = api
        .post(
            &t2,
            &format!("/clients/{c2}/contacts"),
            json!({ "last_name": "Lovelace", "email": "ada@example.com" }),
        )
        .await;

    assert_eq!(res.status, 201);
}

#[tokio::test]
async fn changing_to_a_taken_address_is_409_and_changes_nothing() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    given_contact(&api, &admin, &acme, json!({ "last_name": "A", "email": "a@x.test" })).await;
    let b = given_contact(&api, &admin, &acme, json!({ "last_name": "B", "email": "b@x.test" })).await;

    let res =
        api.patch(&admin, &contact_path(&acme, &b), json!({ "email": "A@x.test", "job_title": "CEO" })).await;

    assert_eq!(res.status, 409);
    assert_eq!(res.problem_code(), "email-taken");
    let after = api.get(&admin, &contact_path(&acme, &b)).await.json();
    assert_eq!(after["email"], "b@x.test");
    assert_eq!(after["job_title"], json!(null));
    assert_eq!(after["version"], 1);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn changing_an_address_frees_the_old_one() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let a = given_contact(&api, &admin, &acme, json!({ "last_name": "A", "email": "old@x.test" })).await;

    let res = api.patch(&admin, &contact_path(&acme, &a), json!({ "email": "new@x.test" })).await;

    assert_eq!(res.status, 200, "{}", res.body);
    given_contact(&api, &admin, &acme, json!({ "last_name": "B", "email": "old@x.test" })).await;
    let taken = api
        .post(
            &admin,
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "C", "email": "new@x.test" }),
        )
        .await;
    assert_eq!(taken.status, 409);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn changing_only_the_case_of_an_address_keeps_it() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let a = given_contact(&api, &admin, &acme, json!({ "last_name": "A", "email": "ada@x.test" })).await;

    let res = api.patch(&admin, &contact_path(&acme, &a), json!({ "email": "Ada@X.test" })).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["email"], "Ada@X.test");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn removing_an_address_frees_it() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let a = given_contact(
        &api,
        &admin,
        &acme,
        json!({ "last_name": "A", "email": "ada@x.test", "mobile": "+447911123456" }),
    )
    .await;

    assert_eq!(api.patch(&admin, &contact_path(&acme, &a), json!({ "email": null })).await.status, 200);

    given_contact(&api, &admin, &acme, json!({ "last_name": "B", "email": "ada@x.test" })).await;
    assert_invariants(&api).await;
}
