//! A DynamoDB proxy between the SDK and DynamoDB Local: it counts every call by operation with
//! the capacity DynamoDB reports for it (benchmarks), and can fail chosen calls the way the
//! real service fails (tests of what the store does under faults). Requests are forwarded
//! byte for byte, except that `ReturnConsumedCapacity: TOTAL` is added where the operation
//! takes it, so capacity is known without changing the store.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use serde_json::Value;

use super::gate::{pass, Gate, GateReport};
use super::{relay, Answer, Dropped, Upstream};

/// One call the proxy saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// `GetItem`, `TransactWriteItems`...
    pub operation: String,
    /// Items in a transaction or batch request (1 for single-item operations).
    pub items: usize,
    pub read_units: f64,
    pub write_units: f64,
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

    /// Write capacity as DynamoDB bills it for items up to 1 KB: 1 unit per item written, 2 per
    /// item of a transaction. DynamoDB Local reports transactional writes at the standard rate,
    /// so its own figure would understate them.
    pub fn billed_write_units(&self) -> f64 {
        if self.status != 200 {
            return 0.0;
        }
        match self.operation.as_str() {
            "TransactWriteItems" => 2.0 * self.items as f64,
            "PutItem" | "UpdateItem" | "DeleteItem" | "BatchWriteItem" => self.items as f64,
            _ => 0.0,
        }
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
    /// `BatchGetItem` answers 200 without reaching DynamoDB, every key of the request left in
    /// `UnprocessedKeys` (what DynamoDB does when throttled on all of them).
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
        self.state.lock().expect("proxy state").gate = Some(Gate::new(operations, skip, n, rounds));
    }

    /// What the gate set by `hold_until_all_arrive` saw.
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

fn error_response(status: u16, kind: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"), "message": "injected by the test proxy" });
    error_body(status, kind, body)
}

fn error_body(status: u16, kind: &str, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-errortype", kind)
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("error response")
}

/// A cancellation whose reasons all have `code`, each holding its action's own item (or key).
fn cancellation(request: &Value, code: &str) -> Response<Full<Bytes>> {
    let reasons: Vec<Value> = request["TransactItems"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|action| {
            let item = ["Put", "Update", "Delete", "ConditionCheck"]
                .iter()
                .find_map(|kind| action[kind].get("Item").or_else(|| action[kind].get("Key")))
                .cloned()
                .unwrap_or(Value::Null);
            serde_json::json!({ "Code": code, "Message": "injected", "Item": item })
        })
        .collect();
    let kind = "TransactionCanceledException";
    let body = serde_json::json!({ "__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"),
        "Message": "Transaction cancelled (injected)", "CancellationReasons": reasons });
    error_body(400, kind, body)
}

/// A `BatchGetItem` answer that read nothing and leaves every requested key unprocessed.
fn all_unprocessed(request: &Value) -> Response<Full<Bytes>> {
    let tables = request["RequestItems"].as_object().cloned().unwrap_or_default();
    let responses: serde_json::Map<String, Value> =
        tables.keys().map(|t| (t.clone(), Value::Array(Vec::new()))).collect();
    let body = serde_json::json!({ "Responses": responses, "UnprocessedKeys": tables });
    Response::builder()
        .status(200)
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("batch response")
}

/// Items named by a request: transaction actions, batch keys or writes, else 1.
fn item_count(request: &Value) -> usize {
    if let Some(items) = request["TransactItems"].as_array() {
        return items.len();
    }
    let per_table = |field: &str, inner: Option<&str>| -> Option<usize> {
        let tables = request[field].as_object()?;
        Some(tables.values().map(|v| inner.map_or(v, |k| &v[k]).as_array().map_or(0, Vec::len)).sum())
    };
    per_table("RequestItems", Some("Keys"))
        .filter(|n| *n > 0)
        .or_else(|| per_table("RequestItems", None))
        .unwrap_or(1)
}

