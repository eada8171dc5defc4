//! A person's data on request: `GET .../contacts/{contactId}/export` gives an administrator
//! everything the service holds about one contact, in one document.

use serde_json::{json, Value};
use shared::domain::activity::{Activity, ActivityEvent};
use shared::domain::dates::Clock;
use testkit::events::EventStream;
use testkit::TestApi;

use crate::portal::given_portal_user;
use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

async fn export(api: &TestApi, path: &str) -> testkit::TestResponse {
    api.get(&TestApi::admin("t1"), &format!("{path}/export")).await
}

#[tokio::test]
async fn an_export_holds_the_contact_its_project_links_its_tags_its_history_and_its_portal_user() {
    // Given a contact that accepted its invitation, whose title changed, linked to a project,
    // tagged
    let api = TestApi::new().await;
    let mut stream = EventStream::of(&api).await;
    let admin = TestApi::admin("t1");
    let ada = given_portal_user(&api, "t1").await;
    assert_eq!(api.patch(&admin, &ada.path(), json!({"job_title": "CFO"})).await.status, 200);
    assert_eq!(crate::projects::link(&api, &admin, &ada.path(), "website").await.status, 200);
    let tag = api.post(&admin, "/tags", json!({"name": "Key account"})).await.json()["id"].clone();
    let tagged =
        api.send(&admin, "PUT", &format!("{}/tags/{}", ada.path(), tag.as_str().unwrap()), &[], None).await;
    assert_eq!(tagged.status, 204);
    stream.events().await;

    // When an administrator exports its data
    let res = export(&api, &ada.path()).await;

    // Then the document holds the contact as GET shows it, its link, its history and its user
    assert_eq!(res.status, 200, "{}", res.body);
    let data = res.json();
    let shown = api.get(&admin, &ada.path()).await.json();
    assert_eq!(data["contact"], shown);
    assert_eq!(data["tenant_id"], "t1");
    assert_eq!(data["project_links"].as_array().map(|l| l.len()), Some(1), "{data}");
    assert_eq!(data["project_links"][0]["project_id"], "website");
    assert_eq!((data["tags"][0]["id"].clone(), data["tags"][0]["name"].clone()), (tag, json!("Key account")));
    let kinds: Vec<&str> =
        data["activity"].as_array().unwrap().iter().filter_map(|a| a["kind"].as_str()).collect();
    for kind in ["email", "portal_status", "fields_changed"] {
        assert!(kinds.contains(&kind), "no {kind} in the history: {kinds:?}");
    }
    let user = &data["portal_user"];
    assert_eq!(user["enabled"], true, "{user}");
    assert_eq!(user["attributes"]["email"], ada.email.as_str());
    assert_eq!(user["attributes"]["custom:contact_id"], ada.contact["id"]);
    assert!(user.get("password").is_none() && !res.body.contains(crate::portal::PASSWORD), "no password");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_contact_never_invited_has_no_portal_user_and_no_history_in_its_export() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let byron =
        given_contact(&api, &admin, &client, json!({"last_name": "Byron", "email": unique_email("gdpr")}))
            .await;

    let res = export(&api, &contact_path(&client, &byron)).await;

    assert_eq!(res.status, 200, "{}", res.body);
    let data = res.json();
    assert_eq!(data["portal_user"], Value::Null);
    assert_eq!(data["activity"], json!([]));
    assert_eq!(data["project_links"], json!([]));
}

#[tokio::test]
async fn a_history_longer_than_one_query_page_is_exported_whole_newest_first() {
    // Given a contact with 1,201 entries of history (more than two pages of 500)
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let ada =
        given_contact(&api, &admin, &client, json!({"last_name": "Ada", "mobile": "+14155550105"})).await;
    let tenant = shared::domain::TenantId::parse("t1").unwrap();
    let base = api.clock.now();
    let writes = (0..1201).map(|i| {
        let when = base + time::Duration::milliseconds(i);
        let kept = i64::from(shared::domain::activity::DEFAULT_RETENTION_DAYS) * 86_400;
        let (at, expires_at) = (shared::domain::activity::activity_time(when), when.unix_timestamp() + kept);
        let entry = Activity {
            client_id: client.clone(),
            contact_id: ada["id"].as_str().unwrap().to_owned(),
            at,
            actor: None,
            event: ActivityEvent::FieldsChanged { fields: vec![format!("field{i}")] },
        };
        let (store, tenant) = (&api.app.store, &tenant);
        async move { store.put_activity(tenant, &entry, "e", expires_at).await.unwrap() }
    });
    futures_util::future::join_all(writes).await;

    // When it is exported
    let res = export(&api, &contact_path(&client, &ada)).await;

    // Then every entry is there once, newest first
    assert_eq!(res.status, 200, "{}", res.body);
    let fields: Vec<String> = res.json()["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["fields"][0].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (0..1201).rev().map(|i| format!("field{i}")).collect();
    assert_eq!(fields, expected);
}

#[tokio::test]
async fn a_contact_of_another_client_or_a_deleted_one_is_not_found() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let (acme, globex) =
        (given_client(&api, &admin, "Acme").await, given_client(&api, &admin, "Globex").await);
    let ada =
        given_contact(&api, &admin, &acme, json!({"last_name": "Ada", "email": unique_email("gdpr")})).await;
    let byron =
        given_contact(&api, &admin, &acme, json!({"last_name": "Byron", "email": unique_email("gdpr")}))
            .await;

    let elsewhere = export(&api, &contact_path(&globex, &ada)).await;
    assert_eq!(api.delete(&admin, &contact_path(&acme, &byron)).await.status, 204);
    let deleted = export(&api, &contact_path(&acme, &byron)).await;

    for res in [elsewhere, deleted] {
        assert_eq!((res.status, res.problem_code().as_str()), (404, "not-found"), "{}", res.body);
    }
}
