//! What a tenant's settings change: the permissions and topics of new contacts (added or
//! imported), the invitation on add, and the name and lifetime of the emails sent.

use serde_json::json;
use shared::domain::settings::SettingsPatch;
use shared::store::settings_cache::SETTINGS_TTL;
use testkit::mail::messages_to;
use testkit::{Caller, TestApi};

use crate::settings::given_settings;
use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

fn admin() -> Caller {
    TestApi::admin("t1")
}

#[tokio::test]
async fn adding_contacts_reads_the_settings_once_per_instance_and_settings_ttl() {
    // Given an instance that has not read t1's settings yet
    let (api, proxy) = TestApi::behind_proxy().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let path = format!("/clients/{acme}/contacts");
    let gets = |calls: Vec<testkit::proxy::Call>| calls.iter().filter(|c| c.operation == "GetItem").count();
    proxy.take_calls();

    // When it adds a contact giving everything, then one leaving the defaults out
    let full = json!({ "last_name": "A", "phone": "+12025550100", "permissions": [], "notifications": [], "invite": false });
    assert_eq!(api.post(&admin(), &path, full).await.status, 201);
    let first = gets(proxy.take_calls());
    let partial = json!({ "last_name": "B", "phone": "+12025550101" });
    assert_eq!(api.post(&admin(), &path, partial).await.status, 201);
    let second = gets(proxy.take_calls());

    // Then the first reads the settings (the custom fields a new contact requires), and the
    // second reuses them
    assert_eq!((first, second), (1, 0), "one GetItem of the settings, then none within {SETTINGS_TTL}");
}

#[tokio::test]
async fn a_new_contact_gets_the_default_permissions_and_topics_its_request_leaves_out() {
    let api = TestApi::new().await;
    given_settings(
        &api,
        json!({ "default_permissions": ["invoices", "support"], "default_notifications": ["invoice"] }),
    )
    .await;
    let acme = given_client(&api, &admin(), "Acme").await;

    let ada =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Lovelace", "phone": "+12025550100" }))
            .await;
    let bob = given_contact(
        &api,
        &admin(),
        &acme,
        json!({ "last_name": "Bob", "phone": "+12025550101", "permissions": ["projects"], "notifications": null }),
    )
    .await;

    assert_eq!(ada["permissions"], json!(["invoices", "support"]));
    assert_eq!(ada["notifications"], json!(["invoice"]));
    assert_eq!(bob["permissions"], json!(["projects"]), "the request's own list wins");
    assert_eq!(bob["notifications"], json!([]), "null asks for none");
}

#[tokio::test]
async fn adding_a_contact_sends_the_invitation_when_the_tenant_invites_on_add() {
    let api = TestApi::new().await;
    given_settings(&api, json!({ "invite_on_add": true })).await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let email = unique_email("ada");

    let ada = given_contact(&api, &admin(), &acme, json!({ "last_name": "Lovelace", "email": email })).await;

    assert_eq!(ada["portal"]["status"], "invited");
    assert_eq!(messages_to(&email).await.len(), 1);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn invite_false_in_the_request_overrides_the_tenants_invite_on_add() {
    let api = TestApi::new().await;
    given_settings(&api, json!({ "invite_on_add": true })).await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let email = unique_email("ada");

    let ada =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "L", "email": email, "invite": false }))
            .await;

    assert_eq!(ada["portal"]["status"], "none");
    assert!(messages_to(&email).await.is_empty());
}

#[tokio::test]
async fn with_invite_on_add_a_contact_without_email_is_added_uninvited_and_told_why() {
    let api = TestApi::new().await;
    given_settings(&api, json!({ "invite_on_add": true })).await;
    let acme = given_client(&api, &admin(), "Acme").await;

    let res = api
        .post(
            &admin(),
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "L", "mobile": "+12025550100" }),
        )
        .await;

    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.json()["portal"]["status"], "none");
    assert_eq!(res.header("invite-error"), Some("no-email"));
}

#[tokio::test]
async fn invitations_are_signed_with_the_tenants_name_escaped_in_html() {
    let api = TestApi::new().await;
    given_settings(&api, json!({ "signature_name": "Tom & <b>Jerry</b>" })).await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let email = unique_email("ada");
    let ada = given_contact(&api, &admin(), &acme, json!({ "last_name": "L", "email": email })).await;

    let res = api.post(&admin(), &format!("{}/invite", contact_path(&acme, &ada)), json!({})).await;

    assert_eq!(res.status, 202, "{}", res.body);
    let mail = messages_to(&email).await;
    let m = mail.last().expect("the invitation");
    assert_eq!(m["subject"], "Your client portal invitation from Tom & <b>Jerry</b>");
    assert!(m["body"]["text"].as_str().unwrap().contains("Tom & <b>Jerry</b> has invited you"));
    let html = m["body"]["html"].as_str().unwrap();
    assert!(html.contains("Tom &amp; &lt;b&gt;Jerry") && !html.contains("<b>Jerry"), "{html}");
}