/// Sums `ConsumedCapacity` (an object, or a list for transactions and batches).
fn capacity(response: &Value) -> (f64, f64) {
    let entries: Vec<&Value> = match &response["ConsumedCapacity"] {
        Value::Array(list) => list.iter().collect(),
        Value::Null => Vec::new(),
        one => vec![one],
    };
    let mut read = 0.0;
    let mut write = 0.0;
    for e in entries {
        let total = e["CapacityUnits"].as_f64().unwrap_or(0.0);
        match (e["ReadCapacityUnits"].as_f64(), e["WriteCapacityUnits"].as_f64()) {
            (None, None) if total > 0.0 => {
                // Only a total: reads and writes are told apart by the operation below.
                write += total;
            }
            (r, w) => {
                read += r.unwrap_or(0.0);
                write += w.unwrap_or(0.0);
            }
        }
    }
    (read, write)
}

async fn forward(req: Request<Incoming>, state: Arc<Mutex<State>>, upstream: Upstream) -> Answer {
    let (parts, body) = req.into_parts();
    let operation = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split('.').nth(1))
        .unwrap_or("unknown")
        .to_owned();
    let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let mut request: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let items = item_count(&request);

    let fault = DynamoProxy::take_fault(&state, &operation);
    let injected = match fault {
        Some(Fault::Throttle) => Some(error_response(400, "ProvisionedThroughputExceededException")),
        Some(Fault::InternalError) => Some(error_response(500, "InternalServerError")),
        Some(Fault::CancelUnexpectedly) => Some(cancellation(&request, "ValidationError")),
        Some(Fault::Conflict) => Some(cancellation(&request, "TransactionConflict")),
        Some(Fault::Unprocessed) => Some(all_unprocessed(&request)),
        _ => None,
    };
    let unanswered = |status| Call {
        operation: operation.clone(),
        items,
        read_units: 0.0,
        write_units: 0.0,
        status,
        error: None,
        reasons: Vec::new(),
    };
    if fault == Some(Fault::DropConnection) {
        state.lock().expect("proxy state").calls.push(unanswered(0));
        return Err(Dropped);
    }
    if let Some(response) = injected {
        state.lock().expect("proxy state").calls.push(unanswered(response.status().as_u16()));
        return Ok(response);
    }

    if CAPACITY_OPERATIONS.contains(&operation.as_str()) && request.is_object() {
        request["ReturnConsumedCapacity"] = Value::from("TOTAL");
    }
    let body = if request.is_object() { Bytes::from(request.to_string()) } else { bytes };
    let held = state.lock().expect("proxy state").gate.as_mut().and_then(|g| g.admit(&operation));
    if let Some(open) = held {
        if !pass(open).await {
            if let Some(gate) = state.lock().expect("proxy state").gate.as_mut() {
                gate.gave_up();
            }
        }
    }
    let Some((parts, bytes)) = upstream.send(&parts, body).await else {
        return Ok(error_response(500, "InternalServerError"));
    };
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let (mut read_units, mut write_units) = capacity(&answer);
    if matches!(operation.as_str(), "GetItem" | "Query" | "Scan" | "BatchGetItem" | "TransactGetItems") {
        read_units += write_units;
        write_units = 0.0;
    }
    let error = answer["__type"].as_str().and_then(|t| t.rsplit('#').next()).map(str::to_owned);
    let reasons = answer["CancellationReasons"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|r| r["Code"].as_str().unwrap_or("None").to_owned())
        .collect();
    state.lock().expect("proxy state").calls.push(Call {
        operation,
        items,
        read_units,
        write_units,
        status: parts.status.as_u16(),
        error,
        reasons,
    });
    match fault {
        Some(Fault::LoseResponse) => return Ok(error_response(500, "InternalServerError")),
        Some(Fault::DropAfterCommit) => return Err(Dropped),
        _ => {}
    }
    Ok(relay(&parts, bytes))
}
