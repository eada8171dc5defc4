//! A transaction's write units, counted item by item. DynamoDB Local reports a transaction's
//! capacity once for the whole request: its items' sizes added up before rounding, and each
//! index touched counted once, however many of its entries changed (7 small items: 2 units).
//! DynamoDB bills each item of a transaction 2 units per KB of the larger of its old and new
//! image, and each index entry a write adds, changes or removes. So the proxy reads the items a
//! transaction names just before and just after it (consistent reads, straight from DynamoDB
//! Local, not counted as calls) and counts from them: its items at the transactional rate,
//! their index entries at the standard one (index upkeep is not part of the transaction's two
//! phases; DynamoDB Local counts them doubled, once per index).

use std::collections::HashMap;

use hyper::http::{request, HeaderValue};
use hyper::Request;
use serde_json::{json, Value};

use super::super::Upstream;

/// A table's key attributes and each global secondary index's.
#[derive(Clone)]
pub(super) struct Schema {
    key: Vec<String>,
    indexes: Vec<Vec<String>>,
}

/// The items a transaction names (table and key), as they were before it.
pub(super) struct Before {
    items: Vec<(String, Value)>,
    images: Vec<Option<Value>>,
    schemas: HashMap<String, Schema>,
}

/// What the transaction's writes come to.
pub(super) struct Units {
    pub write: f64,
    pub index: f64,
}

/// The request as another operation of the same caller (the emulator checks no signature).
fn as_operation(parts: &request::Parts, operation: &str) -> request::Parts {
    let (mut own, ()) = Request::builder()
        .method(parts.method.clone())
        .uri(parts.uri.clone())
        .body(())
        .expect("a request")
        .into_parts();
    own.headers = parts.headers.clone();
    let target = HeaderValue::from_str(&format!("DynamoDB_20120810.{operation}")).expect("a header value");
    own.headers.insert("x-amz-target", target);
    own
}

async fn call(upstream: &Upstream, parts: &request::Parts, operation: &str, body: Value) -> Option<Value> {
    let (_, bytes) = upstream.send(&as_operation(parts, operation), body.to_string().into()).await?;
    serde_json::from_slice(&bytes).ok()
}

async fn describe(upstream: &Upstream, parts: &request::Parts, table: &str) -> Option<Schema> {
    let answer = call(upstream, parts, "DescribeTable", json!({ "TableName": table })).await?;
    let names = |schema: &Value| -> Vec<String> {
        schema
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k["AttributeName"].as_str().map(str::to_owned))
            .collect()
    };
    let table = &answer["Table"];
    let indexes =
        table["GlobalSecondaryIndexes"].as_array().into_iter().flatten().map(|i| names(&i["KeySchema"]));
    Some(Schema { key: names(&table["KeySchema"]), indexes: indexes.collect() })
}

/// Each item's current image (None: no such item), read consistently in batches of 100.
async fn images(
    upstream: &Upstream,
    parts: &request::Parts,
    items: &[(String, Value)],
) -> Vec<Option<Value>> {
    let mut found: Vec<(String, Value)> = Vec::new();
    for chunk in items.chunks(100) {
        let mut request: HashMap<&str, Vec<&Value>> = HashMap::new();
        for (table, key) in chunk {
            request.entry(table).or_default().push(key);
        }
        let mut pending: Value = request
            .into_iter()
            .map(|(table, keys)| (table.to_owned(), json!({ "Keys": keys, "ConsistentRead": true })))
            .collect::<serde_json::Map<_, _>>()
            .into();
        while pending.as_object().is_some_and(|p| !p.is_empty()) {
            let Some(answer) =
                call(upstream, parts, "BatchGetItem", json!({ "RequestItems": pending })).await
            else {
                break;
            };
            for (table, got) in answer["Responses"].as_object().into_iter().flatten() {
                found.extend(got.as_array().into_iter().flatten().map(|item| (table.clone(), item.clone())));
            }
            pending = answer["UnprocessedKeys"].clone();
        }
    }
    let holds = |item: &Value, key: &Value| {
        key.as_object().is_some_and(|k| k.iter().all(|(a, v)| item.get(a) == Some(v)))
    };
    items
        .iter()
        .map(|(table, key)| {
            found.iter().find(|(t, item)| t == table && holds(item, key)).map(|(_, item)| item.clone())
        })
        .collect()
}

