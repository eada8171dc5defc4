//! `Idempotency-Key` on creating requests: a retry returns the first response, creates nothing.

use serde_json::json;
use testkit::TestApi;

use crate::support::{assert_invariants, given_client};

#[tokio::test]
async fn retrying_create_client_with_the_same_key_returns_the_first_response() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let body = json!({ "name": "Acme" }).to_string();
    let headers = [("content-type", "application/json"), ("idempotency-key", "k-123")];

    let first = api.send(&admin, "POST", "/clients", &headers, Some(body.clone())).await;
    let retry = api.send(&admin, "POST", "/clients", &headers, Some(body)).await;

    assert_eq!(first.status, 201);
    assert_eq!(retry.status, 201);
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.header("location"), first.header("location"));
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(api.get(&admin, "/clients").await.json()["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn reusing_a_key_for_another_body_is_422() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let headers = [("content-type", "application/json"), ("idempotency-key", "k-123")];
    api.send(&admin, "POST", "/clients", &headers, Some(json!({ "name": "Acme" }).to_string())).await;

    let res =
        api.send(&admin, "POST", "/clients", &headers, Some(json!({ "name": "Other" }).to_string())).await;

    assert_eq!(res.status, 422);
    assert_eq!(res.problem_code(), "idempotency-key-reused");
}

#[tokio::test]
async fn retrying_add_contact_with_the_same_key_creates_one_contact() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let body = json!({ "last_name": "Lovelace", "email": "ada@x.test" }).to_string();
    let headers = [("content-type", "application/json"), ("idempotency-key", "add-ada")];
    let path = format!("/clients/{acme}/contacts");

    let first = api.send(&admin, "POST", &path, &headers, Some(body.clone())).await;
    let retry = api.send(&admin, "POST", &path, &headers, Some(body)).await;

    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(retry.status, 201, "a retry is not email-taken: {}", retry.body);
    assert_eq!(retry.body, first.body);
    assert_eq!(api.get(&admin, &format!("/clients/{acme}")).await.json()["contact_count"], 1);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn keys_are_per_tenant() {
    let api = TestApi::new().await;
    let headers = [("content-type", "application/json"), ("idempotency-key", "same")];
    let body = Some(json!({ "name": "Acme" }).to_string());

    let t1 = api.send(&TestApi::admin("t1"), "POST", "/clients", &headers, body.clone()).await;
    let t2 = api.send(&TestApi::admin("t2"), "POST", "/clients", &headers, body).await;

    assert_eq!((t1.status, t2.status), (201, 201));
    assert_ne!(t1.json()["id"], t2.json()["id"]);
}
