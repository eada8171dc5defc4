//! The invariant checker on index items: a topic or search item missing, stray or naming the
//! wrong contact, and a stale name sort key, each broken behind the service's back.

use serde_json::json;
use testkit::invariants::Rule;
use testkit::TestApi;

use crate::invariants::{broken_rules, contact_key, delete_raw, put_raw, s, update_raw};
use crate::support::{given_client, given_contact};

/// A t1 client with one contact, Ada Lovelace, who receives invoices: (client, contact).
async fn given_ada(api: &TestApi) -> (String, serde_json::Value) {
    let admin = TestApi::admin("t1");
    let acme = given_client(api, &admin, "Acme").await;
    let body = json!({ "first_name": "Ada", "last_name": "Lovelace", "email": "ada@x.test", "notifications": ["invoice"] });
    (acme.clone(), given_contact(api, &admin, &acme, body).await)
}

#[tokio::test]
async fn a_missing_topic_item_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;
    let (pk, _) = contact_key(&acme, &ada);

    delete_raw(&api, (&pk, &format!("TOPIC#invoice#{}", ada["id"].as_str().unwrap()))).await;

    assert_eq!(broken_rules(api).await, [Rule::IndexItems]);
}

#[tokio::test]
async fn a_search_item_for_a_term_the_contact_no_longer_has_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;
    let id = ada["id"].as_str().unwrap();

    put_raw(
        &api,
        &[
            ("PK", s("TENANT#t1#FIND")),
            ("SK", s(&format!("byron#{id}"))),
            ("entity", s("find")),
            ("client_id", s(&acme)),
            ("contact_id", s(id)),
        ],
    )
    .await;

    assert_eq!(broken_rules(api).await, [Rule::IndexItems]);
}

#[tokio::test]
async fn a_renamed_contact_whose_search_item_and_name_key_stayed_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;
    let (pk, sk) = contact_key(&acme, &ada);

    update_raw(&api, (&pk, &sk), "SET last_name = :name", &[(":name", s("King"))]).await;

    // The old term's item is stray, the new one's missing, and the name key stale.
    assert_eq!(broken_rules(api).await, [Rule::IndexItems, Rule::IndexItems, Rule::NameKey]);
}

#[tokio::test]
async fn a_contact_without_its_tenant_wide_index_key_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;
    let (pk, sk) = contact_key(&acme, &ada);

    // Missing, the contact would be left out of browsing the tenant's contacts.
    update_raw(&api, (&pk, &sk), "REMOVE GSI3PK", &[]).await;

    assert_eq!(broken_rules(api).await, [Rule::NameKey]);
}

#[tokio::test]
async fn a_contact_indexed_under_another_tenant_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;
    let (pk, sk) = contact_key(&acme, &ada);

    update_raw(&api, (&pk, &sk), "SET GSI3PK = :other", &[(":other", s("TENANT#t2#CONTACTS"))]).await;

    assert_eq!(broken_rules(api).await, [Rule::NameKey]);
}
