//! Races that provably race, against DynamoDB Local through the test proxy. Each scenario's
//! requests run as separate tasks on a multi-threaded runtime, and the proxy's gate holds their
//! writes until every one has planned its own, then lets them go together: so each request
//! decided on the same state, and the table's conditions alone picked the winner. Every
//! scenario runs `RACE_REPEATS` times (50 by default; more for a long run) and asserts from the
//! proxy's log that the writes were held together and that conditions failed and plans were
//! made again where the scenario needs it.

mod background;
mod clients;
mod contacts;
mod emails;
mod projects;
mod settings;

use std::future::Future;
use std::sync::Arc;

use serde_json::json;
use testkit::proxy::{Call, DynamoProxy, GateReport};
use testkit::{TestApi, TestResponse};

use crate::support::{contact_path, given_client, given_contact};

/// Repetitions per scenario: `RACE_REPEATS` (default 50).
pub fn repeats() -> usize {
    std::env::var("RACE_REPEATS").ok().and_then(|n| n.parse().ok()).unwrap_or(50)
}

/// One run of a scenario: the answers in request order, and what the proxy saw.
pub struct Race {
    pub responses: Vec<TestResponse>,
    pub calls: Vec<Call>,
    pub gate: GateReport,
}

impl Race {
    pub fn statuses(&self) -> Vec<u16> {
        self.responses.iter().map(|r| r.status).collect()
    }

    fn transactions(&self) -> impl Iterator<Item = &Call> {
        self.calls.iter().filter(|c| matches!(c.operation.as_str(), "TransactWriteItems" | "UpdateItem"))
    }

    /// Writes that DynamoDB applied.
    pub fn committed(&self) -> usize {
        self.transactions().filter(|c| c.status == 200).count()
    }

    /// Writes DynamoDB refused because a condition no longer held.
    pub fn failed_conditions(&self) -> usize {
        self.transactions()
            .filter(|c| {
                c.failed_a_condition() || c.error.as_deref() == Some("ConditionalCheckFailedException")
            })
            .count()
    }

    /// Asserts the gate held `n` writes and released them together.
    pub fn assert_overlapped(&self, n: usize) {
        assert!(
            self.gate.released_together(n),
            "the writes did not all overlap: {:?} {:?}",
            self.gate,
            self.calls
        );
    }
}

/// Runs `n` requests at once, the gate holding the first write of each (`rounds` rounds of `n`
/// writes of `operations`, after `skip` that pass).
pub async fn race<F, Fut>(proxy: &DynamoProxy, gate: Gate<'_>, n: usize, request: F) -> Race
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = TestResponse> + Send + 'static,
{
    proxy.take_calls();
    proxy.hold_in_rounds(gate.operations, 0, gate.size.unwrap_or(n), gate.rounds);
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(request(i))).collect();
    let mut responses = Vec::new();
    for handle in handles {
        responses.push(handle.await.expect("request task"));
    }
    Race { responses, calls: proxy.take_calls(), gate: proxy.gate_report() }
}

/// Which writes the gate holds.
pub struct Gate<'a> {
    pub operations: &'a [&'a str],
    /// Writes per round (default: one per request).
    pub size: Option<usize>,
    pub rounds: usize,
}

pub const TRANSACTIONS: Gate = Gate { operations: &["TransactWriteItems"], size: None, rounds: 1 };
pub const VERSIONED_WRITES: Gate =
    Gate { operations: &["TransactWriteItems", "UpdateItem"], size: None, rounds: 1 };

/// A fresh client of tenant t1 whose contacts hold `emails`, in order; its id and their paths.
pub async fn given_client_with(api: &TestApi, emails: &[String]) -> (String, Vec<String>) {
    let admin = TestApi::admin("t1");
    let client = given_client(api, &admin, "Acme").await;
    let mut paths = Vec::new();
    for email in emails {
        let contact = given_contact(api, &admin, &client, json!({ "last_name": "H", "email": email })).await;
        paths.push(contact_path(&client, &contact));
    }
    (client, paths)
}

pub async fn racing_api() -> (Arc<TestApi>, DynamoProxy) {
    let (api, proxy) = TestApi::behind_proxy().await;
    (Arc::new(api), proxy)
}
