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
