//! Races on contacts and clients: one email, the first contact, primary moves, If-Match,
//! delete against update, deleting a client against adding to it, one Idempotency-Key twice.

use serde_json::json;

use super::{given_client_with, race, racing_api, repeats, Gate, TRANSACTIONS, VERSIONED_WRITES};
use crate::support::{assert_invariants, given_client};
use testkit::TestApi;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_adds_of_one_email_make_one_contact() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    for round in 0..repeats() {
        // Given a client that has a contact, so that every add is one transaction
        let (acme, _) = given_client_with(&api, &[format!("p{round}@x.test")]).await;
        let email = format!("same{round}@x.test");

        // When 20 adds of one address write at the same moment
        let run = race(&proxy, TRANSACTIONS, 20, |i| {
            let (api, admin, acme, email) = (api.clone(), admin.clone(), acme.clone(), email.clone());
            async move {
                let body = json!({ "last_name": format!("N{i}"), "email": email });
                api.post(&admin, &format!("/clients/{acme}/contacts"), body).await
            }
        })
        .await;

        // Then one wins, the condition on the address refuses the 19 others
        run.assert_overlapped(20);
        let statuses = run.statuses();
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
        assert!(run.responses.iter().filter(|r| r.status != 201).all(|r| r.problem_code() == "email-taken"));
        assert_eq!(run.committed(), 1);
        assert!(run.failed_conditions() >= 19, "{:?}", run.calls);
        assert_eq!(api.get(&admin, &format!("/clients/{acme}")).await.json()["contact_count"], 2);
    }
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_contacts_elect_exactly_one_primary() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    for round in 0..repeats() {
        // Given a client without contacts
        let acme = given_client(&api, &admin, "Acme").await;

        // When 8 adds race, twice: first planned for a client with contacts (all refused),
        // then planned again, each as the first contact
        let gate = Gate { rounds: 2, ..TRANSACTIONS };
        let run = race(&proxy, gate, 8, |i| {
            let (api, admin, acme) = (api.clone(), admin.clone(), acme.clone());
            async move {
                let body = json!({ "last_name": "N", "email": format!("n{round}-{i}@x.test") });
                api.post(&admin, &format!("/clients/{acme}/contacts"), body).await
            }
        })
        .await;

        // Then all are added and exactly one became primary
        run.assert_overlapped(16);
        assert!(run.statuses().iter().all(|s| *s == 201), "{:?}", run.statuses());
        assert_eq!(run.responses.iter().filter(|r| r.json()["is_primary"] == true).count(), 1);
        assert_eq!(run.committed(), 8);
        assert!(run.failed_conditions() > 8, "both rounds had losers: {:?}", run.calls);
    }
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_primary_moves_leave_exactly_one_primary() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    for round in 0..repeats() {
        // Given a primary and four other contacts
        let emails: Vec<String> = (0..5).map(|i| format!("n{round}-{i}@x.test")).collect();
        let (acme, mut paths) = given_client_with(&api, &emails).await;
        paths.remove(0);

        // When the four are made primary at once, all planned from the same primary
        let run = race(&proxy, TRANSACTIONS, 4, |i| {
            let (api, admin, path) = (api.clone(), admin.clone(), paths[i].clone());
            async move { api.patch(&admin, &path, json!({ "is_primary": true })).await }
        })
        .await;

        // Then every move lands, one after another: the losers planned again
        run.assert_overlapped(4);
        assert!(run.statuses().iter().all(|s| *s == 200), "{:?}", run.statuses());
        assert_eq!(run.committed(), 4);
        assert!(run.failed_conditions() >= 1, "a move was refused and planned again: {:?}", run.calls);
        let list = api.get(&admin, &format!("/clients/{acme}/contacts?primary=true")).await.json();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
    }
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_patches_with_the_same_if_match_have_one_winner() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    for round in 0..repeats() {
        let (_, paths) = given_client_with(&api, &[format!("n{round}@x.test")]).await;
        let path = paths[0].clone();

        let run = race(&proxy, VERSIONED_WRITES, 6, |i| {
            let (api, admin, path) = (api.clone(), admin.clone(), path.clone());
            async move {
                let headers = [("content-type", "application/json"), ("if-match", "\"v1\"")];
                let body = json!({ "job_title": format!("T{i}") }).to_string();
                api.send(&admin, "PATCH", &path, &headers, Some(body)).await
            }
        })
        .await;

        run.assert_overlapped(6);
        let statuses = run.statuses();
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 412).count(), 5, "{statuses:?}");
        assert_eq!((run.committed(), run.failed_conditions()), (1, 5), "{:?}", run.calls);
        assert_eq!(api.get(&admin, &path).await.json()["version"], 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_delete_and_update_of_one_contact_stay_consistent() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    let mut updated_first = 0;
    for round in 0..repeats() {
        let (acme, paths) =
            given_client_with(&api, &[format!("p{round}@x.test"), format!("n{round}@x.test")]).await;
        let path = paths[1].clone();

        let run = race(&proxy, TRANSACTIONS, 2, |i| {
            let (api, admin, path) = (api.clone(), admin.clone(), path.clone());
            async move {
                if i == 0 {
                    api.delete(&admin, &path).await
                } else {
                    api.patch(&admin, &path, json!({ "email": format!("moved{round}@x.test") })).await
                }
            }
        })
        .await;

        run.assert_overlapped(2);
        assert_eq!(run.responses[0].status, 204, "{}", run.responses[0].body);
        assert!([200, 404].contains(&run.responses[1].status), "{}", run.responses[1].body);
        updated_first += usize::from(run.responses[1].status == 200);
        assert_eq!(api.get(&admin, &path).await.status, 404);
        // The freed addresses are free again, whichever won.
        let reuse = json!({ "last_name": "R", "email": format!("moved{round}@x.test") });
        assert_eq!(api.post(&admin, &format!("/clients/{acme}/contacts"), reuse).await.status, 201);
    }
    eprintln!("delete vs update: the update landed first in {updated_first} of {} runs", repeats());
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deleting_a_client_while_its_first_contact_is_added_leaves_no_orphan() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    let mut added_first = 0;
    for round in 0..repeats() {
        // Given an empty client, and an add whose first write (planned for a client with
        // contacts) has been refused, so that its second write, as the first contact, is next
        let acme = given_client(&api, &admin, "Acme").await;
        proxy.take_calls();
        proxy.hold_in_rounds(&["TransactWriteItems", "DeleteItem"], 1, 2, 1);
        let add = tokio::spawn({
            let (api, admin, acme) = (api.clone(), admin.clone(), acme.clone());
            async move {
                let body = json!({ "last_name": "N", "email": format!("n{round}@x.test") });
                api.post(&admin, &format!("/clients/{acme}/contacts"), body).await
            }
        });
        while !proxy.calls().iter().any(|c| c.operation == "TransactWriteItems") {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }

        // When the client is deleted as the add writes again
        let delete = api.delete(&admin, &format!("/clients/{acme}")).await;
        let add = add.await.unwrap();

        // Then one of them wins whole: never a contact under a deleted client
        assert!(proxy.gate_report().released_together(2), "{:?} {:?}", proxy.gate_report(), proxy.calls());
        match (add.status, delete.status) {
            (201, 409) => {
                assert_eq!(delete.problem_code(), "client-has-contacts");
                added_first += 1;
            }
            (404, 204) => {
                let items =
                    testkit::table::items_under(&api.db, &api.table, &format!("TENANT#t1#CLIENT#{acme}"))
                        .await;
                assert!(items.is_empty(), "orphans under the deleted client: {items:?}");
            }
            other => panic!("add {} / delete {}: {other:?}", add.body, delete.body),
        }
    }
    eprintln!("delete client vs add: the add landed first in {added_first} of {} runs", repeats());
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_requests_with_one_idempotency_key_at_once_create_once_and_answer_alike() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    for round in 0..repeats() {
        let key = format!("key-{round}-{}", ulid::Ulid::new());
        let name = format!("Acme {round}");

        let run = race(&proxy, TRANSACTIONS, 2, |_| {
            let (api, admin, key, name) = (api.clone(), admin.clone(), key.clone(), name.clone());
            async move {
                let headers = [("content-type", "application/json"), ("idempotency-key", key.as_str())];
                api.send(&admin, "POST", "/clients", &headers, Some(json!({ "name": name }).to_string()))
                    .await
            }
        })
        .await;

        run.assert_overlapped(2);
        assert_eq!(
            run.statuses(),
            [201, 201],
            "{:?}",
            run.responses.iter().map(|r| &r.body).collect::<Vec<_>>()
        );
        assert_eq!(
            run.responses[0].json()["id"],
            run.responses[1].json()["id"],
            "the retry replays the first"
        );
        assert_eq!((run.committed(), run.failed_conditions()), (1, 1), "{:?}", run.calls);
    }
    let all = api.get(&admin, "/clients?limit=100").await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), repeats().min(100));
}
