//! Races between email changes: a chain of moves onto addresses others are leaving.

use serde_json::{json, Value};

use super::{given_client_with, landing, race_landing, racing_api, repeats, Outcomes, HELD_TRANSACTIONS};
use crate::support::assert_invariants;
use testkit::TestApi;

async fn email_of(api: &TestApi, path: &str) -> Value {
    api.get(&TestApi::admin("t1"), path).await.json()["email"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_move_onto_an_address_being_left_lands_only_after_it_is_left() {
    let (api, proxy) = racing_api().await;
    let mut outcomes = Outcomes::of("swap", &[BOTH_MOVED, ONTO_A_TAKEN]);
    for round in 0..repeats() {
        // Given A holding a and B holding b
        let (_, paths) =
            given_client_with(&api, &[format!("a{round}@x.test"), format!("b{round}@x.test")]).await;
        let targets = [format!("c{round}@x.test"), format!("a{round}@x.test")];

        // When A moves a -> c while B moves b -> a, both planned while A still holds a, A's
        // write landing first, last, or as it happens
        let order = landing(round, &[&[0, 1], &[1, 0]]);
        let run = race_landing(&proxy, HELD_TRANSACTIONS, order, 2, |i| {
            let (api, path, target) = (api.clone(), paths[i].clone(), targets[i].clone());
            async move { api.patch(&TestApi::admin("t1"), &path, json!({ "email": target })).await }
        })
        .await;

        // Then A always lands; B lands only if A's move committed first, else a is taken
        run.assert_overlapped(2);
        assert_eq!(run.responses[0].status, 200, "{}", run.responses[0].body);
        let (outcome, b_expected) = match run.responses[1].status {
            200 => (BOTH_MOVED, targets[1].clone()),
            409 => {
                assert_eq!(run.responses[1].problem_code(), "email-taken");
                (ONTO_A_TAKEN, format!("b{round}@x.test"))
            }
            other => panic!("B: {other} {}", run.responses[1].body),
        };
        outcomes.saw_in(outcome, order, &[(&[0, 1], BOTH_MOVED), (&[1, 0], ONTO_A_TAKEN)]);
        let counts = if outcome == BOTH_MOVED { (2, 0) } else { (1, 1) };
        assert_eq!((run.committed(), run.failed_conditions()), counts, "{:?}", run.calls);
        assert_eq!(email_of(&api, &paths[0]).await, targets[0].as_str());
        assert_eq!(email_of(&api, &paths[1]).await, b_expected.as_str());
    }
    outcomes.assert_each_occurred();
    assert_invariants(&api).await;
}

const BOTH_MOVED: &str = "A's move landed first, then B's onto the address A left";
const ONTO_A_TAKEN: &str = "B's move was refused while A still held a";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_chain_of_three_moves_lands_from_its_free_end_and_never_shares_an_address() {
    let (api, proxy) = racing_api().await;
    let mut outcomes = Outcomes::of("chain", &[ONLY_C, B_AND_C, ALL_THREE]);
    for round in 0..repeats() {
        // Given A, B, C holding a, b, c, and d free
        let holders: Vec<String> = ["a", "b", "c"].iter().map(|h| format!("{h}{round}@x.test")).collect();
        let (_, paths) = given_client_with(&api, &holders).await;
        let targets: Vec<String> = ["b", "c", "d"].iter().map(|t| format!("{t}{round}@x.test")).collect();

        // When A: a -> b, B: b -> c and C: c -> d, all planned on the same holders, land from
        // the held end (A, B, C), from the free end but for A (C, A, B), from the free end
        // (C, B, A), or as it happens
        let order = landing(round, &[&[0, 1, 2], &[2, 0, 1], &[2, 1, 0]]);
        let run = race_landing(&proxy, HELD_TRANSACTIONS, order, 3, |i| {
            let (api, path, target) = (api.clone(), paths[i].clone(), targets[i].clone());
            async move { api.patch(&TestApi::admin("t1"), &path, json!({ "email": target })).await }
        })
        .await;

        // Then C lands; B lands only if C did before it, A only if B did before it
        run.assert_overlapped(3);
        let statuses = run.statuses();
        let outcome = match statuses[..] {
            [409, 409, 200] => ONLY_C,
            [409, 200, 200] => B_AND_C,
            [200, 200, 200] => ALL_THREE,
            _ => panic!("A moved onto b while B still held it, or C did not land: {statuses:?}"),
        };
        let landed = statuses.iter().filter(|s| **s == 200).count();
        if order.is_some() {
            // Each refused move read the address still taken and gave up.
            assert_eq!((run.committed(), run.failed_conditions()), (landed, 3 - landed), "{:?}", run.calls);
        }
        outcomes.saw_in(
            outcome,
            order,
            &[(&[0, 1, 2], ONLY_C), (&[2, 0, 1], B_AND_C), (&[2, 1, 0], ALL_THREE)],
        );
        for (i, path) in paths.iter().enumerate() {
            let expected = if statuses[i] == 200 { &targets[i] } else { &holders[i] };
            assert_eq!(email_of(&api, path).await, expected.as_str(), "{statuses:?}");
        }
    }
    outcomes.assert_each_occurred();
    assert_invariants(&api).await;
}

const ONLY_C: &str = "only C moved";
const B_AND_C: &str = "C, then B moved; A was refused";
const ALL_THREE: &str = "all three moved, from the free end";
