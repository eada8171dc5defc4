//! Projects per contact (the PSA document: "associated with one or more projects ... the
//! number of projects a contact is associated to"): links kept here, counted on the contact,
//! listed both ways, bounded, idempotent, and gone with their contact.

use std::collections::HashMap;

use serde_json::{json, Value};
use testkit::{Caller, TestApi, TestResponse};

use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

/// Most projects one contact is linked to.
pub const MAX_PROJECTS: usize = 30;

fn admin() -> Caller {
    TestApi::admin("t1")
}

pub async fn link(api: &TestApi, caller: &Caller, contact: &str, project: &str) -> TestResponse {
    api.send(caller, "PUT", &format!("{contact}/projects/{project}"), &[], None).await
}

async fn unlink(api: &TestApi, contact: &str, project: &str) -> TestResponse {
    api.delete(&admin(), &format!("{contact}/projects/{project}")).await
}

/// The project ids the contact's list shows, in its order.
async fn projects_of(api: &TestApi, contact: &str) -> Vec<String> {
    let res = api.get(&admin(), &format!("{contact}/projects")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["next_cursor"], Value::Null);
    ids(&res.json()["items"], "project_id")
}

fn ids(items: &Value, field: &str) -> Vec<String> {
    items.as_array().unwrap().iter().map(|i| i[field].as_str().unwrap().to_owned()).collect()
}

async fn project_count(api: &TestApi, contact: &str) -> Value {
    api.get(&admin(), contact).await.json()["project_count"].clone()
}

/// A t1 client with one contact: (client, the contact's path).
async fn given_ada(api: &TestApi) -> (String, String) {
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
async fn a_contact_lists_its_projects_by_project_id() {
    let api = TestApi::new().await;
    let (_, ada) = given_ada(&api).await;
    for project in ["b-2", "A-1", "c.3", "B_1"] {
        link(&api, &admin(), &ada, project).await;
    }

    assert_eq!(projects_of(&api, &ada).await, ["A-1", "B_1", "b-2", "c.3"]);
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
async fn a_project_lists_the_clients_contacts_linked_to_it_in_pages() {
    // Given three contacts of a client linked to P-1, one not, and one of another client
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let mut linked = Vec::new();
    for name in ["A", "B", "C", "D"] {
        let contact =
            given_contact(&api, &admin(), &acme, json!({ "last_name": name, "phone": "+12025550143" })).await;
        if name != "D" {
            link(&api, &admin(), &contact_path(&acme, &contact), "P-1").await;
            linked.push(contact["id"].as_str().unwrap().to_owned());
        }
    }
    let (_, other) = given_ada(&api).await;
    link(&api, &admin(), &other, "P-1").await;

    // When the project's contacts are read two at a time, by a reader
    let reader = TestApi::reader("t1");
    let path = format!("/clients/{acme}/projects/P-1/contacts");
    let first = api.get(&reader, &format!("{path}?limit=2")).await;
    let cursor = first.json()["next_cursor"].as_str().expect("a second page").to_owned();
    let second = api.get(&reader, &format!("{path}?limit=2&cursor={cursor}")).await;

    // Then they are the three linked contacts of that client, whole, in id order
    assert_eq!((first.status, second.status), (200, 200), "{} {}", first.body, second.body);
    let mut seen = ids(&first.json()["items"], "id");
    seen.extend(ids(&second.json()["items"], "id"));
    assert_eq!(seen, linked);
    assert_eq!(first.json()["items"][0]["project_count"], 1);
    assert_eq!(second.json()["next_cursor"], Value::Null);
}

#[tokio::test]
async fn a_projects_cursor_is_refused_on_another_project() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    for name in ["A", "B"] {
        let contact =
            given_contact(&api, &admin(), &acme, json!({ "last_name": name, "phone": "+12025550143" })).await;
        link(&api, &admin(), &contact_path(&acme, &contact), "P-1").await;
    }
    let first = api.get(&admin(), &format!("/clients/{acme}/projects/P-1/contacts?limit=1")).await;
    let cursor = first.json()["next_cursor"].as_str().unwrap().to_owned();

    let res = api.get(&admin(), &format!("/clients/{acme}/projects/P-2/contacts?cursor={cursor}")).await;

    assert_eq!((res.status, res.problem_code().as_str()), (400, "bad-request"), "{}", res.body);
}

#[tokio::test]
async fn a_project_nobody_is_linked_to_has_no_contacts() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;

    let res = api.get(&admin(), &format!("/clients/{acme}/projects/P-1/contacts")).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json(), json!({ "items": [], "next_cursor": null }));
}

