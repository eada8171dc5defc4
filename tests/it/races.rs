//! Real concurrency against DynamoDB Local: conditional transactions decide, never a read.

use std::sync::Arc;

use harness::TestApi;
use serde_json::json;

use crate::support::{assert_invariants, contact_path, given_client, given_contact};

async fn concurrently<F, Fut>(n: usize, f: F) -> Vec<harness::TestResponse>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = harness::TestResponse> + Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(f(i))).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

fn statuses(responses: &[harness::TestResponse]) -> (usize, usize, Vec<u16>) {
    let ok = responses.iter().filter(|r| r.status / 100 == 2).count();
    let conflict = responses.iter().filter(|r| r.status == 409).count();
    (ok, conflict, responses.iter().map(|r| r.status).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_adds_of_one_email_make_one_contact() {
    let api = Arc::new(TestApi::new().await);
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;

    let responses = concurrently(20, |i| {
        let (api, admin, acme) = (api.clone(), admin.clone(), acme.clone());
        async move {
            api.post(
                &admin,
                &format!("/clients/{acme}/contacts"),
                json!({ "last_name": format!("N{i}"), "email": "same@x.test" }),
            )
            .await
        }
    })
    .await;

    let (ok, conflict, all) = statuses(&responses);
    assert_eq!((ok, conflict), (1, 19), "{all:?}");
    assert!(responses.iter().filter(|r| r.status == 409).all(|r| r.problem_code() == "email-taken"));
    assert_eq!(api.get(&admin, &format!("/clients/{acme}")).await.json()["contact_count"], 1);
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_contacts_elect_exactly_one_primary() {
    let api = Arc::new(TestApi::new().await);
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;

    let responses = concurrently(8, |i| {
        let (api, admin, acme) = (api.clone(), admin.clone(), acme.clone());
        async move {
            api.post(
                &admin,
                &format!("/clients/{acme}/contacts"),
                json!({ "last_name": "N", "email": format!("n{i}@x.test") }),
            )
            .await
        }
    })
    .await;

    let (ok, _, all) = statuses(&responses);
    assert_eq!(ok, 8, "{all:?}");
    let primaries = responses.iter().filter(|r| r.json()["is_primary"] == true).count();
    assert_eq!(primaries, 1);
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_primary_moves_leave_exactly_one_primary() {
    let api = Arc::new(TestApi::new().await);
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let mut contacts = Vec::new();
    for i in 0..5 {
        contacts.push(
            given_contact(&api, &admin, &acme, json!({ "last_name": "N", "email": format!("n{i}@x.test") }))
                .await,
        );
    }
    let contacts = Arc::new(contacts);

    let responses =
        concurrently(5, |i| {
            let (api, admin, acme, contacts) = (api.clone(), admin.clone(), acme.clone(), contacts.clone());
            async move {
                api.patch(&admin, &contact_path(&acme, &contacts[i]), json!({ "is_primary": true })).await
            }
        })
        .await;

    let (ok, _, all) = statuses(&responses);
    assert_eq!(ok, 5, "every move succeeds in some order: {all:?}");
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_patches_with_the_same_if_match_have_one_winner() {
    let api = Arc::new(TestApi::new().await);
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let c = given_contact(&api, &admin, &acme, json!({ "last_name": "N", "email": "n@x.test" })).await;
    let path = contact_path(&acme, &c);

    let responses = concurrently(6, |i| {
        let (api, admin, path) = (api.clone(), admin.clone(), path.clone());
        async move {
            let headers = [("content-type", "application/json"), ("if-match", "\"v1\"")];
            api.send(
                &admin,
                "PATCH",
                &path,
                &headers,
                Some(json!({ "job_title": format!("T{i}") }).to_string()),
            )
            .await
        }
    })
    .await;

    let all: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(all.iter().filter(|s| **s == 200).count(), 1, "{all:?}");
    assert_eq!(all.iter().filter(|s| **s == 412).count(), 5, "{all:?}");
    assert_eq!(api.get(&admin, &path).await.json()["version"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_email_swaps_never_share_an_address() {
    let api = Arc::new(TestApi::new().await);
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let a = given_contact(&api, &admin, &acme, json!({ "last_name": "A", "email": "a@x.test" })).await;
    let b = given_contact(&api, &admin, &acme, json!({ "last_name": "B", "email": "b@x.test" })).await;
    let pairs = Arc::new([(contact_path(&acme, &a), "b@x.test"), (contact_path(&acme, &b), "a@x.test")]);

    let responses = concurrently(2, |i| {
        let (api, admin, pairs) = (api.clone(), admin.clone(), pairs.clone());
        async move { api.patch(&admin, &pairs[i].0, json!({ "email": pairs[i].1 })).await }
    })
    .await;

    assert!(responses.iter().all(|r| r.status == 409), "each address is still held by the other");
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_delete_and_update_of_one_contact_stay_consistent() {
    let api = Arc::new(TestApi::new().await);
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    given_contact(&api, &admin, &acme, json!({ "last_name": "P", "email": "p@x.test" })).await;
    let c = given_contact(&api, &admin, &acme, json!({ "last_name": "N", "email": "n@x.test" })).await;
    let path = contact_path(&acme, &c);

    let responses = concurrently(2, |i| {
        let (api, admin, path) = (api.clone(), admin.clone(), path.clone());
        async move {
            if i == 0 {
                api.delete(&admin, &path).await
            } else {
                api.patch(&admin, &path, json!({ "email": "moved@x.test" })).await
            }
        }
    })
    .await;

    assert_eq!(responses[0].status, 204);
    assert!([200, 404].contains(&responses[1].status), "update before or after: {}", responses[1].status);
    assert_eq!(api.get(&admin, &path).await.status, 404);
    assert_invariants(&api).await;
}
