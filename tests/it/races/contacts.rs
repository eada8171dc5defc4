//! Races on contacts and clients: one email, the first contact, primary moves, If-Match,
//! delete against update, deleting a client against adding to it, one Idempotency-Key twice.

use serde_json::json;

use super::{
    delete_vs_change, given_client_with, landing, race, race_landing, racing_api, repeats, Gate, Held,
    Outcomes, CHANGED_THEN_DELETED, DELETED_FIRST, DELETE_VS_CHANGE, HELD_TRANSACTIONS, TRANSACTIONS,
    VERSIONED_WRITES,
};
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
        assert_eq!((run.committed(), run.failed_conditions()), (1, 19), "{:?}", run.calls);
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
        // (8 refused in the first round, 7 in the second; the 7 then add to a client with
        // contacts, which no other add's condition stands in the way of)
        assert_eq!((run.committed(), run.failed_conditions()), (8, 8 + 7), "{:?}", run.calls);
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

        // When the four are made primary at once, all planned from the same primary, and the
        // losers of each round planned again from the new one race again
        let gate = Gate { rounds: 3, shrinking: true, ..TRANSACTIONS };
        let run = race(&proxy, gate, 4, |i| {
            let (api, admin, path) = (api.clone(), admin.clone(), paths[i].clone());
            async move { api.patch(&admin, &path, json!({ "is_primary": true })).await }
        })
        .await;

        // Then every move lands, one after another: in each round of 4, 3 and 2 moves one
        // landed and the old primary's condition refused the others, which planned again
        run.assert_overlapped(4 + 3 + 2);
        assert!(run.statuses().iter().all(|s| *s == 200), "{:?}", run.statuses());
        assert_eq!((run.committed(), run.failed_conditions()), (4, 3 + 2 + 1), "{:?}", run.calls);
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
    let mut outcomes = Outcomes::of("delete vs update", &[CHANGED_THEN_DELETED, DELETED_FIRST]);
    for round in 0..repeats() {
        // Given a contact (not the primary)
        let (acme, paths) =
            given_client_with(&api, &[format!("p{round}@x.test"), format!("n{round}@x.test")]).await;
        let path = paths[1].clone();

        // When it is deleted as its address is changed, both planned on the same contact, the
        // delete's write landing first, last, or as it happens
        let order = landing(round, &[&[0, 1], &[1, 0]]);
        let run = race_landing(&proxy, HELD_TRANSACTIONS, order, 2, |i| {
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

        // Then the delete wins whole: an update that landed first is deleted with the contact
        // (the delete's condition refused its stale plan), a later one finds no contact
        outcomes.saw_in(delete_vs_change(&run), order, &DELETE_VS_CHANGE);
        assert_eq!(api.get(&admin, &path).await.status, 404);
        // The freed addresses are free again, whichever won.
        let reuse = json!({ "last_name": "R", "email": format!("moved{round}@x.test") });
        assert_eq!(api.post(&admin, &format!("/clients/{acme}/contacts"), reuse).await.status, 201);
    }
    outcomes.assert_each_occurred();
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deleting_a_client_while_its_first_contact_is_added_leaves_no_orphan() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    let mut outcomes = Outcomes::of("delete client vs add", &[ADDED_FIRST, CLIENT_DELETED_FIRST]);
    let held = Held { operations: &["TransactWriteItems", "DeleteItem"], skip: 1 };
    for round in 0..repeats() {
        // Given an empty client
        let acme = given_client(&api, &admin, "Acme").await;

        // When the client is deleted as its first contact is added: the add's first write
        // (planned for a client with contacts) passes and is refused, its second (as the first
        // contact) and the delete's are planned on the empty client and held, then land, the
        // add's first, last, or both at once
        let order = landing(round, &[&[0, 1], &[1, 0]]);
        let run = race_landing(&proxy, held, order, 2, |i| {
            let (api, admin, acme) = (api.clone(), admin.clone(), acme.clone());
            async move {
                match i {
                    0 => {
                        let body = json!({ "last_name": "N", "email": format!("n{round}@x.test") });
                        api.post(&admin, &format!("/clients/{acme}/contacts"), body).await
                    }
                    _ => api.delete(&admin, &format!("/clients/{acme}")).await,
                }
            }
        })
        .await;
        let [add, delete] = [&run.responses[0], &run.responses[1]];

        // Then one of them wins whole: never a contact under a deleted client
        run.assert_overlapped(2);
        let outcome = match (add.status, delete.status) {
            (201, 409) => {
                assert_eq!(delete.problem_code(), "client-has-contacts");
                ADDED_FIRST
            }
            (404, 204) => {
                let items =
                    testkit::table::items_under(&api.db, &api.table, &format!("TENANT#t1#CLIENT#{acme}"))
                        .await;
                assert!(items.is_empty(), "orphans under the deleted client: {items:?}");
                CLIENT_DELETED_FIRST
            }
            other => panic!("add {} / delete {}: {other:?}", add.body, delete.body),
        };
        outcomes.saw_in(outcome, order, &[(&[0, 1], ADDED_FIRST), (&[1, 0], CLIENT_DELETED_FIRST)]);
    }
    outcomes.assert_each_occurred();
    assert_invariants(&api).await;
}

const ADDED_FIRST: &str = "the add landed, the client's delete was refused";
const CLIENT_DELETED_FIRST: &str = "the client was deleted, the add found no client";

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
