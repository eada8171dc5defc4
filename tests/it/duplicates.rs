//! Duplicating a contact (Kafinea: "Use the Duplicate feature to create a new contact based on
//! an existing one"): a new contact of the same client with the source's fields, except its
//! email, support window, primary flag and portal state, and the add's rules.

use serde_json::{json, Value};
use testkit::{Caller, TestApi};

use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

fn admin() -> Caller {
    TestApi::admin("t1")
}

/// A client whose primary contact has every kind of field, invited to the portal.
async fn given_full_contact(api: &TestApi) -> (String, Value) {
    let acme = given_client(api, &admin(), "Acme").await;
    let source = given_contact(
        api,
        &admin(),
        &acme,
        json!({
            "salutation": "Ms.", "first_name": "Ada", "last_name": "Lovelace", "job_title": "CFO",
            "department": "Finance", "description": "Signs invoices", "email": unique_email("ada"),
            "mobile": "+447911123456", "address": { "city": "London", "country": "GB" },
            "notifications": ["invoice"], "permissions": ["invoices", "support"],
            "portal": { "support_start": "2026-01-01", "support_end": "2099-12-31" },
        }),
    )
    .await;
    let res = api.post(&admin(), &format!("{}/invite", contact_path(&acme, &source)), json!({})).await;
    assert_eq!(res.status, 202, "{}", res.body);
    (acme, source)
}

async fn duplicate(api: &TestApi, acme: &str, source: &Value, body: Option<Value>) -> testkit::TestResponse {
    let path = format!("{}/duplicate", contact_path(acme, source));
    match body {
        Some(body) => api.post(&admin(), &path, body).await,
        None => api.send(&admin(), "POST", &path, &[], None).await,
    }
}

#[tokio::test]
async fn a_duplicate_copies_the_fields_but_email_window_primary_and_portal() {
    let api = TestApi::new().await;
    let (acme, source) = given_full_contact(&api).await;

    let res = duplicate(&api, &acme, &source, None).await;

    assert_eq!(res.status, 201, "{}", res.body);
    let copy = res.json();
    assert_ne!(copy["id"], source["id"]);
    assert_eq!(
        res.header("location"),
        Some(format!("/clients/{acme}/contacts/{}", copy["id"].as_str().unwrap()).as_str())
    );
    for field in [
        "salutation",
        "first_name",
        "last_name",
        "job_title",
        "department",
        "description",
        "mobile",
        "address",
        "notifications",
        "permissions",
        "client_id",
    ] {
        assert_eq!(copy[field], source[field], "{field} copied");
    }
    assert_eq!(copy["email"], Value::Null);
    assert_eq!(copy["is_primary"], false);
    assert_eq!(
        copy["portal"],
        json!({ "status": "none", "support_start": null, "support_end": null,
                                       "invited_at": null, "activated_at": null })
    );
    let client = api.get(&admin(), &format!("/clients/{acme}")).await.json();
    assert_eq!(
        (client["contact_count"].clone(), client["primary_contact_id"].clone()),
        (json!(2), source["id"].clone())
    );
    assert_invariants(&api).await;
}

#[tokio::test]
async fn overrides_in_the_body_are_merged_into_the_copy() {
    let api = TestApi::new().await;
    let (acme, source) = given_full_contact(&api).await;
    let email = unique_email("grace");

    let res = duplicate(
        &api,
        &acme,
        &source,
        Some(json!({ "first_name": "Grace", "email": email, "description": null, "is_primary": true })),
    )
    .await;

    assert_eq!(res.status, 201, "{}", res.body);
    let copy = res.json();
    assert_eq!((copy["first_name"].as_str(), copy["email"].as_str()), (Some("Grace"), Some(email.as_str())));
    assert_eq!(copy["description"], Value::Null);
    assert_eq!(copy["is_primary"], true, "asking for the role moves it, as an add does");
    assert_eq!(api.get(&admin(), &contact_path(&acme, &source)).await.json()["is_primary"], false);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_copy_with_no_way_to_be_reached_is_the_adds_422() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let source =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "L", "email": unique_email("l") })).await;

    let res = duplicate(&api, &acme, &source, None).await;

    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(res.invalid_fields(), ["email"]);
    assert_eq!(api.get(&admin(), &format!("/clients/{acme}")).await.json()["contact_count"], 1);
}

