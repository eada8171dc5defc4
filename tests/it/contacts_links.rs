//! Contacts' links and deletion: a line manager is another contact of the same client, and
//! deleting a contact clears the links to it and frees its email (see `contacts` for the
//! fields and their rules).

use serde_json::{json, Value};
use testkit::TestApi;

use crate::contacts::fields;
use crate::support::{assert_invariants, contact_path, given_client, given_contact};

#[tokio::test]
async fn a_line_manager_must_be_another_contact_of_the_same_client() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let other = given_client(&api, &admin, "Other").await;
    let boss =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Boss", "email": "boss@x.test" })).await;
    let stranger =
        given_contact(&api, &admin, &other, json!({ "last_name": "Stranger", "email": "s@x.test" })).await;
    let worker = given_contact(
        &api,
        &admin,
        &acme,
        json!({ "last_name": "Worker", "email": "w@x.test", "line_manager_id": boss["id"] }),
    )
    .await;
    assert_eq!(worker["line_manager_id"], boss["id"]);

    let itself =
        api.patch(&admin, &contact_path(&acme, &worker), json!({ "line_manager_id": worker["id"] })).await;
    let foreign =
        api.patch(&admin, &contact_path(&acme, &worker), json!({ "line_manager_id": stranger["id"] })).await;

    assert_eq!(itself.status, 422);
    assert_eq!(fields(&itself), vec!["line_manager_id"]);
    assert_eq!(foreign.status, 422, "a contact of another client is not found here");
    assert_eq!(fields(&foreign), vec!["line_manager_id"]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn deleting_one_of_two_contacts_who_manage_each_other_clears_the_others_link() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let _first =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Primary", "email": "p@x.test" })).await;
    let a = given_contact(&api, &admin, &acme, json!({ "last_name": "A", "email": "a@x.test" })).await;
    let b = given_contact(
        &api,
        &admin,
        &acme,
        json!({ "last_name": "B", "email": "b@x.test", "line_manager_id": a["id"] }),
    )
    .await;
    let cycle = api.patch(&admin, &contact_path(&acme, &a), json!({ "line_manager_id": b["id"] })).await;
    assert_eq!(cycle.status, 200, "{}", cycle.body);

    let res = api.delete(&admin, &contact_path(&acme, &a)).await;

    assert_eq!(res.status, 204, "{}", res.body);
    let after = api.get(&admin, &contact_path(&acme, &b)).await.json();
    assert_eq!(after["line_manager_id"], Value::Null);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn deleting_a_manager_clears_the_link_on_its_reports() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let _first =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Primary", "email": "p@x.test" })).await;
    let boss =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Boss", "email": "boss@x.test" })).await;
    let a = given_contact(
        &api,
        &admin,
        &acme,
        json!({ "last_name": "A", "phone": "+12025550143", "line_manager_id": boss["id"] }),
    )
    .await;
    let b = given_contact(&api, &admin, &acme, json!({ "last_name": "B", "phone": "+12025550144" })).await;
    api.patch(&admin, &contact_path(&acme, &b), json!({ "line_manager_id": boss["id"] })).await;

    let res = api.delete(&admin, &contact_path(&acme, &boss)).await;

    assert_eq!(res.status, 204);
    for report in [&a, &b] {
        let after = api.get(&admin, &contact_path(&acme, report)).await.json();
        assert_eq!(after["line_manager_id"], Value::Null);
    }
    assert_invariants(&api).await;
}

#[tokio::test]
async fn deleting_a_contact_frees_its_email_and_keeps_everything_else() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let keep =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Keep", "email": "keep@x.test" })).await;
    let gone =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Gone", "email": "gone@x.test" })).await;

    assert_eq!(api.delete(&admin, &contact_path(&acme, &gone)).await.status, 204);

    assert_eq!(api.get(&admin, &contact_path(&acme, &gone)).await.status, 404);
    assert_eq!(api.get(&admin, &contact_path(&acme, &keep)).await.status, 200);
    assert_eq!(api.get(&admin, &format!("/clients/{acme}")).await.json()["contact_count"], 1);
    given_contact(&api, &admin, &acme, json!({ "last_name": "Again", "email": "GONE@x.test" })).await;
    assert_invariants(&api).await;
}
