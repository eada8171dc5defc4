//! Clients: create, read, merge-patch, delete.

use serde_json::json;
use testkit::TestApi;

use crate::support::{assert_invariants, given_client, given_contact};

#[tokio::test]
async fn creating_a_client_answers_201_with_location_and_etag() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");

    let res = api
        .post(
            &admin,
            "/clients",
            json!({ "name": "  Acme Ltd ", "phone": "(202) 555-0143", "website": "https://acme.test" }),
        )
        .await;

    assert_eq!(res.status, 201, "{}", res.body);
    let body = res.json();
    let id = body["id"].as_str().unwrap();
    assert_eq!(res.header("location"), Some(format!("/clients/{id}").as_str()));
    assert_eq!(res.header("etag"), Some("\"v1\""));
    assert_eq!(body["name"], "Acme Ltd");
    assert_eq!(body["phone"], "+12025550143");
    assert_eq!(body["contact_count"], 0);
    assert_eq!(body["primary_contact_id"], json!(null));
    assert_eq!(body["created_by"], "user-of-t1");
}

#[tokio::test]
async fn a_client_without_a_name_is_rejected_naming_the_field() {
    let api = TestApi::new().await;

    let res = api.post(&TestApi::admin("t1"), "/clients", json!({ "website": "ftp://x" })).await;

    assert_eq!(res.status, 422);
    assert_eq!(res.problem_code(), "validation-failed");
    let fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, vec!["website", "name"]);
}

#[tokio::test]
async fn a_created_client_reads_back_with_its_etag() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let id = given_client(&api, &admin, "Acme").await;

    let res = api.get(&TestApi::reader("t1"), &format!("/clients/{id}")).await;

    assert_eq!(res.status, 200);
    assert_eq!(res.json()["name"], "Acme");
    assert_eq!(res.header("etag"), Some("\"v1\""));
}

#[tokio::test]
async fn patching_a_client_merges_fields_and_bumps_the_version() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let id = given_client(&api, &admin, "Acme").await;
    api.patch(
        &admin,
        &format!("/clients/{id}"),
        json!({ "email": "billing@acme.test", "address": { "city": "Leeds", "country": "gb" } }),
    )
    .await;

    let res = api
        .patch(
            &admin,
            &format!("/clients/{id}"),
            json!({ "email": null, "address": { "line1": "1 Main St" } }),
        )
        .await;

    assert_eq!(res.status, 200, "{}", res.body);
    let body = res.json();
    assert_eq!(body["name"], "Acme", "absent fields are unchanged");
    assert_eq!(body["email"], json!(null), "null clears");
    assert_eq!(body["address"]["city"], "Leeds", "nested objects merge");
    assert_eq!(body["address"]["country"], "GB");
    assert_eq!(body["address"]["line1"], "1 Main St");
    assert_eq!(body["version"], 3);
    assert_eq!(res.header("etag"), Some("\"v3\""));
}

#[tokio::test]
async fn patching_a_client_with_a_stale_if_match_is_412() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let id = given_client(&api, &admin, "Acme").await;
    api.patch(&admin, &format!("/clients/{id}"), json!({ "name": "Acme 2" })).await;

    let headers = [("content-type", "application/json"), ("if-match", "\"v1\"")];
    let res = api
        .send(
            &admin,
            "PATCH",
            &format!("/clients/{id}"),
            &headers,
            Some(json!({ "name": "Acme 3" }).to_string()),
        )
        .await;

    assert_eq!(res.status, 412);
    assert_eq!(res.problem_code(), "precondition-failed");
    assert_eq!(api.get(&admin, &format!("/clients/{id}")).await.json()["name"], "Acme 2");
}

#[tokio::test]
async fn deleting_a_client_without_contacts_answers_204_and_it_is_gone() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let id = given_client(&api, &admin, "Acme").await;

    let res = api.delete(&admin, &format!("/clients/{id}")).await;

    assert_eq!(res.status, 204);
    assert_eq!(api.get(&admin, &format!("/clients/{id}")).await.status, 404);
    assert_eq!(api.delete(&admin, &format!("/clients/{id}")).await.status, 404);
}

#[tokio::test]
async fn deleting_a_client_that_still_has_contacts_is_409() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let id = given_client(&api, &admin, "Acme").await;
    given_contact(&api, &admin, &id, json!({ "last_name": "Lovelace", "email": "ada@acme.test" })).await;

    let res = api.delete(&admin, &format!("/clients/{id}")).await;

    assert_eq!(res.status, 409);
    assert_eq!(res.problem_code(), "client-has-contacts");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn an_unknown_or_malformed_client_id_is_404() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");

    assert_eq!(api.get(&admin, "/clients/01JD0000000000000000000000").await.status, 404);
    let res = api.get(&admin, "/clients/not-an-id").await;
    assert_eq!(res.status, 404);
    assert_eq!(res.problem_code(), "not-found");
}
