//! DynamoDB's JSON protocol as the proxy reads and writes it: the operation a request names,
//! the items it touches, the capacity an answer reports, and the error answers it injects.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::http::HeaderMap;
use hyper::Response;
use serde_json::Value;

use super::Call;

/// The operation a request names in `X-Amz-Target` (`DynamoDB_20120810.GetItem`).
pub(super) fn operation_of(headers: &HeaderMap) -> String {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split('.').nth(1))
        .unwrap_or("unknown")
        .to_owned()
}

/// The call as DynamoDB answered it: its capacity (reads told apart from writes by the
/// operation), its error and a cancelled transaction's reasons.
pub(super) fn answered_call(operation: String, items: usize, status: u16, answer: &Value) -> Call {
    let Capacity { mut read, mut write, index } = capacity(answer);
    if matches!(operation.as_str(), "GetItem" | "Query" | "Scan" | "BatchGetItem" | "TransactGetItems") {
        read += write;
        write = 0.0;
    }
    let error = answer["__type"].as_str().and_then(|t| t.rsplit('#').next()).map(str::to_owned);
    let reasons = answer["CancellationReasons"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|r| r["Code"].as_str().unwrap_or("None").to_owned())
        .collect();
    Call {
        operation,
        items,
        read_units: read,
        write_units: write,
        index_units: index,
        status,
        error,
        reasons,
    }
}

pub(super) fn error_response(status: u16, kind: &str) -> Response<Full<Bytes>> {
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
pub(super) fn cancellation(request: &Value, code: &str) -> Response<Full<Bytes>> {
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

/// A batch answer that did nothing: a `BatchGetItem` read nothing and leaves every requested key
/// in `UnprocessedKeys`; a `BatchWriteItem` wrote nothing and leaves every request in
/// `UnprocessedItems`.
pub(super) fn all_unprocessed(request: &Value, operation: &str) -> Response<Full<Bytes>> {
    let tables = request["RequestItems"].as_object().cloned().unwrap_or_default();
    let body = if operation == "BatchWriteItem" {
        serde_json::json!({ "UnprocessedItems": tables })
    } else {
        let responses: serde_json::Map<String, Value> =
            tables.keys().map(|t| (t.clone(), Value::Array(Vec::new()))).collect();
        serde_json::json!({ "Responses": responses, "UnprocessedKeys": tables })
    };
    Response::builder()
        .status(200)
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("batch response")
}

/// Items named by a request: transaction actions, batch keys or writes, else 1.
pub(super) fn item_count(request: &Value) -> usize {
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

/// What an answer's `ConsumedCapacity` adds up to.
struct Capacity {
    read: f64,
    write: f64,
    /// Of the two, the global secondary indexes' units.
    index: f64,
}

/// Sums `ConsumedCapacity` (an object, or a list for transactions and batches).
fn capacity(response: &Value) -> Capacity {
    let entries: Vec<&Value> = match &response["ConsumedCapacity"] {
        Value::Array(list) => list.iter().collect(),
        Value::Null => Vec::new(),
        one => vec![one],
    };
    let mut sum = Capacity { read: 0.0, write: 0.0, index: 0.0 };
    for e in entries {
        let total = e["CapacityUnits"].as_f64().unwrap_or(0.0);
        match (e["ReadCapacityUnits"].as_f64(), e["WriteCapacityUnits"].as_f64()) {
            (None, None) if total > 0.0 => {
                // Only a total: reads and writes are told apart by the operation.
                sum.write += total;
            }
            (r, w) => {
                sum.read += r.unwrap_or(0.0);
                sum.write += w.unwrap_or(0.0);
            }
        }
        let indexes = e["GlobalSecondaryIndexes"].as_object().into_iter().flat_map(|m| m.values());
        sum.index += indexes.map(|i| i["CapacityUnits"].as_f64().unwrap_or(0.0)).sum::<f64>();
    }
    sum
}
