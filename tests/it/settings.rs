//! Tenant settings (Perfex: "Default contact permission can be assigned from Setup", the "Do
//! not send a welcome email" box): reading and saving them, and what they change for new
//! contacts, imports, invitations and notifications.

use serde_json::{json, Value};
use testkit::{Caller, TestApi};

use crate::support::assert_invariants;

fn admin() -> Caller {
    TestApi::admin("t1")
}

pub(crate) async fn given_settings(api: &TestApi, settings: Value) {
    let res = api.patch(&admin(), "/settings", settings).await;
    assert_eq!(res.status, 200, "save settings: {}", res.body);
}

async fn patch_if_match(api: &TestApi, etag: &str, body: Value) -> testkit::TestResponse {
    let headers = [("content-type", "application/merge-patch+json"), ("if-match", etag)];
    api.send(&admin(), "PATCH", "/settings", &headers, Some(body.to_string())).await
}

#[tokio::test]
async fn a_tenant_that_never_saved_settings_gets_the_deployments_defaults() {
    let api = TestApi::new().await;

    let res = api.get(&TestApi::reader("t1"), "/settings").await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.header("etag"), Some("\"v0\""));
    assert_eq!(
        res.json(),
        json!({
            "default_permissions": [], "default_notifications": [], "invite_on_add": false,
            "signature_name": "Acme Services", "invite_ttl_hours": 48, "archive_retention_days": 30,
            "custom_fields": [],
            "inherited": ["default_permissions", "default_notifications", "invite_on_add",
                          "signature_name", "invite_ttl_hours", "archive_retention_days"],
            "version": 0, "updated_at": null, "updated_by": null,
        })
    );
}

