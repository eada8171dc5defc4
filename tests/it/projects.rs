//! Projects per contact (the PSA document: "associated with one or more projects ... the
//! number of projects a contact is associated to"): links kept here, counted on the contact,
//! listed both ways, bounded, idempotent, and gone with their contact.

use std::collections::HashMap;

use serde_json::{json, Value};
use testkit::{Caller, TestApi, TestResponse};

use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

/// Most projects one contact is linked to.
pub const MAX_PROJECTS: usize = 30;

pub fn admin() -> Caller {
    TestApi::admin("t1")
}

pub async fn link(api: &TestApi, caller: &Caller, contact: &str, project: &str) -> TestResponse {
    api.send(caller, "PUT", &format!("{contact}/projects/{project}"), &[], None).await
}

async fn unlink(api: &TestApi, contact: &str, project: &str) -> TestResponse {
    api.delete(&admin(), &format!("{contact}/projects/{project}")).await
}

/// The project ids the contact's list shows, in its order.
pub async fn projects_of(api: &TestApi, contact: &str) -> Vec<String> {
    let res = api.get(&admin(), &format!("{contact}/projects")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["next_cursor"], Value::Null);
    ids(&res.json()["items"], "project_id")
}

pub fn ids(items: &Value, field: &str) -> Vec<String> {
    items.as_array().unwrap().iter().map(|i| i[field].as_str().unwrap().to_owned()).collect()
}

pub async fn project_count(api: &TestApi, contact: &str) -> Value {
    api.get(&admin(), contact).await.json()["project_count"].clone()
}

/// A t1 client with one contact: (client, the contact's path).
pub async fn given_ada(api: &TestApi) -> (String, String) {
    let acme = given_client(api, &admin(), "Acme").await;
    let ada =
        given_contact(api, &admin(), &acme, json!({ "last_name": "Lovelace", "email": unique_email("ada") }))
            .await;
    let path = contact_path(&acme, &ada);
    (acme, path)
}

#[tokio::test]
async fn a_new_contact_has_no_projects() {
    let api = TestApi::new().await;
    let (_, ada) = given_ada(&api).await;

    assert_eq!(project_count(&api, &ada).await, 0);
    assert!(projects_of(&api, &ada).await.is_empty());
}

