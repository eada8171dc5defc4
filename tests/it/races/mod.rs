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

/// Repetitions per scenario: `RACE_REPEATS` (default 50; at least 3, so that a steered race
/// tries each of its landing orders and sees each promised outcome).
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
    proxy.hold_rounds_of(gate.operations, 0, &gate.sizes(n));
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(request(i))).collect();
    let mut responses = Vec::new();
    for handle in handles {
        responses.push(handle.await.expect("request task"));
    }
    Race { responses, calls: proxy.take_calls(), gate: proxy.gate_report() }
}

/// Which writes a race lands in a chosen order: the first of each request, after `skip`
/// calls of `operations` that pass.
#[derive(Clone, Copy)]
pub struct Held<'a> {
    pub operations: &'a [&'a str],
    pub skip: usize,
}

pub const HELD_TRANSACTIONS: Held = Held { operations: &["TransactWriteItems"], skip: 0 };

/// Runs `n` requests, each planned on the same state, and lands their writes in `order`
/// (places in request order), or all at once without one. Request `i` starts once the write
/// of request `i - 1` is held, so the gate holds every write before any lands (and knows which
/// is whose); in order, each write is let go once the request let go before it has answered,
/// and the table's conditions decide as they do when a real race lands its writes that way.
pub async fn race_landing<F, Fut>(
    proxy: &DynamoProxy,
    held: Held<'_>,
    order: Option<&[usize]>,
    n: usize,
    request: F,
) -> Race
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = TestResponse> + Send + 'static,
{
    proxy.take_calls();
    proxy.hold_each(held.operations, held.skip, n);
    let mut handles = Vec::new();
    for i in 0..n {
        handles.push(Some(tokio::spawn(request(i))));
        held_by_the_gate(proxy, i + 1).await;
    }
    let mut responses: Vec<Option<TestResponse>> = (0..n).map(|_| None).collect();
    match order {
        Some(order) => {
            for &i in order {
                proxy.release(i);
                let handle = handles[i].take().expect("each request is let go once");
                responses[i] = Some(handle.await.expect("request task"));
            }
        }
        None => {
            (0..n).for_each(|i| proxy.release(i));
            for (i, handle) in handles.into_iter().enumerate() {
                responses[i] = Some(handle.expect("a request").await.expect("request task"));
            }
        }
    }
    let responses = responses.into_iter().map(|r| r.expect("every request answered")).collect();
    Race { responses, calls: proxy.take_calls(), gate: proxy.gate_report() }
}

/// Waits until the gate holds `n` writes.
async fn held_by_the_gate(proxy: &DynamoProxy, n: usize) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while proxy.gate_report().held < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the gate holds {:?}, not {n} writes: {:?}",
            proxy.gate_report(),
            proxy.calls()
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
}

/// The landing order of a scenario's round: its `orders` in turn, then a round of free
/// release, and so on. From as many repeats as orders every order has been tried, and the free
/// rounds still race for real.
pub fn landing(round: usize, orders: &[&'static [usize]]) -> Option<&'static [usize]> {
    orders.get(round % (orders.len() + 1)).copied()
}

/// Counts each outcome of a race with more than one allowed, and asserts at the end that every
/// one of them occurred.
pub struct Outcomes {
    race: &'static str,
    seen: Vec<(&'static str, usize)>,
}

impl Outcomes {
    /// The outcomes `race` promises, none seen yet.
    pub fn of(race: &'static str, promised: &[&'static str]) -> Self {
        Self { race, seen: promised.iter().map(|o| (*o, 0)).collect() }
    }

    pub fn saw(&mut self, outcome: &'static str) {
        let entry = self.seen.iter_mut().find(|(o, _)| *o == outcome);
        entry.unwrap_or_else(|| panic!("{}: {outcome} is not a promised outcome", self.race)).1 += 1;
    }

    /// Counts `outcome` of a round whose writes landed in `order` (None: all at once),
    /// asserting it is the one `expected` pairs with that order.
    pub fn saw_in(
        &mut self,
        outcome: &'static str,
        order: Option<&[usize]>,
        expected: &[(&[usize], &'static str)],
    ) {
        if let Some(order) = order {
            let wanted = expected.iter().find(|(o, _)| *o == order).map(|(_, w)| *w);
            assert_eq!(Some(outcome), wanted, "{}: the writes landed in the order {order:?}", self.race);
        }
        self.saw(outcome);
    }

    /// Asserts every promised outcome occurred at least once.
    pub fn assert_each_occurred(&self) {
        eprintln!("{}: {:?} in {} runs", self.race, self.seen, repeats());
        assert!(
            self.seen.iter().all(|(_, n)| *n > 0),
            "{}: an outcome never occurred: {:?}",
            self.race,
            self.seen
        );
    }
}

/// Which writes the gate holds.
pub struct Gate<'a> {
    pub operations: &'a [&'a str],
    /// Writes per round (default: one per request).
    pub size: Option<usize>,
    pub rounds: usize,
    /// Each round after the first holds one write fewer than the one before: the writes its
    /// losers planned again, after its one winner landed.
    pub shrinking: bool,
}

impl Gate<'_> {
    /// The number of writes held in each round, for `n` requests.
    fn sizes(&self, n: usize) -> Vec<usize> {
        let first = self.size.unwrap_or(n);
        (0..self.rounds).map(|r| if self.shrinking { first - r } else { first }).collect()
    }
}

pub const TRANSACTIONS: Gate =
    Gate { operations: &["TransactWriteItems"], size: None, rounds: 1, shrinking: false };
pub const VERSIONED_WRITES: Gate =
    Gate { operations: &["TransactWriteItems", "UpdateItem"], size: None, rounds: 1, shrinking: false };

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

pub const CHANGED_THEN_DELETED: &str = "the change landed, then the delete planned again";
pub const DELETED_FIRST: &str = "the delete landed, the change found no contact";
/// The outcomes of a contact's delete racing a change of it, by the order their writes land in
/// (the delete is request 0).
pub const DELETE_VS_CHANGE: [(&[usize], &str); 2] =
    [(&[0, 1], DELETED_FIRST), (&[1, 0], CHANGED_THEN_DELETED)];

/// How a contact's delete (request 0, answered 204) racing a change of it (request 1) went: the
/// change landed first, and the delete, its plan refused, planned again and removed it with
/// the contact; or the delete landed first, and the change found no contact (404). Either way
/// one write was refused once.
pub fn delete_vs_change(run: &Race) -> &'static str {
    run.assert_overlapped(2);
    assert_eq!(run.responses[0].status, 204, "{}", run.responses[0].body);
    let outcome = match run.responses[1].status {
        200 => CHANGED_THEN_DELETED,
        404 => DELETED_FIRST,
        other => panic!("the change {other}: {}", run.responses[1].body),
    };
    let committed = if outcome == CHANGED_THEN_DELETED { 2 } else { 1 };
    assert_eq!((run.committed(), run.failed_conditions()), (committed, 1), "{:?}", run.calls);
    outcome
}