impl Before {
    /// Reads the items `request` (a `TransactWriteItems`) names; `cache` keeps tables' schemas.
    pub(super) async fn read(
        upstream: &Upstream,
        parts: &request::Parts,
        request: &Value,
        cache: &mut HashMap<String, Schema>,
    ) -> Option<Self> {
        let mut items = Vec::new();
        for action in request["TransactItems"].as_array()? {
            let (kind, body) = action.as_object()?.iter().next()?;
            let table = body["TableName"].as_str()?.to_owned();
            if !cache.contains_key(&table) {
                cache.insert(table.clone(), describe(upstream, parts, &table).await?);
            }
            let key = match kind.as_str() {
                "Put" => {
                    let key = &cache[&table].key;
                    Value::Object(
                        key.iter().filter_map(|k| Some((k.clone(), body["Item"].get(k)?.clone()))).collect(),
                    )
                }
                _ => body["Key"].clone(),
            };
            items.push((table, key));
        }
        let images = images(upstream, parts, &items).await;
        let schemas = items.iter().map(|(t, _)| (t.clone(), cache[t].clone())).collect();
        Some(Self { items, images, schemas })
    }

    /// The units of the transaction, now that it committed.
    pub(super) async fn units(&self, upstream: &Upstream, parts: &request::Parts) -> Units {
        let after = images(upstream, parts, &self.items).await;
        let mut units = Units { write: 0.0, index: 0.0 };
        for (((table, _), old), new) in self.items.iter().zip(&self.images).zip(&after) {
            let size = old.iter().chain(new).map(item_size).max().unwrap_or(0);
            units.write += 2.0 * kilobytes(size);
            if old == new {
                continue;
            }
            for index in &self.schemas[table].indexes {
                let entry = |image: &Option<Value>| -> Option<(Vec<Value>, usize)> {
                    let image = image.as_ref()?;
                    let key = index.iter().map(|k| image.get(k).cloned()).collect::<Option<Vec<_>>>()?;
                    Some((key, item_size(image)))
                };
                let writes = match (entry(old), entry(new)) {
                    (None, None) => vec![],
                    (Some((_, size)), None) | (None, Some((_, size))) => vec![size],
                    (Some((a, _)), Some((b, size))) if a == b => vec![size],
                    (Some((_, was)), Some((_, size))) => vec![was, size],
                };
                units.index += writes.into_iter().map(kilobytes).sum::<f64>();
            }
        }
        units.write += units.index;
        units
    }
}

/// Units of 1 KB an item of `size` bytes takes, at least one.
fn kilobytes(size: usize) -> f64 {
    size.div_ceil(1024).max(1) as f64
}

/// An item's size as DynamoDB counts it: attribute names and values (numbers counted from
/// above), from its wire form (`{"name": {"S": "..."}}`).
fn item_size(item: &Value) -> usize {
    fn value(v: &Value) -> usize {
        let Some((kind, v)) = v.as_object().and_then(|o| o.iter().next()) else { return 0 };
        match kind.as_str() {
            "S" | "B" => v.as_str().map_or(0, str::len),
            "N" => v.as_str().map_or(0, |n| n.len().div_ceil(2) + 1),
            "BOOL" | "NULL" => 1,
            "L" => 3 + v.as_array().into_iter().flatten().map(|e| 1 + value(e)).sum::<usize>(),
            "M" => {
                3 + v.as_object().into_iter().flatten().map(|(k, e)| 1 + k.len() + value(e)).sum::<usize>()
            }
            "SS" | "BS" => v.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::len).sum(),
            "NS" => v
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|n| n.len().div_ceil(2) + 1)
                .sum(),
            _ => 64,
        }
    }
    item.as_object().into_iter().flatten().map(|(k, v)| k.len() + value(v)).sum()
}