#[tokio::test]
async fn bad_overrides_are_422_naming_every_bad_field() {
    let api = TestApi::new().await;
    let (acme, source) = given_full_contact(&api).await;

    let body = json!({ "email": "not-an-address", "mobile": "12", "permissions": ["root"], "colour": 1,
                       "portal": { "status": "revoked" } });
    let res = duplicate(&api, &acme, &source, Some(body)).await;

    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(res.invalid_fields(), ["colour", "email", "mobile", "permissions[0]"]);
}

#[tokio::test]
async fn revoking_portal_access_is_not_an_override() {
    let api = TestApi::new().await;
    let (acme, source) = given_full_contact(&api).await;

    let res = duplicate(&api, &acme, &source, Some(json!({ "portal": { "status": "revoked" } }))).await;

    assert_eq!(res.status, 422);
    assert_eq!(res.invalid_fields(), ["portal.status"]);
}

#[tokio::test]
async fn an_email_override_already_used_in_the_tenant_is_409_email_taken() {
    let api = TestApi::new().await;
    let (acme, source) = given_full_contact(&api).await;
    let other = given_client(&api, &admin(), "Other").await;
    let taken = unique_email("taken");
    given_contact(&api, &admin(), &other, json!({ "last_name": "T", "email": taken.to_uppercase() })).await;

    let res = duplicate(&api, &acme, &source, Some(json!({ "email": taken }))).await;

    assert_eq!(res.status, 409);
    assert_eq!(res.problem_code(), "email-taken");
}

#[tokio::test]
async fn the_copy_keeps_the_line_manager_and_counts_as_its_report() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let boss =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Boss", "phone": "+12025550100" })).await;
    let body = json!({ "last_name": "R", "phone": "+12025550101", "line_manager_id": boss["id"] });
    let report = given_contact(&api, &admin(), &acme, body).await;

    let copy = duplicate(&api, &acme, &report, None).await.json();

    assert_eq!(copy["line_manager_id"], boss["id"]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_makes_one_copy() {
    let api = TestApi::new().await;
    let (acme, source) = given_full_contact(&api).await;
    let path = format!("{}/duplicate", contact_path(&acme, &source));
    let headers = [("content-type", "application/json"), ("idempotency-key", "dup-1")];
    let body = json!({ "mobile": "+447911123457" }).to_string();

    let first = api.send(&admin(), "POST", &path, &headers, Some(body.clone())).await;
    let again = api.send(&admin(), "POST", &path, &headers, Some(body)).await;

    assert_eq!((first.status, again.status), (201, 201));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.json()["id"], again.json()["id"]);
    assert_eq!(api.get(&admin(), &format!("/clients/{acme}")).await.json()["contact_count"], 2);
}

#[tokio::test]
async fn duplicating_another_tenants_contact_is_404() {
    let api = TestApi::new().await;
    let (acme, source) = given_full_contact(&api).await;

    let res = api
        .post(&TestApi::admin("t2"), &format!("{}/duplicate", contact_path(&acme, &source)), json!({}))
        .await;

    assert_eq!(res.status, 404);
}

#[tokio::test]
async fn a_reader_cannot_duplicate_a_contact() {
    let api = TestApi::new().await;
    let (acme, source) = given_full_contact(&api).await;

    let res = api
        .post(&TestApi::reader("t1"), &format!("{}/duplicate", contact_path(&acme, &source)), json!({}))
        .await;

    assert_eq!(res.status, 403);
}
