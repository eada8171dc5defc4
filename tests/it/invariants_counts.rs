//! The invariant checker's rules about what a client and a manager count: a client's
//! `contact_count`, a contact's line manager, a manager's `report_count` and `report_ids` (see
//! `invariants` for how the table is broken).

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use testkit::invariants::Rule;
use testkit::TestApi;

use crate::invariants::{admin, broken_rules, contact_key, s, update_raw};
use crate::support::{given_client, given_contact};

fn id(contact: &Value) -> &str {
    contact["id"].as_str().expect("id")
}

/// A client with a manager (Boss, its primary) and one report (Rep), through the service.
async fn given_manager_and_report(api: &TestApi) -> (String, Value, Value) {
    let acme = given_client(api, &admin(), "Acme").await;
    let boss =
        given_contact(api, &admin(), &acme, json!({ "last_name": "Boss", "email": "boss@x.test" })).await;
    let body = json!({ "last_name": "Rep", "email": "rep@x.test", "line_manager_id": boss["id"] });
    let rep = given_contact(api, &admin(), &acme, body).await;
    (acme, boss, rep)
}

#[tokio::test]
async fn a_client_counting_other_than_its_contacts_is_a_violation() {
    // Given a client with one contact, whose count then says two
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    given_contact(&api, &admin(), &acme, json!({ "last_name": "Ada", "email": "ada@x.test" })).await;
    let two = [(":n", AttributeValue::N("2".into()))];
    update_raw(&api, ("TENANT#t1", &format!("CLIENT#{acme}")), "SET contact_count = :n", &two).await;

    // Then the check names the count, and only it
    assert_eq!(broken_rules(api).await, [Rule::ContactCount]);
}

#[tokio::test]
async fn a_line_manager_that_does_not_exist_is_a_violation() {
    // Given a contact whose line manager is then an id no contact has
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let ada =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Ada", "email": "ada@x.test" })).await;
    let (pk, sk) = contact_key(&acme, &ada);
    let ghost = [(":m", s("01J00000000000000000000000"))];
    update_raw(&api, (&pk, &sk), "SET line_manager_id = :m", &ghost).await;

    // Then the check names the link
    assert_eq!(broken_rules(api).await, [Rule::LineManager]);
}

#[tokio::test]
async fn a_line_manager_of_another_client_is_a_violation() {
    // Given a contact of Acme linked to a contact of Globex, whose count and ids agree
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let globex = given_client(&api, &admin(), "Globex").await;
    let ada =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Ada", "email": "ada@x.test" })).await;
    let gus =
        given_contact(&api, &admin(), &globex, json!({ "last_name": "Gus", "email": "gus@x.test" })).await;
    let (pk, sk) = contact_key(&acme, &ada);
    update_raw(&api, (&pk, &sk), "SET line_manager_id = :m", &[(":m", s(id(&gus)))]).await;
    let (pk, sk) = contact_key(&globex, &gus);
    let link = [(":n", AttributeValue::N("1".into())), (":ids", AttributeValue::Ss(vec![id(&ada).into()]))];
    update_raw(&api, (&pk, &sk), "SET report_count = :n, report_ids = :ids", &link).await;

    // Then the check names the link, and only it
    assert_eq!(broken_rules(api).await, [Rule::LineManager]);
}

#[tokio::test]
async fn a_manager_counting_other_than_its_reports_is_a_violation() {
    // Given a manager of one report, whose count then says two
    let api = TestApi::new().await;
    let (acme, boss, _) = given_manager_and_report(&api).await;
    let (pk, sk) = contact_key(&acme, &boss);
    update_raw(&api, (&pk, &sk), "SET report_count = :n", &[(":n", AttributeValue::N("2".into()))]).await;

    // Then the check names the count
    assert_eq!(broken_rules(api).await, [Rule::ReportCount]);
}

#[tokio::test]
async fn a_manager_listing_other_ids_than_its_reports_is_a_violation() {
    // Given a manager of one report, whose report ids then name another contact
    let api = TestApi::new().await;
    let (acme, boss, _) = given_manager_and_report(&api).await;
    let (pk, sk) = contact_key(&acme, &boss);
    let other = [(":ids", AttributeValue::Ss(vec![id(&boss).into()]))];
    update_raw(&api, (&pk, &sk), "SET report_ids = :ids", &other).await;

    // Then the check names the ids
    assert_eq!(broken_rules(api).await, [Rule::ReportCount]);
}

#[tokio::test]
async fn a_manager_without_report_ids_is_a_violation() {
    // Given a manager of one report, whose report ids are then removed (its count stays right)
    let api = TestApi::new().await;
    let (acme, boss, _) = given_manager_and_report(&api).await;
    let (pk, sk) = contact_key(&acme, &boss);
    update_raw(&api, (&pk, &sk), "REMOVE report_ids", &[]).await;

    // Then the check names the ids
    assert_eq!(broken_rules(api).await, [Rule::ReportCount]);
}
