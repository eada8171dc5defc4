//! The test table: made as template.yaml defines it (`local_tools::table`, which the local
//! stack's `create-table` uses too), and read directly, not through the service.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

pub use local_tools::table::*;

/// Every item of one partition, read directly (not through the service).
pub async fn items_under(
    db: &Client,
    table: &str,
    pk: &str,
) -> Vec<std::collections::HashMap<String, AttributeValue>> {
    let out = db
        .query()
        .table_name(table)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .expect("query partition");
    out.items.unwrap_or_default()
}

/// Every item of a table, or None if the table is gone.
pub async fn scan_table(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Option<Vec<std::collections::HashMap<String, AttributeValue>>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = match db
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => {
                return None
            }
            Err(e) => panic!("scan {table}: {e:?}"),
        };
        items.extend(out.items().iter().cloned());
        start = out.last_evaluated_key;
        if start.is_none() {
            return Some(items);
        }
    }
}
