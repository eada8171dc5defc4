//! Why links and reports are bounded: deleting a contact takes one transaction of at most 100
//! items, which must hold everything that points at it. A contact at every limit at once (a
//! manager of its own, an address, three search terms and eight topics, the idempotency record
//! it was created by, 30 project links and 53 reports) is still deleted in one transaction, with
//! the record of who deleted it.
//! And what links cost: one transaction per link or unlink, two reads per page of a project.

use serde_json::{json, Value};
use testkit::TestApi;

use crate::projects::{link, MAX_PROJECTS};
use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

const MAX_REPORTS: usize = 53;
const TOPICS: [&str; 8] =
    ["invoice", "credit_note", "estimate", "ticket", "project", "contract", "task", "timesheet_approval"];

#[tokio::test]
async fn a_contact_at_every_limit_is_deleted_in_one_transaction_of_100_items() {
    // Given a contact that has a manager, an address, every topic, an idempotency record,
    // 30 project links and 53 reports
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let chief =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Chief", "phone": "+12025550140" })).await;
    let body = json!({ "first_name": "Ada", "last_name": "Lovelace", "email": unique_email("ada"),
                       "notifications": TOPICS, "line_manager_id": chief["id"] });
    let headers = [("content-type", "application/json"), ("idempotency-key", "at-every-limit")];
    let res = api
        .send(&admin, "POST", &format!("/clients/{acme}/contacts"), &headers, Some(body.to_string()))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let ada: Value = res.json();
    let path = contact_path(&acme, &ada);
    for i in 0..MAX_PROJECTS {
        assert_eq!(link(&api, &admin, &path, &format!("P{i}")).await.status, 200);
    }
    for i in 0..MAX_REPORTS {
        let report =
            json!({ "last_name": format!("R{i}"), "phone": "+12025550143", "line_manager_id": ada["id"] });
        given_contact(&api, &admin, &acme, report).await;
    }
    proxy.take_calls();

    // When it is deleted
    let res = api.delete(&admin, &path).await;

    // Then one read and one transaction of exactly 100 items (its deletion record one of
    // them) did it
    assert_eq!(res.status, 204, "{}", res.body);
    let writes: Vec<(String, usize)> = proxy
        .take_calls()
        .into_iter()
        .map(|c| (c.operation, c.items))
        .filter(|(op, _)| op != "GetItem")
        .collect();
    assert_eq!(writes, [("TransactWriteItems".to_owned(), 100)]);
    let left = api.get(&admin, &format!("/clients/{acme}/projects/P0/contacts")).await.json();
    assert_eq!(left["items"], json!([]));
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_link_is_one_transaction_whether_it_is_made_found_or_refused() {
    // Given a contact linked to 30 projects
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let ada =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Ada", "phone": "+12025550140" })).await;
    let path = contact_path(&acme, &ada);
    for i in 0..MAX_PROJECTS - 1 {
        link(&api, &admin, &path, &format!("P{i}")).await;
    }

    // When the 30th is linked, linked again, a 31st is refused, and one is unlinked
    let mut answers = Vec::new();
    let mut operations = Vec::new();
    for (method, project) in [("PUT", "P29"), ("PUT", "P29"), ("PUT", "P30"), ("DELETE", "P0")] {
        proxy.take_calls();
        answers.push(api.send(&admin, method, &format!("{path}/projects/{project}"), &[], None).await.status);
        operations.push(proxy.take_calls().into_iter().map(|c| c.operation).collect::<Vec<_>>());
    }

    // Then each took exactly one transaction and nothing else
    assert_eq!(answers, [200, 200, 409, 204]);
    assert!(operations.iter().all(|ops| ops == &["TransactWriteItems"]), "{operations:?}");
}

#[tokio::test]
async fn a_page_of_a_projects_contacts_is_one_query_and_one_batch_read() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    for name in ["A", "B", "C"] {
        let contact =
            given_contact(&api, &admin, &acme, json!({ "last_name": name, "phone": "+12025550140" })).await;
        link(&api, &admin, &contact_path(&acme, &contact), "P-1").await;
    }
    proxy.take_calls();

    let page = api.get(&admin, &format!("/clients/{acme}/projects/P-1/contacts")).await;

    assert_eq!(page.json()["items"].as_array().map(Vec::len), Some(3), "{}", page.body);
    let ops: Vec<String> = proxy.take_calls().into_iter().map(|c| c.operation).collect();
    assert_eq!(ops, ["Query", "BatchGetItem"]);
}