#[tokio::test]
async fn an_invitation_lasts_as_long_as_the_tenants_setting_says() {
    let api = TestApi::new().await;
    given_settings(&api, json!({ "invite_ttl_hours": 6 })).await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let ada =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "L", "email": unique_email("ada") })).await;

    let res = api.post(&admin(), &format!("{}/invite", contact_path(&acme, &ada)), json!({})).await.json();

    let at = |name: &str| {
        time::OffsetDateTime::parse(
            res[name].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    assert_eq!(at("expires_at") - at("invited_at"), time::Duration::hours(6));
}

#[tokio::test]
async fn notifications_are_signed_with_the_tenants_name() {
    let api = TestApi::new().await;
    given_settings(&api, json!({ "signature_name": "Acme Billing" })).await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let email = unique_email("ada");
    given_contact(
        &api,
        &admin(),
        &acme,
        json!({ "last_name": "L", "email": email, "notifications": ["invoice"] }),
    )
    .await;

    let res = api
        .post(
            &admin(),
            &format!("/clients/{acme}/notifications"),
            json!({ "topic": "invoice", "subject": "Hi", "text": "Due" }),
        )
        .await;

    assert_eq!(res.status, 202, "{}", res.body);
    let mail = messages_to(&email).await;
    assert!(mail[0]["body"]["text"].as_str().unwrap().contains("Acme Billing"), "{:?}", mail[0]["body"]);
}

#[tokio::test]
async fn an_import_gives_new_rows_the_defaults_they_leave_out() {
    let api = TestApi::new().await;
    given_settings(&api, json!({ "default_permissions": ["support"], "default_notifications": ["ticket"] }))
        .await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let csv = "last_name,email,permissions\nA,a@imp.test,\nB,b@imp.test,invoices\nC,c@imp.test,[clear]\n";

    let res = api
        .send(
            &admin(),
            "POST",
            &format!("/clients/{acme}/contacts/import"),
            &[("content-type", "text/csv")],
            Some(csv.into()),
        )
        .await;

    assert_eq!(res.status, 200, "{}", res.body);
    let listed = api.get(&admin(), &format!("/clients/{acme}/contacts")).await.json();
    let by_name = |name: &str| {
        listed["items"].as_array().unwrap().iter().find(|c| c["last_name"] == name).cloned().unwrap()
    };
    assert_eq!(by_name("A")["permissions"], json!(["support"]));
    assert_eq!(by_name("A")["notifications"], json!(["ticket"]), "no column: the default");
    assert_eq!(by_name("B")["permissions"], json!(["invoices"]));
    assert_eq!(by_name("C")["permissions"], json!([]), "[clear] asks for none");
}

/// The settings an instance read stay in use for `SETTINGS_TTL` (docs/table.md): a change made
/// through another instance reaches this one's adds once that time has passed.
#[tokio::test]
async fn a_settings_change_made_through_another_instance_applies_to_adds_within_the_cache_time() {
    // Given an instance whose add filled its defaults from the tenant's settings
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let first =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "A", "phone": "+12025550100" })).await;
    assert_ne!(first["permissions"], json!(["invoices"]));

    // When another instance (another store on the same table) changes the default permissions
    let other = shared::store::Store::new(api.db.clone(), api.table.clone());
    let body = json!({ "default_permissions": ["invoices"] }).as_object().unwrap().clone();
    let stamp = shared::domain::Stamp { at: "2026-12-06T00:00:00Z".into(), by: "another-instance".into() };
    let tenant = shared::domain::TenantId::parse("t1").unwrap();
    other.update_settings(&tenant, None, SettingsPatch::parse(body).unwrap(), &stamp).await.unwrap();

    // Then this instance's adds keep what it read until SETTINGS_TTL has passed, then take it
    let soon =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "B", "phone": "+12025550101" })).await;
    assert_eq!(soon["permissions"], first["permissions"], "within the cache time");
    api.clock.advance(SETTINGS_TTL);
    let later =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "C", "phone": "+12025550102" })).await;
    assert_eq!(later["permissions"], json!(["invoices"]), "once the cache time has passed");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_settings_change_made_through_the_same_instance_applies_to_its_next_add_at_once() {
    // Given an instance whose add filled its defaults from the tenant's settings
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    given_contact(&api, &admin(), &acme, json!({ "last_name": "A", "phone": "+12025550100" })).await;

    // When the default permissions are changed through it
    given_settings(&api, json!({ "default_permissions": ["support"] })).await;

    // Then its next add has them, without waiting
    let next =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "B", "phone": "+12025550101" })).await;
    assert_eq!(next["permissions"], json!(["support"]));
}
