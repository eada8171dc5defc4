//! A DynamoDB proxy between the SDK and DynamoDB Local: it counts every call by operation with
//! the capacity DynamoDB reports for it (benchmarks), and can fail chosen calls the way the
//! real service fails (tests of what the store does under faults). Requests are forwarded
//! byte for byte, except that `ReturnConsumedCapacity: INDEXES` is added where the operation
//! takes it, so capacity, the indexes' included, is known without changing the store.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use http_body_util::BodyExt;
use hyper::body::{Bytes, Incoming};
use hyper::Request;
use serde_json::Value;

use super::gate::{pass, Gate, GateReport};
use super::{relay, Answer, Dropped, Upstream};
use wire::{all_unprocessed, answered_call, cancellation, error_response, item_count, operation_of};

mod transaction;
mod wire;

/// One call the proxy saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// `GetItem`, `TransactWriteItems`...
    pub operation: String,
    /// Items in a transaction or batch request (1 for single-item operations).
    pub items: usize,
    /// Capacity units as DynamoDB reports them (`ReturnConsumedCapacity: INDEXES`): the table's
    /// and its global secondary indexes', by the items' sizes, a transaction's at its rate.
    pub read_units: f64,
    pub write_units: f64,
    /// Of those units, the global secondary indexes' (reads of a query on an index, writes
    /// of the index entries a write adds, changes or removes).
    pub index_units: f64,
    pub status: u16,
    /// The error DynamoDB answered (`TransactionCanceledException`...), if any.
    pub error: Option<String>,
    /// A cancelled transaction's reason codes, in request order.
    pub reasons: Vec<String>,
}

impl Call {
    /// A transaction cancelled because one of its conditions failed.
    pub fn failed_a_condition(&self) -> bool {
        self.reasons.iter().any(|r| r == "ConditionalCheckFailed")
    }

    /// Write units of a call that succeeded: 1 per KB of each item written and per index entry
    /// it writes, as DynamoDB Local reports them, but for a transaction, which it counts as a
    /// whole: 2 per KB of each of its items, and per index entry, as the proxy counts them
    /// when `count_transactions` is on (`transaction.rs`).
    pub fn billed_write_units(&self) -> f64 {
        if self.status != 200 {
            return 0.0;
        }
        self.write_units
    }
}

/// How a chosen call fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 400 `ProvisionedThroughputExceededException` without reaching DynamoDB (the SDK retries).
    Throttle,
    /// 500 `InternalServerError` without reaching DynamoDB.
    InternalError,
    /// The call reaches DynamoDB and is applied, but its answer is lost: the caller sees an
    /// error and cannot know the write happened.
    LoseResponse,
    /// The connection closes before the call reaches DynamoDB.
    DropConnection,
    /// The call is applied, then the connection closes without an answer (a timeout after
    /// commit, as the caller sees it).
    DropAfterCommit,
    /// A transaction is cancelled without reaching DynamoDB for a reason the store does not
    /// expect (`ValidationError` on every item), each reason carrying the item it names, as
    /// `ALL_OLD` reasons do: what an unexpected cancellation can put in front of the logs.
    CancelUnexpectedly,
    /// A transaction is cancelled without reaching DynamoDB because another transaction held
    /// its items (`TransactionConflict` on every item): what a lost race looks like.
    Conflict,
    /// A batch answers 200 without reaching DynamoDB, every key of the request left in
    /// `UnprocessedKeys` (`BatchGetItem`) or every write in `UnprocessedItems`
    /// (`BatchWriteItem`): what DynamoDB does when throttled on all of them.
    Unprocessed,
}

#[derive(Debug, Clone)]
struct Rule {
    operation: String,
    fault: Fault,
    /// Calls of `operation` this rule lets through before it applies.
    pass: usize,
}

#[derive(Default)]
struct State {
    calls: Vec<Call>,
    faults: VecDeque<Rule>,
    gate: Option<Gate>,
    /// Count each transaction's units item by item (`transaction.rs`), and the tables' schemas
    /// that needs.
    count_transactions: bool,
    schemas: std::collections::HashMap<String, transaction::Schema>,
}

#[derive(Clone)]
pub struct DynamoProxy {
    pub url: String,
    state: Arc<Mutex<State>>,
}

const CAPACITY_OPERATIONS: &[&str] = &[
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "TransactGetItems",
];

