//! Races between email changes: a chain of moves onto addresses others are leaving.

use serde_json::{json, Value};

use super::{given_client_with, race, racing_api, repeats, TRANSACTIONS};
use crate::support::assert_invariants;
use testkit::TestApi;

async fn email_of(api: &TestApi, path: &str) -> Value {
    api.get(&TestApi::admin("t1"), path).await.json()["email"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_move_onto_an_address_being_left_lands_only_after_it_is_left() {
    let (api, proxy) = racing_api().await;
    let mut both = 0;
    for round in 0..repeats() {
        // Given A holding a and B holding b
        let (_, paths) =
            given_client_with(&api, &[format!("a{round}@x.test"), format!("b{round}@x.test")]).await;
        let targets = [format!("c{round}@x.test"), format!("a{round}@x.test")];

        // When A moves a -> c while B moves b -> a, both planned while A still holds a
        let run = race(&proxy, TRANSACTIONS, 2, |i| {
            let (api, path, target) = (api.clone(), paths[i].clone(), targets[i].clone());
            async move { api.patch(&TestApi::admin("t1"), &path, json!({ "email": target })).await }
        })
        .await;

        // Then A always lands; B lands only if A's move committed first, else a is taken
        run.assert_overlapped(2);
        assert_eq!(run.responses[0].status, 200, "{}", run.responses[0].body);
        let b_expected = match run.responses[1].status {
            200 => {
                both += 1;
                targets[1].clone()
            }
            409 => {
                assert_eq!(run.responses[1].problem_code(), "email-taken");
                assert!(run.failed_conditions() >= 1, "{:?}", run.calls);
                format!("b{round}@x.test")
            }
            other => panic!("B: {other} {}", run.responses[1].body),
        };
        assert_eq!(email_of(&api, &paths[0]).await, targets[0].as_str());
        assert_eq!(email_of(&api, &paths[1]).await, b_expected.as_str());
    }
    eprintln!("swap race: both moves landed in {both} of {} runs", repeats());
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_chain_of_three_moves_lands_from_its_free_end_and_never_shares_an_address() {
    let (api, proxy) = racing_api().await;
    for round in 0..repeats() {
        // Given A, B, C holding a, b, c, and d free
        let holders: Vec<String> = ["a", "b", "c"].iter().map(|h| format!("{h}{round}@x.test")).collect();
        let (_, paths) = given_client_with(&api, &holders).await;
        let targets: Vec<String> = ["b", "c", "d"].iter().map(|t| format!("{t}{round}@x.test")).collect();

        // When A: a -> b, B: b -> c and C: c -> d write at once
        let run = race(&proxy, TRANSACTIONS, 3, |i| {
            let (api, path, target) = (api.clone(), paths[i].clone(), targets[i].clone());
            async move { api.patch(&TestApi::admin("t1"), &path, json!({ "email": target })).await }
        })
        .await;

        // Then C lands; B lands only if C did before it, A only if B did before it
        run.assert_overlapped(3);
        let statuses = run.statuses();
        assert_eq!(statuses[2], 200, "{statuses:?}");
        assert!(statuses.iter().all(|s| [200, 409].contains(s)), "{statuses:?}");
        assert!(
            statuses[0] != 200 || statuses[1] == 200,
            "A moved onto b while B still held it: {statuses:?}"
        );
        for (i, path) in paths.iter().enumerate() {
            let expected = if statuses[i] == 200 { &targets[i] } else { &holders[i] };
            assert_eq!(email_of(&api, path).await, expected.as_str(), "{statuses:?}");
        }
    }
    assert_invariants(&api).await;
}
