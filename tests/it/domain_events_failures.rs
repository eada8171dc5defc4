//! A stream record the function cannot handle is reported in its partial batch response, and
//! after its retries goes to the on-failure destination without holding up the records after
//! it (docs/events.md "Failures").

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use testkit::events::EventStream;
use testkit::TestApi;

use crate::support::given_client;

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.into())
}

/// A contact item whose keys are not the service's: no event can say whose it is.
async fn put_poison(api: &TestApi) {
    let put = api.db.put_item().table_name(&api.table);
    let put = put.item("PK", s("TENANT#t1#CLIENT#not-an-id")).item("SK", s("CONTACT#nor-this"));
    put.item("entity", s("contact")).item("updated_at", s("2026-11-28T10:00:00Z")).send().await.expect("put");
}

async fn remove_poison(api: &TestApi) {
    let delete = api.db.delete_item().table_name(&api.table);
    delete
        .key("PK", s("TENANT#t1#CLIENT#not-an-id"))
        .key("SK", s("CONTACT#nor-this"))
        .send()
        .await
        .expect("delete");
}

/// The stream holds: the poison item's INSERT, the client's INSERT, the poison's REMOVE.
async fn given_a_poison_item_written_and_removed_around_a_new_client() -> (TestApi, EventStream) {
    let api = TestApi::new().await;
    let stream = EventStream::of(&api).await;
    put_poison(&api).await;
    given_client(&api, &TestApi::admin("t1"), "Acme").await;
    remove_poison(&api).await;
    (api, stream)
}

#[tokio::test]
async fn a_batch_with_a_record_that_cannot_be_mapped_reports_it_and_the_records_after_it() {
    let (_api, mut stream) = given_a_poison_item_written_and_removed_around_a_new_client().await;
    let records = stream.poller.read_all().await.expect("read the stream");
    let sequences: Vec<String> =
        records.iter().map(|r| r["dynamodb"]["SequenceNumber"].as_str().unwrap().to_owned()).collect();
    assert_eq!(records.len(), 3);

    let answer = stream.processor.invoke_json(json!({"Records": records})).await.expect("an answer");

    let failed: Vec<&str> = answer["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap())
        .collect();
    assert_eq!(failed, sequences, "the poison record first, and every record after it, are delivered again");
}

#[tokio::test]
async fn a_poison_record_goes_to_the_on_failure_destination_after_its_retries_and_later_records_publish() {
    let (_api, mut stream) = given_a_poison_item_written_and_removed_around_a_new_client().await;

    let polled = stream.drain().await;

    assert_eq!(polled.discarded.len(), 2, "the poison item's INSERT and REMOVE: {:?}", polled.discarded);
    assert!(polled
        .discarded
        .iter()
        .all(|r| r["dynamodb"]["Keys"]["PK"]["S"] == "TENANT#t1#CLIENT#not-an-id"));
    let tries = stream.poller.max_retries as usize + 1;
    assert_eq!(polled.failed_batches, 2 * tries, "each failed its first try and every retry: {polled:?}");
    let kinds: Vec<String> =
        stream.published().await.iter().map(|e| e["detail-type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds, ["client.created"]);
}
