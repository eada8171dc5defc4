//! Project links read both ways (a contact's projects, a project's contacts), who may read and
//! change them, and what happens to them when their contact is copied or deleted.

use serde_json::{json, Value};
use testkit::TestApi;

use crate::projects::{admin, given_ada, ids, link, projects_of};
use crate::support::{assert_invariants, contact_path, given_client, given_contact};

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
