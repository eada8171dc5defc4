//! Plain edits in one round trip: a PATCH of a contact's title, phones, notes or
//! permissions, or of a client's fields, is one conditional `UpdateItem`; when its condition
//! fails, the item as it was (returned with the refusal) says which rule failed, with the
//! answer the read-then-write path gives.

use serde_json::{json, Value};
use testkit::proxy::DynamoProxy;
use testkit::{TestApi, TestResponse};

use crate::support::{assert_invariants, contact_path, given_client, given_contact};

fn operations(proxy: &DynamoProxy) -> Vec<String> {
    proxy.take_calls().into_iter().map(|c| c.operation).collect()
}

fn if_match(version: u64) -> String {
    format!("\"v{version}\"")
}

async fn patch_with(api: &TestApi, path: &str, etag: &str, body: Value) -> TestResponse {
    let headers = [("content-type", "application/json"), ("if-match", etag)];
    api.send(&TestApi::admin("t1"), "PATCH", path, &headers, Some(body.to_string())).await
}

/// A client with one contact (reached by email and mobile) behind the counting proxy; the
/// contact's path.
async fn given_contact_behind_proxy() -> (TestApi, DynamoProxy, String) {
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let body = json!({ "last_name": "Lovelace", "email": "ada@x.test", "mobile": "+447911123456" });
    let contact = given_contact(&api, &admin, &client, body).await;
    proxy.take_calls();
    (api, proxy, contact_path(&client, &contact))
}

#[tokio::test]
async fn a_patch_of_title_phones_notes_and_permissions_is_one_update_item() {
    let (api, proxy, path) = given_contact_behind_proxy().await;

    let body = json!({ "salutation": "Ms.", "job_title": "CFO", "mobile": null, "phone": "+12025550144",
        "description": "Met at the fair", "permissions": ["support", "invoices", "support"] });
    let res = patch_with(&api, &path, &if_match(1), body).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(operations(&proxy), vec!["UpdateItem"]);
    let after = res.json();
    assert_eq!((after["salutation"].as_str(), after["job_title"].as_str()), (Some("Ms."), Some("CFO")));
    assert_eq!((after["mobile"].clone(), after["phone"].clone()), (Value::Null, json!("+12025550144")));
    assert_eq!(after["permissions"], json!(["invoices", "support"]));
    assert_eq!((after["version"].clone(), res.header("etag")), (json!(2), Some("\"v2\"")));
    assert_eq!(api.get(&TestApi::admin("t1"), &path).await.json(), after);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_plain_patch_of_a_contact_that_does_not_exist_is_404_after_one_update_item() {
    let (api, proxy, path) = given_contact_behind_proxy().await;
    let missing = format!("{}/01ARZ3NDEKTSV4RRFFQ69G5FAV", path.rsplit_once('/').unwrap().0);

    let res = api.patch(&TestApi::admin("t1"), &missing, json!({ "job_title": "CFO" })).await;

    assert_eq!((res.status, res.problem_code().as_str()), (404, "not-found"), "{}", res.body);
    assert_eq!(operations(&proxy), vec!["UpdateItem"]);
}

#[tokio::test]
async fn a_plain_patch_with_a_stale_if_match_is_412_after_one_update_item() {
    let (api, proxy, path) = given_contact_behind_proxy().await;
    assert_eq!(patch_with(&api, &path, &if_match(1), json!({ "job_title": "CFO" })).await.status, 200);
    proxy.take_calls();

    let res = patch_with(&api, &path, &if_match(1), json!({ "job_title": "CEO" })).await;

    assert_eq!((res.status, res.problem_code().as_str()), (412, "precondition-failed"), "{}", res.body);
    assert_eq!(operations(&proxy), vec!["UpdateItem"]);
    assert_eq!(api.get(&TestApi::admin("t1"), &path).await.json()["job_title"], "CFO");
}

#[tokio::test]
async fn a_plain_patch_clearing_the_last_ways_to_reach_a_contact_is_422_after_one_update_item() {
    let (api, proxy, path) = given_contact_behind_proxy().await;
    let admin = TestApi::admin("t1");
    assert_eq!(api.patch(&admin, &path, json!({ "email": null })).await.status, 200);
    proxy.take_calls();

    let res = api.patch(&admin, &path, json!({ "mobile": null, "phone": null })).await;

    assert_eq!((res.status, res.problem_code().as_str()), (422, "validation-failed"), "{}", res.body);
    let errors = res.json()["errors"].clone();
    assert_eq!(
        errors,
        json!([{ "field": "email", "message": "at least one of email, mobile or phone is required" }])
    );
    assert_eq!(operations(&proxy), vec!["UpdateItem"]);
    assert_eq!(api.get(&admin, &path).await.json()["mobile"], "+447911123456");
}

#[tokio::test]
async fn a_plain_patch_that_changes_nothing_answers_the_contact_as_it_is_after_one_update_item() {
    let (api, proxy, path) = given_contact_behind_proxy().await;
    let admin = TestApi::admin("t1");
    let before = api.get(&admin, &path).await.json();
    proxy.take_calls();

    let res = api.patch(&admin, &path, json!({ "mobile": "+44 7911 123456", "job_title": null })).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(operations(&proxy), vec!["UpdateItem"]);
    assert_eq!((res.json(), res.header("etag")), (before, Some("\"v1\"")));
}

#[tokio::test]
async fn a_patch_that_moves_the_email_still_reads_first() {
    let (api, proxy, path) = given_contact_behind_proxy().await;

    let res =
        api.patch(&TestApi::admin("t1"), &path, json!({ "email": "ada@y.test", "job_title": "CFO" })).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(operations(&proxy), vec!["GetItem", "TransactWriteItems"]);
}

#[tokio::test]
async fn a_client_patch_of_its_name_phone_and_website_is_one_update_item() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    proxy.take_calls();

    let body = json!({ "name": "Acme Ltd", "phone": "+12025550144", "website": "https://acme.test" });
    let res = patch_with(&api, &format!("/clients/{client}"), &if_match(1), body).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(operations(&proxy), vec!["UpdateItem"]);
    let after = res.json();
    assert_eq!(
        (after["name"].as_str(), after["website"].as_str()),
        (Some("Acme Ltd"), Some("https://acme.test"))
    );
    assert_eq!((after["version"].clone(), res.header("etag")), (json!(2), Some("\"v2\"")));
    assert_eq!(api.get(&admin, &format!("/clients/{client}")).await.json(), after);
}

