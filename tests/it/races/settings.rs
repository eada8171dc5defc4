//! Races on a tenant's settings: saves pinned to one version by `If-Match`, and saves of
//! different settings that must both be kept (merge patch, planned again after losing).

use serde_json::{json, Value};

use super::{race, racing_api, repeats, Gate, TRANSACTIONS};
use crate::support::assert_invariants;
use testkit::TestApi;

const PUTS: Gate = Gate { operations: &["PutItem"], ..TRANSACTIONS };

fn patch(body: Value, etag: Option<&'static str>) -> (Vec<(&'static str, &'static str)>, String) {
    let mut headers = vec![("content-type", "application/merge-patch+json")];
    headers.extend(etag.map(|e| ("if-match", e)));
    (headers, body.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_saves_with_one_if_match_save_once_and_the_other_is_412() {
    let (api, proxy) = racing_api().await;
    for round in 0..repeats() {
        let admin = TestApi::admin(&format!("t{round}"));
        assert_eq!(api.patch(&admin, "/settings", json!({ "invite_ttl_hours": 1 })).await.status, 200);

        let run = race(&proxy, PUTS, 2, |i| {
            let (api, admin) = (api.clone(), admin.clone());
            async move {
                let (headers, body) = patch(json!({ "invite_ttl_hours": 10 + i }), Some("\"v1\""));
                api.send(&admin, "PATCH", "/settings", &headers, Some(body)).await
            }
        })
        .await;

        run.assert_overlapped(2);
        let mut statuses = run.statuses();
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "{:?}", run.responses);
        let puts: Vec<u16> =
            run.calls.iter().filter(|c| c.operation == "PutItem").map(|c| c.status).collect();
        assert_eq!(puts.iter().filter(|s| **s == 200).count(), 1, "one write landed: {puts:?}");
        assert_eq!(api.get(&admin, "/settings").await.json()["version"], 2);
    }
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_first_saves_of_different_settings_keep_both() {
    let (api, proxy) = racing_api().await;
    for round in 0..repeats() {
        let admin = TestApi::admin(&format!("t{round}"));

        let run = race(&proxy, PUTS, 2, |i| {
            let (api, admin) = (api.clone(), admin.clone());
            async move {
                let body = if i == 0 {
                    json!({ "signature_name": "Acme" })
                } else {
                    json!({ "invite_on_add": true })
                };
                let (headers, body) = patch(body, None);
                api.send(&admin, "PATCH", "/settings", &headers, Some(body)).await
            }
        })
        .await;

        run.assert_overlapped(2);
        assert_eq!(run.statuses(), [200, 200], "{:?}", run.responses);
        let failed = run
            .calls
            .iter()
            .filter(|c| c.error.as_deref() == Some("ConditionalCheckFailedException"))
            .count();
        assert_eq!(failed, 1, "the loser's write was refused and planned again: {:?}", run.calls);
        let saved = api.get(&admin, "/settings").await.json();
        assert_eq!(
            (saved["signature_name"].as_str(), saved["invite_on_add"].as_bool()),
            (Some("Acme"), Some(true))
        );
        assert_eq!(saved["version"], 2);
    }
    assert_invariants(&api).await;
}
