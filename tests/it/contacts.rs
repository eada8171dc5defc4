//! Contacts: the fields, their rules, merge patch, versions, and where a contact is found
//! (`contacts_links`: line managers and deletion).

use serde_json::{json, Value};
use testkit::TestApi;

use crate::support::{assert_invariants, contact_path, given_client, given_contact};

pub(crate) fn fields(res: &testkit::TestResponse) -> Vec<String> {
    res.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn adding_a_contact_answers_201_with_normalised_fields() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;

    let res = api
        .post(&admin, &format!("/clients/{client}/contacts"), json!({
            "salutation": "Ms.", "first_name": "Ada", "last_name": "Lovelace", "job_title": "CFO",
            "email": "  Ada@Example.com ", "mobile": "+44 7911 123456", "phone": "(202) 555-0143",
            "address": { "line1": "1 Bridge St", "city": "London", "postal_code": "N1 1AA", "country": "gb" },
            "notifications": ["timesheet_approval", "invoice", "invoice"], "permissions": ["support", "invoices"],
            "portal": { "support_start": "2026-01-01", "support_end": "2026-12-31" }
        }))
        .await;

    assert_eq!(res.status, 201, "{}", res.body);
    let c = res.json();
    let id = c["id"].as_str().unwrap();
    assert_eq!(res.header("location"), Some(format!("/clients/{client}/contacts/{id}").as_str()));
    assert_eq!(res.header("etag"), Some("\"v1\""));
    assert_eq!(c["client_id"], client.as_str());
    assert_eq!(c["email"], "Ada@Example.com", "stored as entered, trimmed");
    assert_eq!(c["mobile"], "+447911123456");
    assert_eq!(c["phone"], "+12025550143", "national numbers read in DEFAULT_PHONE_REGION");
    assert_eq!(c["notifications"], json!(["invoice", "timesheet_approval"]));
    assert_eq!(c["permissions"], json!(["invoices", "support"]));
    assert_eq!(c["address"]["country"], "GB");
    assert_eq!(
        c["portal"],
        json!({ "status": "none", "support_start": "2026-01-01", "support_end": "2026-12-31", "invited_at": null, "activated_at": null })
    );
    assert_eq!(c["is_primary"], true);
    assert_eq!(api.get(&admin, &contact_path(&client, &c)).await.json(), c, "reads back the same");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn every_bad_field_is_reported_at_once() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;

    let res = api
        .post(
            &admin,
            &format!("/clients/{client}/contacts"),
            json!({
                "email": "not-an-email", "mobile": "12", "notifications": ["invoice", "newsletter"],
                "permissions": "support", "address": { "country": "Britain" }, "favourite_colour": "blue",
                "first_name": 7
            }),
        )
        .await;

    assert_eq!(res.status, 422);
    assert_eq!(res.problem_code(), "validation-failed");
    let mut got = fields(&res);
    got.sort();
    assert_eq!(
        got,
        vec![
            "address.country",
            "email",
            "favourite_colour",
            "first_name",
            "last_name",
            "mobile",
            "notifications[1]",
            "permissions"
        ]
    );
}

#[tokio::test]
async fn a_contact_needs_a_last_name_and_one_way_to_reach_them() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;

    let res = api
        .post(
            &admin,
            &format!("/clients/{client}/contacts"),
            json!({ "first_name": "Ada", "last_name": "  " }),
        )
        .await;

    assert_eq!(res.status, 422);
    let mut got = fields(&res);
    got.sort();
    assert_eq!(got, vec!["email", "last_name"]);
}

#[tokio::test]
async fn adding_a_contact_to_a_missing_client_is_404_and_stores_nothing() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");

    let res = api
        .post(
            &admin,
            "/clients/01JD0000000000000000000000/contacts",
            json!({ "last_name": "X", "email": "x@y.test" }),
        )
        .await;

    assert_eq!(res.status, 404);
    assert!(api.scan().await.is_empty(), "no contact or marker left behind");
}

#[tokio::test]
async fn merge_patch_keeps_absent_fields_and_clears_nulls() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let c = given_contact(&api, &admin, &client, json!({ "first_name": "Ada", "last_name": "Lovelace", "email": "ada@x.test", "mobile": "+447911123456", "job_title": "CFO" })).await;

    let res = api
        .patch(
            &admin,
            &contact_path(&client, &c),
            json!({ "job_title": null, "department": "Finance", "notifications": ["invoice"] }),
        )
        .await;

    assert_eq!(res.status, 200, "{}", res.body);
    let after = res.json();
    assert_eq!(after["first_name"], "Ada");
    assert_eq!(after["job_title"], Value::Null);
    assert_eq!(after["department"], "Finance");
    assert_eq!(after["notifications"], json!(["invoice"]));
    assert_eq!(after["version"], 2);
    assert_eq!(res.header("etag"), Some("\"v2\""));
    assert_eq!(api.get(&admin, &contact_path(&client, &c)).await.json(), after);
}

#[tokio::test]
async fn clearing_the_last_way_to_reach_a_contact_is_422() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let c =
        given_contact(&api, &admin, &client, json!({ "last_name": "Lovelace", "email": "ada@x.test" })).await;

    let res = api.patch(&admin, &contact_path(&client, &c), json!({ "email": null })).await;

    assert_eq!(res.status, 422);
    assert_eq!(fields(&res), vec!["email"]);
}

#[tokio::test]
async fn if_match_guards_patch_and_delete() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let c =
        given_contact(&api, &admin, &client, json!({ "last_name": "Lovelace", "email": "ada@x.test" })).await;
    let path = contact_path(&client, &c);
    let patch = |etag: &'static str| {
        let body = json!({ "job_title": etag }).to_string();
        (vec![("content-type", "application/json"), ("if-match", etag)], body)
    };

    let (h, b) = patch("\"v1\"");
    assert_eq!(api.send(&admin, "PATCH", &path, &h, Some(b)).await.status, 200, "current tag");
    let (h, b) = patch("\"v1\"");
    let stale = api.send(&admin, "PATCH", &path, &h, Some(b)).await;
    assert_eq!(stale.status, 412, "stale tag");
    assert_eq!(stale.problem_code(), "precondition-failed");
    assert_eq!(api.send(&admin, "DELETE", &path, &[("if-match", "\"v1\"")], None).await.status, 412);
    assert_eq!(api.send(&admin, "DELETE", &path, &[("if-match", "\"v2\"")], None).await.status, 204);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_contact_is_only_reachable_under_its_own_client() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let other = given_client(&api, &admin, "Other").await;
    let c =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Lovelace", "email": "ada@x.test" })).await;
    let wrong_path = contact_path(&other, &c);

    assert_eq!(api.get(&admin, &wrong_path).await.status, 404);
    assert_eq!(api.patch(&admin, &wrong_path, json!({ "job_title": "x" })).await.status, 404);
    assert_eq!(api.delete(&admin, &wrong_path).await.status, 404);
    assert_invariants(&api).await;
}
