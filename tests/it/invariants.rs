//! The invariant checker itself: it must catch a broken table, including when a test forgets
//! to call it (the check on drop).

use std::panic::{catch_unwind, AssertUnwindSafe};

use aws_sdk_dynamodb::types::AttributeValue;
use harness::TestApi;
use serde_json::json;

use crate::support::{given_client, given_contact};

/// Writes an item straight into the test table, past every rule of the service.
async fn put(api: &TestApi, item: Vec<(&str, AttributeValue)>) {
    let item = item.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    api.db.put_item().table_name(&api.table).set_item(Some(item)).send().await.expect("put");
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.into())
}

async fn break_table(api: &TestApi) {
    // An email marker whose contact does not exist: what a lost half of a write would leave.
    let marker = vec![
        ("PK", s("TENANT#t1#EMAIL#ghost@x.test")),
        ("SK", s("EMAIL")),
        ("entity", s("email")),
        ("contact_id", s("01J00000000000000000000000")),
        ("email", s("ghost@x.test")),
    ];
    put(api, marker).await;
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

#[tokio::test]
async fn an_email_quota_counting_past_its_limit_fails_the_check() {
    // What a lost race between two quota writes would leave: 3 emails counted of 2.
    let api = TestApi::new().await;
    let hours = std::collections::HashMap::from([("493000".to_owned(), AttributeValue::N("3".into()))]);
    let quota = vec![
        ("PK", s("TENANT#t1#QUOTA")),
        ("SK", s("EMAIL")),
        ("entity", s("quota")),
        ("hours", AttributeValue::M(hours)),
        ("daily_limit", AttributeValue::N("2".into())),
        ("version", AttributeValue::N("1".into())),
    ];
    put(&api, quota).await;

    let dropped = catch_unwind(AssertUnwindSafe(|| drop(api)));

    let message = dropped.expect_err("the over-counted quota is caught");
    let text = message.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("quota over its limit"), "{text}");
}
