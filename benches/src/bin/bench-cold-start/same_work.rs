//! The check that the Python handler does the same work as the Rust function before their
//! cold starts are compared.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use bench::functions::{body, TENANT};
use serde_json::{json, Value};
use testkit::TestApi;

/// A JSON value with every leaf replaced by its type: what two implementations must agree on.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().take(1).map(shape).collect()),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => json!("null"),
    }
}

/// An item's attribute names and types.
fn item_shape(item: &HashMap<String, AttributeValue>) -> Vec<(String, &'static str)> {
    let mut shape: Vec<(String, &'static str)> = item
        .iter()
        .map(|(k, v)| {
            let kind = match v {
                AttributeValue::S(_) => "S",
                AttributeValue::N(_) => "N",
                AttributeValue::Bool(_) => "BOOL",
                AttributeValue::L(_) => "L",
                AttributeValue::M(_) => "M",
                _ => "other",
            };
            (k.clone(), kind)
        })
        .collect();
    shape.sort();
    shape
}

async fn get_item(api: &TestApi, pk: String, sk: String) -> HashMap<String, AttributeValue> {
    api.db
        .get_item()
        .table_name(&api.table)
        .key("PK", AttributeValue::S(pk))
        .key("SK", AttributeValue::S(sk))
        .consistent_read(true)
        .send()
        .await
        .expect("get item")
        .item
        .expect("the item exists")
}

/// Refuses to compare unequal work: the Python handler must answer and write exactly what the
/// Rust function answers and writes (same body shape, same attributes and types).
pub(crate) async fn check_same_work(api: &TestApi, rust: &Value, python: &Value) {
    let (rust, python) = (body(rust), body(python));
    assert_eq!(shape(&rust), shape(&python), "201 bodies differ:\n{rust}\n{python}");
    let mut shapes = Vec::new();
    for contact in [&rust, &python] {
        let client = contact["client_id"].as_str().expect("client id");
        let id = contact["id"].as_str().expect("contact id");
        let email = contact["email"].as_str().expect("email").to_lowercase();
        let item = get_item(api, format!("TENANT#{TENANT}#CLIENT#{client}"), format!("CONTACT#{id}")).await;
        let marker = get_item(api, format!("TENANT#{TENANT}#EMAIL#{email}"), "EMAIL".to_owned()).await;
        shapes.push((item_shape(&item), item_shape(&marker)));
    }
    assert_eq!(shapes[0], shapes[1], "items differ (Rust, then Python)");
}
