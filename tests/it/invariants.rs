//! The invariant checker itself: it must catch a broken table, including when a test forgets
//! to call it (the check on drop).

use std::panic::{catch_unwind, AssertUnwindSafe};

use aws_sdk_dynamodb::types::AttributeValue;
use harness::TestApi;
use serde_json::json;

use crate::support::{given_client, given_contact};

async fn break_table(api: &TestApi) {
    // An email marker whose contact does not exist: what a lost half of a write would leave.
    api.db
        .put_item()
        .table_name(&api.table)
        .item("PK", AttributeValue::S("TENANT#t1#EMAIL#ghost@x.test".into()))
        .item("SK", AttributeValue::S("EMAIL".into()))
        .item("entity", AttributeValue::S("email".into()))
        .item("contact_id", AttributeValue::S("01J00000000000000000000000".into()))
        .item("email", AttributeValue::S("ghost@x.test".into()))
        .send()
        .await
        .expect("put");
}

#[tokio::test]
async fn a_healthy_table_passes_the_check_on_drop() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    given_contact(&api, &TestApi::admin("t1"), &acme, json!({ "last_name": "Ok", "email": "ok@x.test" }))
        .await;

    let dropped = catch_unwind(AssertUnwindSafe(|| drop(api)));

    assert!(dropped.is_ok());
}

#[tokio::test]
async fn a_marker_without_its_contact_fails_the_check_on_drop() {
    let api = TestApi::new().await;
    break_table(&api).await;

    let dropped = catch_unwind(AssertUnwindSafe(|| drop(api)));

    let message = dropped.expect_err("the broken table is caught");
    let text = message.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("marker without contact"), "{text}");
}