#[tokio::test]
async fn the_contacts_of_a_project_of_a_client_that_does_not_exist_is_404() {
    let api = TestApi::new().await;

    let res = api.get(&admin(), "/clients/01JD0000000000000000000000/projects/P-1/contacts").await;

    assert_eq!((res.status, res.problem_code().as_str()), (404, "not-found"), "{}", res.body);
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

#[tokio::test]
async fn another_tenant_neither_sees_nor_links_a_contacts_projects() {
    // Given a t1 contact linked to P-1
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;
    link(&api, &admin(), &ada, "P-1").await;

    // When a t2 admin reads and links through the same paths
    let intruder = TestApi::admin("t2");
    let listed = api.get(&intruder, &format!("{ada}/projects")).await;
    let linked = link(&api, &intruder, &ada, "P-2").await;
    let unlinked = api.delete(&intruder, &format!("{ada}/projects/P-1")).await;
    let contacts = api.get(&intruder, &format!("/clients/{acme}/projects/P-1/contacts")).await;

    // Then it finds nothing and changes nothing
    for res in [&listed, &linked, &unlinked, &contacts] {
        assert_eq!(res.status, 404, "{}", res.body);
    }
    assert_eq!(projects_of(&api, &ada).await, ["P-1"]);
}

#[tokio::test]
async fn a_reader_may_list_projects_but_not_link_or_unlink_them() {
    let api = TestApi::new().await;
    let (_, ada) = given_ada(&api).await;
    link(&api, &admin(), &ada, "P-1").await;
    let reader = TestApi::reader("t1");

    let linked = link(&api, &reader, &ada, "P-2").await;
    let unlinked = api.delete(&reader, &format!("{ada}/projects/P-1")).await;
    let listed = api.get(&reader, &format!("{ada}/projects")).await;

    assert_eq!((linked.status, unlinked.status, listed.status), (403, 403, 200));
    assert_eq!(projects_of(&api, &ada).await, ["P-1"]);
}

#[tokio::test]
async fn deleting_a_contact_deletes_its_links() {
    // Given a contact linked to two projects, and another contact of P-1
    let api = TestApi::new().await;
    let (acme, ada) = given_ada(&api).await;
    let bob =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Bob", "phone": "+12025550143" })).await;
    link(&api, &admin(), &ada, "P-1").await;
    link(&api, &admin(), &ada, "P-2").await;
    link(&api, &admin(), &contact_path(&acme, &bob), "P-1").await;

    // When Ada is deleted (Bob becomes primary first)
    api.patch(&admin(), &contact_path(&acme, &bob), json!({ "is_primary": true })).await;
    let res = api.delete(&admin(), &ada).await;

    // Then no project lists her, and no link item of hers is left
    assert_eq!(res.status, 204, "{}", res.body);
    let p1 = api.get(&admin(), &format!("/clients/{acme}/projects/P-1/contacts")).await.json();
    assert_eq!(ids(&p1["items"], "id"), [bob["id"].as_str().unwrap()]);
    let p2 = api.get(&admin(), &format!("/clients/{acme}/projects/P-2/contacts")).await.json();
    assert_eq!(p2["items"], json!([]));
    let links =
        api.scan().await.into_iter().filter(|i| i["SK"].as_s().unwrap().starts_with("PROJECT#")).count();
    assert_eq!(links, 1);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_duplicate_is_linked_to_no_project() {
    let api = TestApi::new().await;
    let (_, ada) = given_ada(&api).await;
    link(&api, &admin(), &ada, "P-1").await;

    let res = api.post(&admin(), &format!("{ada}/duplicate"), json!({ "phone": "+12025550143" })).await;

    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.json()["project_count"], 0);
    let copy = format!("{}/{}", ada.rsplit_once('/').unwrap().0, res.json()["id"].as_str().unwrap());
    assert!(projects_of(&api, &copy).await.is_empty());
    assert_invariants(&api).await;
}
