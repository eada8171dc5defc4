//! The invariant checker's rules about archived contacts (`ARCHIVED#CONTACT#{id}`): counted apart
//! by their client, never primary, in no index, in the sweep's index under their erasure, and
//! named by their claim, links and tag members as a contact is (see `invariants` for how the
//! table is broken).

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use testkit::invariants::Rule;
use testkit::TestApi;

use crate::invariants::{admin, broken_rules, s, update_raw};
use crate::support::{contact_path, given_client, given_contact};

/// Acme with a primary and Ada, archived through the service; Acme's id and Ada's item key.
async fn given_archived(api: &TestApi) -> (String, (String, String)) {
    let acme = given_client(api, &admin(), "Acme").await;
    given_contact(api, &admin(), &acme, json!({ "last_name": "Primary", "email": "p@x.test" })).await;
    let ada: Value =
        given_contact(api, &admin(), &acme, json!({ "last_name": "Ada", "email": "ada@x.test" })).await;
    let res = api.post(&admin(), &format!("{}/archive", contact_path(&acme, &ada)), json!({})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let key =
        (format!("TENANT#t1#CLIENT#{acme}"), format!("ARCHIVED#CONTACT#{}", ada["id"].as_str().unwrap()));
    (acme, key)
}

#[tokio::test]
async fn an_archived_contact_as_the_service_leaves_it_breaks_no_rule() {
    // Given Ada archived through the service
    let api = TestApi::new().await;
    given_archived(&api).await;

    // Then nothing is broken
    assert_eq!(broken_rules(api).await, []);
}

#[tokio::test]
async fn a_client_counting_other_than_its_archived_contacts_is_a_violation() {
    // Given Acme with Ada archived, whose archived count then says none
    let api = TestApi::new().await;
    let (acme, _) = given_archived(&api).await;
    update_raw(&api, ("TENANT#t1", &format!("CLIENT#{acme}")), "REMOVE archived_count", &[]).await;

    // Then the check names the count
    assert_eq!(broken_rules(api).await, [Rule::ContactCount]);
}

#[tokio::test]
async fn an_archived_contact_flagged_primary_is_a_violation() {
    // Given Ada archived, then flagged primary
    let api = TestApi::new().await;
    let (_, (pk, sk)) = given_archived(&api).await;
    update_raw(&api, (&pk, &sk), "SET is_primary = :t", &[(":t", AttributeValue::Bool(true))]).await;

    // Then the check names the primary rule
    assert_eq!(broken_rules(api).await, [Rule::Primary]);
}

#[tokio::test]
async fn an_archived_contact_in_the_name_index_is_a_violation() {
    // Given Ada archived, then given a name key, as if she were still listed
    let api = TestApi::new().await;
    let (_, (pk, sk)) = given_archived(&api).await;
    update_raw(&api, (&pk, &sk), "SET GSI2SK = :k", &[(":k", s("ada\u{1}"))]).await;

    // Then the check names the name key
    assert_eq!(broken_rules(api).await, [Rule::NameKey]);
}

#[tokio::test]
async fn an_archived_contact_indexed_for_another_time_than_its_erasure_is_a_violation() {
    // Given Ada archived, then due for erasure the moment she was archived, not her key's time
    let api = TestApi::new().await;
    let (_, (pk, sk)) = given_archived(&api).await;
    update_raw(&api, (&pk, &sk), "SET purge_at = archived_at", &[]).await;

    // Then the check names the sweep's index
    assert_eq!(broken_rules(api).await, [Rule::SweepIndex]);
}