#[tokio::test]
async fn linking_a_project_answers_the_link_and_counts_it_on_the_contact() {
    // Given a contact
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;
    let before = api.get(&admin(), &ada).await.json();

    // When it is linked to project P-7
    let res = link(&api, &admin(), &ada, "P-7").await;

    // Then the link is answered, counted, listed, and the contact's version did not move
    assert_eq!(res.status, 200, "{}", res.body);
    let body = res.json();
    assert_eq!((body["client_id"].as_str(), body["project_id"].as_str()), (Some(acme.as_str()), Some("P-7")));
    assert_eq!(body["contact_id"], before["id"]);
    assert!(body["linked_at"].is_string() && body["linked_by"].is_string(), "{body}");
    let after = api.get(&admin(), &ada).await.json();
    assert_eq!(after["project_count"], 1);
    assert_eq!(after["version"], before["version"]);
    assert_eq!(projects_of(&api, &ada).await, ["P-7"]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn linking_a_linked_project_again_answers_the_first_link_and_counts_it_once() {
    // Given a contact linked to P-7
    let api = TestApi::new().await;
    let (_, ada) = given_ada(&api).await;
    let first = link(&api, &admin(), &ada, "P-7").await.json();

    // When it is linked again, by another manager
    let other = HashMap::from([
        ("sub".to_owned(), "another-manager".to_owned()),
        ("custom:tenant_id".to_owned(), "t1".to_owned()),
        ("cognito:groups".to_owned(), "[manage_all_clients]".to_owned()),
        ("token_use".to_owned(), "id".to_owned()),
    ]);
    let again = link(&api, &Caller::Authorizer(other), &ada, "P-7").await;

    // Then the answer is the first link, and it counts once
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json(), first);
    assert_eq!(project_count(&api, &ada).await, 1);
}

#[tokio::test]
async fn unlinking_removes_the_link_and_its_count() {
    // Given a contact linked to two projects
    let api = TestApi::new().await;
    let (_, ada) = given_ada(&api).await;
    link(&api, &admin(), &ada, "P-1").await;
    link(&api, &admin(), &ada, "P-2").await;

    // When one is unlinked
    let res = unlink(&api, &ada, "P-1").await;

    // Then only the other remains
    assert_eq!(res.status, 204, "{}", res.body);
    assert_eq!(project_count(&api, &ada).await, 1);
    assert_eq!(projects_of(&api, &ada).await, ["P-2"]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn unlinking_a_project_the_contact_is_not_linked_to_changes_nothing() {
    // Given a contact linked to P-1
    let api = TestApi::new().await;
    let (_, ada) = given_ada(&api).await;
    link(&api, &admin(), &ada, "P-1").await;

    // When another project is unlinked, twice
    let first = unlink(&api, &ada, "P-9").await;
    let second = unlink(&api, &ada, "P-9").await;

    // Then both are done and P-1 is still counted
    assert_eq!((first.status, second.status), (204, 204));
    assert_eq!(project_count(&api, &ada).await, 1);
}

#[tokio::test]
async fn the_thirty_first_project_is_409_too_many_projects_and_changes_nothing() {
    // Given a contact linked to 30 projects
    let api = TestApi::new().await;
    let (_, ada) = given_ada(&api).await;
    for i in 0..MAX_PROJECTS {
        assert_eq!(link(&api, &admin(), &ada, &format!("P{i}")).await.status, 200);
    }

    // When a 31st is linked, and one of the 30 again
    let res = link(&api, &admin(), &ada, "P-extra").await;
    let again = link(&api, &admin(), &ada, "P0").await;

    // Then the new one is refused, the existing one is still answered, and 30 are counted
    assert_eq!((res.status, res.problem_code().as_str()), (409, "too-many-projects"), "{}", res.body);
    assert!(res.json()["detail"].as_str().unwrap().contains("30"), "{}", res.body);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(project_count(&api, &ada).await, 30);
    assert!(!projects_of(&api, &ada).await.contains(&"P-extra".to_owned()));
    assert_invariants(&api).await;
}

#[tokio::test]
async fn linking_unlinking_or_listing_the_projects_of_a_contact_that_does_not_exist_is_404() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let ghost = format!("/clients/{acme}/contacts/01JD0000000000000000000000");

    let linked = link(&api, &admin(), &ghost, "P-1").await;
    let unlinked = unlink(&api, &ghost, "P-1").await;
    let listed = api.get(&admin(), &format!("{ghost}/projects")).await;

    for res in [&linked, &unlinked, &listed] {
        assert_eq!((res.status, res.problem_code().as_str()), (404, "not-found"), "{}", res.body);
    }
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_malformed_project_id_is_400_on_every_route() {
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;
    let long = "x".repeat(65);

    for bad in ["a%23b", "a%20b", "%C3%A9t%C3%A9", long.as_str()] {
        let responses = [
            link(&api, &admin(), &ada, bad).await,
            unlink(&api, &ada, bad).await,
            api.get(&admin(), &format!("/clients/{acme}/projects/{bad}/contacts")).await,
        ];
        for res in responses {
            assert_eq!(
                (res.status, res.problem_code().as_str()),
                (400, "bad-request"),
                "{bad}: {}",
                res.body
            );
            assert!(res.json()["detail"].as_str().unwrap().contains("projectId"), "{}", res.body);
        }
    }
    assert_eq!(project_count(&api, &ada).await, 0);
}

#[tokio::test]
async fn project_count_cannot_be_written_by_a_patch() {
    let api = TestApi::new().await;
    let (_, ada) = given_ada(&api).await;

    let res = api.patch(&admin(), &ada, json!({ "project_count": 5 })).await;

    assert_eq!((res.status, res.problem_code().as_str()), (422, "validation-failed"), "{}", res.body);
    assert_eq!(res.invalid_fields(), ["project_count"]);
    assert_eq!(project_count(&api, &ada).await, 0);
}