#[tokio::test]
async fn an_administrator_saves_settings_and_any_user_of_the_tenant_reads_them() {
    let api = TestApi::new().await;

    let saved = api
        .patch(
            &admin(),
            "/settings",
            json!({ "default_permissions": ["support", "invoices"], "signature_name": "Acme Support" }),
        )
        .await;

    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(saved.header("etag"), Some("\"v1\""));
    let read = api.get(&TestApi::reader("t1"), "/settings").await.json();
    assert_eq!(read["default_permissions"], json!(["invoices", "support"]));
    assert_eq!(read["signature_name"], "Acme Support");
    assert_eq!(
        read["inherited"],
        json!(["default_notifications", "invite_on_add", "invite_ttl_hours", "archive_retention_days"])
    );
    assert_eq!(read["version"], 1);
    assert_eq!(read["updated_by"], saved.json()["updated_by"]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_reader_cannot_change_the_settings() {
    let api = TestApi::new().await;

    let res = api.patch(&TestApi::reader("t1"), "/settings", json!({ "invite_on_add": true })).await;

    assert_eq!(res.status, 403);
    assert_eq!(res.problem_code(), "forbidden");
    assert_eq!(api.get(&admin(), "/settings").await.json()["version"], 0, "nothing saved");
}

#[tokio::test]
async fn the_manage_all_clients_privilege_cannot_change_the_settings() {
    // Given a holder of "manage all clients", who writes clients and contacts
    let api = TestApi::new().await;
    let manager = TestApi::staff("t1", &["manage_all_clients"]);

    // When it changes a tenant-wide default
    let res = api.patch(&manager, "/settings", json!({ "invite_on_add": true })).await;

    // Then it is refused, saying who may, and nothing is saved
    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(res.problem_code(), "forbidden");
    assert_eq!(res.json()["detail"], "this operation needs an administrator (global_admins or psa_admins)");
    assert_eq!(api.get(&admin(), "/settings").await.json()["version"], 0, "nothing saved");
}

#[tokio::test]
async fn a_global_administrator_changes_the_settings() {
    // Given a member of global_admins
    let api = TestApi::new().await;
    let global = TestApi::staff("t1", &["global_admins"]);

    // When it changes a tenant-wide default
    let res = api.patch(&global, "/settings", json!({ "invite_on_add": true })).await;

    // Then it is saved
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["invite_on_add"], true);
}

#[tokio::test]
async fn bad_settings_are_422_naming_every_bad_field_and_save_nothing() {
    let api = TestApi::new().await;

    let res = api
        .patch(
            &admin(),
            "/settings",
            json!({
                "default_permissions": ["invoices", "payroll"],
                "default_notifications": ["newsletter"],
                "invite_on_add": "yes",
                "signature_name": "Acme\r\nBcc: x@evil.test",
                "invite_ttl_hours": 169,
                "version": 4,
                "colour": "red",
            }),
        )
        .await;

    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(
        res.invalid_fields(),
        [
            "colour",
            "default_notifications[0]",
            "default_permissions[1]",
            "invite_on_add",
            "invite_ttl_hours",
            "signature_name",
            "version"
        ]
    );
    assert_eq!(api.get(&admin(), "/settings").await.json()["version"], 0);
}

#[tokio::test]
async fn the_invitation_lifetime_is_bounded_to_between_one_hour_and_a_week() {
    let api = TestApi::new().await;

    for (hours, status) in [(0, 422), (1, 200), (168, 200), (169, 422)] {
        let res = api.patch(&admin(), "/settings", json!({ "invite_ttl_hours": hours })).await;

        assert_eq!(res.status, status, "{hours} h: {}", res.body);
    }
    assert_eq!(api.get(&admin(), "/settings").await.json()["invite_ttl_hours"], 168);
}

#[tokio::test]
async fn null_returns_a_setting_to_the_deployments_default_and_absent_leaves_it() {
    let api = TestApi::new().await;
    given_settings(&api, json!({ "signature_name": "Acme Support", "invite_ttl_hours": 24 })).await;

    let res = api.patch(&admin(), "/settings", json!({ "signature_name": null })).await;

    let body = res.json();
    assert_eq!(body["signature_name"], "Acme Services");
    assert_eq!(body["invite_ttl_hours"], 24);
    assert_eq!(body["version"], 2);
}

#[tokio::test]
async fn a_patch_that_changes_nothing_keeps_the_version() {
    let api = TestApi::new().await;
    given_settings(&api, json!({ "invite_on_add": true })).await;

    let res = api.patch(&admin(), "/settings", json!({ "invite_on_add": true })).await;

    assert_eq!(res.status, 200);
    assert_eq!(res.json()["version"], 1);
}

#[tokio::test]
async fn each_tenant_has_its_own_settings() {
    let api = TestApi::new().await;
    given_settings(&api, json!({ "signature_name": "Tenant One" })).await;

    let other = api.get(&TestApi::admin("t2"), "/settings").await.json();

    assert_eq!(other["signature_name"], "Acme Services");
    assert_eq!(other["version"], 0);
}

#[tokio::test]
async fn a_stale_if_match_is_412_and_saves_nothing() {
    let api = TestApi::new().await;
    given_settings(&api, json!({ "invite_ttl_hours": 24 })).await;

    let res = patch_if_match(&api, "\"v0\"", json!({ "invite_ttl_hours": 12 })).await;

    assert_eq!(res.status, 412, "{}", res.body);
    assert_eq!(res.problem_code(), "precondition-failed");
    assert_eq!(api.get(&admin(), "/settings").await.json()["invite_ttl_hours"], 24);
}

#[tokio::test]
async fn a_current_if_match_saves_and_returns_the_next_etag() {
    let api = TestApi::new().await;

    let res = patch_if_match(&api, "\"v0\"", json!({ "invite_ttl_hours": 12 })).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.header("etag"), Some("\"v1\""));
}

#[tokio::test]
async fn a_settings_item_with_an_invitation_lifetime_out_of_bounds_is_a_violation() {
    use crate::invariants::{broken_rules, put_raw, s};
    let api = TestApi::new().await;
    let n = |v: &str| aws_sdk_dynamodb::types::AttributeValue::N(v.into());

    put_raw(
        &api,
        &[
            ("PK", s("TENANT#t1")),
            ("SK", s("SETTINGS")),
            ("entity", s("settings")),
            ("invite_ttl_hours", n("1000")),
            ("version", n("1")),
        ],
    )
    .await;

    assert_eq!(broken_rules(api).await, [testkit::invariants::Rule::Settings]);
}