impl DynamoProxy {
    /// Starts a proxy on 127.0.0.1 (a free port) in front of `upstream`.
    pub async fn start(upstream: &str) -> Self {
        let (url, state) = super::start(upstream, forward).await;
        Self { url, state }
    }

    /// An SDK client that talks to DynamoDB through this proxy, with the environment's
    /// credentials and region.
    pub async fn client(&self) -> aws_sdk_dynamodb::Client {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let config = aws_sdk_dynamodb::config::Builder::from(&config).endpoint_url(&self.url).build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    /// From now on, counts each transaction's write units item by item, reading its items
    /// before and after it (benchmarks; it slows every transaction by two reads).
    pub fn count_transactions(&self) {
        self.state.lock().expect("proxy state").count_transactions = true;
    }

    /// How many attempts the SDK client `client` gives makes of one call before it gives up
    /// (its retry configuration: the SDK's standard one, as the deployed functions use).
    pub async fn sdk_attempts(&self) -> usize {
        let client = self.client().await;
        let retry = client.config().retry_config().map_or(1, |r| r.max_attempts());
        usize::try_from(retry).expect("attempts")
    }

    /// The calls seen since the last `take_calls`, left in place.
    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().expect("proxy state").calls.clone()
    }

    /// The calls seen since the last `take_calls`.
    pub fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut self.state.lock().expect("proxy state").calls)
    }

    /// Makes the next call of `operation` fail with `fault` (rules apply in order, once each).
    pub fn fail_next(&self, operation: &str, fault: Fault) {
        self.fail_after(operation, 0, fault);
    }

    /// Like `fail_next`, but the rule first lets `pass` calls of `operation` through.
    pub fn fail_after(&self, operation: &str, pass: usize, fault: Fault) {
        let rule = Rule { operation: operation.into(), fault, pass };
        self.state.lock().expect("proxy state").faults.push_back(rule);
    }

    /// Drops the faults no call has consumed.
    pub fn clear_faults(&self) {
        self.state.lock().expect("proxy state").faults.clear();
    }

    /// Faults set by `fail_next` that no call has consumed yet.
    pub fn pending_faults(&self) -> usize {
        self.state.lock().expect("proxy state").faults.len()
    }

    /// Holds the next `n` calls of any of `operations` until all `n` have arrived, then lets
    /// them go together (see `gate`).
    pub fn hold_until_all_arrive(&self, operations: &[&str], n: usize) {
        self.hold_in_rounds(operations, 0, n, 1);
    }

    /// Lets `skip` calls of `operations` through, then holds `rounds` rounds of `n` calls, each
    /// released when all its `n` have arrived: a second round catches the writes re-planned
    /// after the first round's losers read the winner's state.
    pub fn hold_in_rounds(&self, operations: &[&str], skip: usize, n: usize, rounds: usize) {
        self.hold_rounds_of(operations, skip, &vec![n; rounds]);
    }

    /// Like `hold_in_rounds`, with rounds of the sizes given, in order: when each round's
    /// losers plan again, fewer of them race in the next.
    pub fn hold_rounds_of(&self, operations: &[&str], skip: usize, sizes: &[usize]) {
        self.state.lock().expect("proxy state").gate = Some(Gate::new(operations, skip, sizes));
    }

    /// Lets `skip` calls of `operations` through, then holds the next `n`, each until the test
    /// lets it go with `release`: the test picks the order in which writes planned on one state
    /// land.
    pub fn hold_each(&self, operations: &[&str], skip: usize, n: usize) {
        self.state.lock().expect("proxy state").gate = Some(Gate::steered(operations, skip, n));
    }

    /// Lets the `arrival`th call (from 0) held by `hold_each` go on to DynamoDB.
    ///
    /// # Panics
    /// Before all the calls `hold_each` holds have arrived (they would not have overlapped),
    /// or without such a call.
    pub fn release(&self, arrival: usize) {
        let mut state = self.state.lock().expect("proxy state");
        let released = state.gate.as_mut().is_some_and(|g| g.release(arrival));
        let report = state.gate.as_ref().map(Gate::report);
        drop(state);
        assert!(released, "call {arrival} cannot be released: {report:?}");
    }

    /// What the gate set by `hold_until_all_arrive`, `hold_in_rounds` or `hold_each` saw.
    pub fn gate_report(&self) -> GateReport {
        let state = self.state.lock().expect("proxy state");
        state.gate.as_ref().map_or(GateReport { held: 0, timed_out: 0 }, Gate::report)
    }

    fn take_fault(state: &Mutex<State>, operation: &str) -> Option<Fault> {
        let mut state = state.lock().expect("proxy state");
        let at = state.faults.iter().position(|r| r.operation == operation)?;
        if state.faults[at].pass > 0 {
            state.faults[at].pass -= 1;
            return None;
        }
        state.faults.remove(at).map(|r| r.fault)
    }
}