#[tokio::test]
async fn a_plain_patch_of_a_client_that_does_not_exist_is_404_after_one_update_item() {
    let (api, proxy) = TestApi::behind_proxy().await;

    let res =
        api.patch(&TestApi::admin("t1"), "/clients/01ARZ3NDEKTSV4RRFFQ69G5FAV", json!({ "name": "X" })).await;

    assert_eq!((res.status, res.problem_code().as_str()), (404, "not-found"), "{}", res.body);
    assert_eq!(operations(&proxy), vec!["UpdateItem"]);
}

#[tokio::test]
async fn a_plain_client_patch_with_a_stale_if_match_is_412_after_one_update_item() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let path = format!("/clients/{}", given_client(&api, &admin, "Acme").await);
    assert_eq!(api.patch(&admin, &path, json!({ "name": "Acme Ltd" })).await.status, 200);
    proxy.take_calls();

    let res = patch_with(&api, &path, &if_match(1), json!({ "name": "Y" })).await;

    assert_eq!((res.status, res.problem_code().as_str()), (412, "precondition-failed"), "{}", res.body);
    assert_eq!(operations(&proxy), vec!["UpdateItem"]);
    assert_eq!(api.get(&admin, &path).await.json()["name"], "Acme Ltd");
}

#[tokio::test]
async fn a_plain_client_patch_that_changes_nothing_keeps_its_version_after_one_update_item() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let before = api.get(&admin, &format!("/clients/{client}")).await.json();
    proxy.take_calls();

    let res =
        api.patch(&admin, &format!("/clients/{client}"), json!({ "name": " Acme ", "email": null })).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(operations(&proxy), vec!["UpdateItem"]);
    assert_eq!((res.json(), res.header("etag")), (before, Some("\"v1\"")));
}
