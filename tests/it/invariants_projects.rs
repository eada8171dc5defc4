//! The invariant checker on project links: link items and a contact's `project_count` and
//! `project_ids`, written behind the service's back as a link would write them (the link item,
//! and the contact's count and ids), then broken one way each.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use testkit::invariants::Rule;
use testkit::TestApi;

use crate::invariants::{broken_rules, put_raw, s, update_raw};
use crate::support::{given_client, given_contact};

/// A t1 client with one contact, Ada: (client, Ada's id).
async fn given_ada(api: &TestApi) -> (String, String) {
    let admin = TestApi::admin("t1");
    let acme = given_client(api, &admin, "Acme").await;
    let ada =
        given_contact(api, &admin, &acme, json!({ "last_name": "Lovelace", "email": "ada@x.test" })).await;
    (acme, ada["id"].as_str().expect("id").to_owned())
}

/// The key of the link of `contact` (of `client`) to `project`.
fn link_key(client: &str, contact: &str, project: &str) -> (String, String) {
    (format!("TENANT#t1#CLIENT#{client}"), format!("PROJECT#{project}#{contact}"))
}

/// The link item of `contact` (of `client`) to `project`, as a link writes it.
fn link(client: &str, contact: &str, project: &str) -> Vec<(&'static str, AttributeValue)> {
    let (pk, sk) = link_key(client, contact, project);
    vec![
        ("PK", s(&pk)),
        ("SK", s(&sk)),
        ("entity", s("project_link")),
        ("client_id", s(client)),
        ("contact_id", s(contact)),
        ("project_id", s(project)),
        ("linked_at", s("2026-11-28T10:00:00Z")),
        ("linked_by", s("admin-sub")),
    ]
}

/// Sets the contact's `project_count` to `count` and its `project_ids` to `ids` (at least one:
/// DynamoDB has no empty sets).
async fn set_projects(api: &TestApi, client: &str, contact: &str, count: usize, ids: &[&str]) {
    let (pk, sk) = (format!("TENANT#t1#CLIENT#{client}"), format!("CONTACT#{contact}"));
    let n = (":n", AttributeValue::N(count.to_string()));
    let ids = (":ids", AttributeValue::Ss(ids.iter().map(|p| p.to_string()).collect()));
    update_raw(api, (&pk, &sk), "SET project_count = :n, project_ids = :ids", &[n, ids]).await;
}

/// Ada linked to `project` as the service would: the link item, her count and ids.
async fn given_ada_linked_to(api: &TestApi, project: &str) -> (String, String) {
    let (acme, ada) = given_ada(api).await;
    put_raw(api, &link(&acme, &ada, project)).await;
    set_projects(api, &acme, &ada, 1, &[project]).await;
    (acme, ada)
}

#[tokio::test]
async fn a_contact_whose_count_and_ids_match_its_link_items_breaks_no_rule() {
    let api = TestApi::new().await;

    given_ada_linked_to(&api, "PRJ-2026.01_a").await;

    assert_eq!(broken_rules(api).await, []);
}

#[tokio::test]
async fn a_link_item_naming_a_contact_that_does_not_exist_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, _) = given_ada(&api).await;

    put_raw(&api, &link(&acme, &ulid::Ulid::new().to_string(), "p1")).await;

    assert_eq!(broken_rules(api).await, [Rule::ProjectLinks]);
}

#[tokio::test]
async fn a_link_item_under_another_client_than_its_contacts_is_a_violation() {
    let api = TestApi::new().await;
    let (_, ada) = given_ada(&api).await;
    let globex = given_client(&api, &TestApi::admin("t1"), "Globex").await;

    put_raw(&api, &link(&globex, &ada, "p1")).await;

    assert_eq!(broken_rules(api).await, [Rule::ProjectLinks]);
}

#[tokio::test]
async fn a_project_count_that_disagrees_with_the_link_items_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, ada) = given_ada_linked_to(&api, "p1").await;

    set_projects(&api, &acme, &ada, 2, &["p1"]).await;

    assert_eq!(broken_rules(api).await, [Rule::ProjectLinks]);
}

#[tokio::test]
async fn a_link_item_without_a_count_on_its_contact_is_a_violation() {
    // An absent project_count is 0 and absent project_ids are none: neither matches one link.
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;

    put_raw(&api, &link(&acme, &ada, "p1")).await;

    assert_eq!(broken_rules(api).await, [Rule::ProjectLinks, Rule::ProjectLinks]);
}

#[tokio::test]
async fn project_ids_missing_a_linked_project_are_a_violation() {
    let api = TestApi::new().await;
    let (acme, ada) = given_ada_linked_to(&api, "p1").await;

    put_raw(&api, &link(&acme, &ada, "p2")).await;
    set_projects(&api, &acme, &ada, 2, &["p1"]).await;

    assert_eq!(broken_rules(api).await, [Rule::ProjectLinks]);
}

#[tokio::test]
async fn a_link_item_whose_attributes_disagree_with_its_key_is_a_violation() {
    for (name, other) in
        [("project_id", "p2"), ("contact_id", "01J00000000000000000000000"), ("client_id", "x")]
    {
        let api = TestApi::new().await;
        let (acme, ada) = given_ada_linked_to(&api, "p1").await;
        let (pk, sk) = link_key(&acme, &ada, "p1");

        update_raw(&api, (&pk, &sk), &format!("SET {name} = :other"), &[(":other", s(other))]).await;

        assert_eq!(broken_rules(api).await, [Rule::ProjectLinks], "{name}");
    }
}

#[tokio::test]
async fn a_link_item_with_a_malformed_project_id_is_a_violation() {
    let too_long = "p".repeat(65);
    for project in ["has space", "a#b", too_long.as_str()] {
        let api = TestApi::new().await;

        given_ada_linked_to(&api, project).await;

        assert_eq!(broken_rules(api).await, [Rule::ProjectLinks], "{project:?}");
    }
}

#[tokio::test]
async fn a_link_item_without_when_or_by_whom_it_was_made_is_a_violation() {
    let changes = [
        ("REMOVE linked_at", None),
        ("SET linked_at = :v", Some("yesterday")),
        ("REMOVE linked_by", None),
        ("SET linked_by = :v", Some("")),
    ];
    for (change, value) in changes {
        let api = TestApi::new().await;
        let (acme, ada) = given_ada_linked_to(&api, "p1").await;
        let (pk, sk) = link_key(&acme, &ada, "p1");

        let values: Vec<_> = value.map(|v| (":v", s(v))).into_iter().collect();
        update_raw(&api, (&pk, &sk), change, &values).await;

        assert_eq!(broken_rules(api).await, [Rule::ProjectLinks], "{change} {value:?}");
    }
}

#[tokio::test]
async fn a_link_item_holding_anything_besides_its_attributes_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, ada) = given_ada_linked_to(&api, "p1").await;
    let (pk, sk) = link_key(&acme, &ada, "p1");

    update_raw(&api, (&pk, &sk), "SET email = :copy", &[(":copy", s("ada@x.test"))]).await;

    assert_eq!(broken_rules(api).await, [Rule::ProjectLinks]);
}

#[tokio::test]
async fn a_contact_linked_to_more_than_30_projects_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;
    let projects: Vec<String> = (1..=31).map(|n| format!("p{n:02}")).collect();

    for project in &projects {
        put_raw(&api, &link(&acme, &ada, project)).await;
    }
    let ids: Vec<&str> = projects.iter().map(String::as_str).collect();
    set_projects(&api, &acme, &ada, 31, &ids).await;

    assert_eq!(broken_rules(api).await, [Rule::ProjectLinks]);
}