async fn forward(req: Request<Incoming>, state: Arc<Mutex<State>>, upstream: Upstream) -> Answer {
    let (parts, body) = req.into_parts();
    let operation = operation_of(&parts.headers);
    let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let mut request: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let items = item_count(&request);

    let fault = DynamoProxy::take_fault(&state, &operation);
    if let Some(answer) = answer_without_dynamodb(&state, fault, &request, &operation, items) {
        return answer;
    }

    if CAPACITY_OPERATIONS.contains(&operation.as_str()) && request.is_object() {
        request["ReturnConsumedCapacity"] = Value::from("INDEXES");
    }
    let body = if request.is_object() { Bytes::from(request.to_string()) } else { bytes };
    wait_at_gate(&state, &operation).await;
    let before =
        match operation == "TransactWriteItems" && state.lock().expect("proxy state").count_transactions {
            true => {
                let mut schemas = std::mem::take(&mut state.lock().expect("proxy state").schemas);
                let before = transaction::Before::read(&upstream, &parts, &request, &mut schemas).await;
                state.lock().expect("proxy state").schemas = schemas;
                before
            }
            false => None,
        };
    let Some((answered, bytes)) = upstream.send(&parts, body).await else {
        return Ok(error_response(500, "InternalServerError"));
    };
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let mut call = answered_call(operation, items, answered.status.as_u16(), &answer);
    if let Some(before) = before.filter(|_| call.status == 200) {
        let units = before.units(&upstream, &parts).await;
        (call.write_units, call.index_units) = (units.write, units.index);
    }
    let parts = answered;
    state.lock().expect("proxy state").calls.push(call);
    match fault {
        Some(Fault::LoseResponse) => return Ok(error_response(500, "InternalServerError")),
        Some(Fault::DropAfterCommit) => return Err(Dropped),
        _ => {}
    }
    Ok(relay(&parts, bytes))
}

/// The answer to a call whose fault keeps it from DynamoDB (an injected error, or the
/// connection closed), recorded as a call DynamoDB never answered; None for any other call.
fn answer_without_dynamodb(
    state: &Mutex<State>,
    fault: Option<Fault>,
    request: &Value,
    operation: &str,
    items: usize,
) -> Option<Answer> {
    let injected = match fault {
        Some(Fault::Throttle) => Some(error_response(400, "ProvisionedThroughputExceededException")),
        Some(Fault::InternalError) => Some(error_response(500, "InternalServerError")),
        Some(Fault::CancelUnexpectedly) => Some(cancellation(request, "ValidationError")),
        Some(Fault::Conflict) => Some(cancellation(request, "TransactionConflict")),
        Some(Fault::Unprocessed) => Some(all_unprocessed(request, operation)),
        _ => None,
    };
    let unanswered = |status| Call {
        operation: operation.to_owned(),
        items,
        read_units: 0.0,
        write_units: 0.0,
        index_units: 0.0,
        status,
        error: None,
        reasons: Vec::new(),
    };
    if fault == Some(Fault::DropConnection) {
        state.lock().expect("proxy state").calls.push(unanswered(0));
        return Some(Err(Dropped));
    }
    let response = injected?;
    state.lock().expect("proxy state").calls.push(unanswered(response.status().as_u16()));
    Some(Ok(response))
}

/// Holds the call at the gate `hold_in_rounds` set, if the gate waits for its operation, until
/// its round is complete; a gate that gave up waiting counts it.
async fn wait_at_gate(state: &Mutex<State>, operation: &str) {
    let held = state.lock().expect("proxy state").gate.as_mut().and_then(|g| g.admit(operation));
    if let Some(open) = held {
        if !pass(open).await {
            if let Some(gate) = state.lock().expect("proxy state").gate.as_mut() {
                gate.gave_up();
            }
        }
    }
}
