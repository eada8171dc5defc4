//! A contact's changes become its activity (written from the stream), with field names and
//! statuses, never values; the invariant checker knows the shape exactly.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use testkit::events::EventStream;
use testkit::invariants::Rule;
use testkit::proxy::Fault;
use testkit::TestApi;

use crate::invariants::{broken_rules, put_raw, s};
use crate::support::{contact_path, given_client, given_contact};

async fn activity_of(
    api: &TestApi,
    contact: &serde_json::Value,
) -> Vec<std::collections::HashMap<String, AttributeValue>> {
    let pk = format!("TENANT#t1#CONTACT#{}#ACTIVITY", contact["id"].as_str().unwrap());
    testkit::table::items_under(&api.db, &api.table, &pk).await
}

#[tokio::test]
async fn an_edit_becomes_one_activity_item_naming_the_changed_fields_and_who_changed_them() {
    let api = TestApi::new().await;
    let mut stream = EventStream::of(&api).await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let ada = given_contact(&api, &admin, &client, json!({"last_name": "L", "mobile": "+14155550105"})).await;

    let res = api
        .patch(&admin, &contact_path(&client, &ada), json!({"job_title": "CFO", "department": "Finance"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    stream.events().await;

    let items = activity_of(&api, &ada).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item["kind"], s("fields_changed"));
    assert_eq!(item["fields"], AttributeValue::L(vec![s("job_title"), s("department")]));
    assert_eq!(item["actor"], s(res.json()["updated_by"].as_str().unwrap()));
    assert!(!format!("{item:?}").contains("CFO"), "no values: {item:?}");
    let at = item["at"].as_s().unwrap();
    assert_eq!(item["SK"].as_s().unwrap().strip_prefix("AT#").unwrap().split_once('#').unwrap().0, at);
}

/// An activity item as the stream writes it for a portal status change.
fn activity_item(
    contact: &str,
    extra: &[(&'static str, AttributeValue)],
) -> Vec<(&'static str, AttributeValue)> {
    let mut item = vec![
        ("PK", s(&format!("TENANT#t1#CONTACT#{contact}#ACTIVITY"))),
        ("SK", s("AT#2026-11-28T10:00:00.123Z#ev-1")),
        ("entity", s("activity")),
        ("tenant_id", s("t1")),
        ("client_id", s("01J00000000000000000000000")),
        ("contact_id", s(contact)),
        ("kind", s("portal_status")),
        ("at", s("2026-11-28T10:00:00.123Z")),
        ("from", s("invited")),
        ("to", s("active")),
        ("expires_at", AttributeValue::N("1827396000".into())),
    ];
    item.extend(extra.iter().cloned());
    item
}

/// `item`, an activity entry of a contact that was deleted (its deletion record written with
/// the deletion, its erasure not yet run).
async fn given_deleted_contacts_entry(api: &TestApi, item: &[(&'static str, AttributeValue)]) {
    let record = crate::invariants_deletions::contact_deletion("01J00000000000000000000000", DELETED);
    put_raw(api, &record).await;
    put_raw(api, item).await;
}

const DELETED: &str = "01J00000000000000000000001";

#[tokio::test]
async fn the_activity_of_a_deleted_contact_that_holds_only_ids_and_statuses_is_sound() {
    let api = TestApi::new().await;
    given_deleted_contacts_entry(&api, &activity_item(DELETED, &[])).await;

    assert_eq!(broken_rules(api).await, []);
}

#[tokio::test]
async fn an_activity_item_holding_personal_data_is_a_violation() {
    let api = TestApi::new().await;
    given_deleted_contacts_entry(&api, &activity_item(DELETED, &[("email", s("ada@x.test"))])).await;

    assert_eq!(broken_rules(api).await, [Rule::Activity]);
}

#[tokio::test]
async fn an_activity_item_whose_time_is_not_its_keys_is_a_violation() {
    let api = TestApi::new().await;
    let mut item = activity_item(DELETED, &[]);
    item.retain(|(k, _)| *k != "at");
    item.push(("at", s("2026-11-28T10:00:00Z")));
    given_deleted_contacts_entry(&api, &item).await;

    assert_eq!(broken_rules(api).await, [Rule::Activity]);
}

#[tokio::test]
async fn erasing_activity_that_dynamodb_keeps_leaving_unprocessed_gives_up_as_store_busy_and_erases_all_when_tried_again(
) {
    // Given a contact with activity, and batch writes that leave every deletion unprocessed
    let (api, proxy) = TestApi::behind_proxy().await;
    let mut stream = EventStream::of(&api).await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let ada = given_contact(&api, &admin, &client, json!({"last_name": "L", "mobile": "+14155550105"})).await;
    for title in ["CFO", "CEO"] {
        assert_eq!(
            api.patch(&admin, &contact_path(&client, &ada), json!({"job_title": title})).await.status,
            200
        );
    }
    stream.events().await;
    assert_eq!(activity_of(&api, &ada).await.len(), 2, "the activity to erase");
    let store = shared::store::Store::new(proxy.client().await, &api.table);
    let tenant = shared::domain::TenantId::parse("t1").unwrap();
    let id = shared::domain::ContactId::parse(ada["id"].as_str().unwrap()).unwrap();
    proxy.take_calls();
    for _ in 0..8 {
        proxy.fail_next("BatchWriteItem", Fault::Unprocessed);
    }

    // When the erasure runs
    let given_up = store.erase_activity(&tenant, id).await;

    // Then it gives up after its bounded attempts as a busy store (503 where a caller sees it,
    // a batch delivered again by the stream), not as a lost race, and nothing was erased
    assert!(matches!(given_up, Err(shared::store::StoreError::Busy)), "{given_up:?}");
    let writes = proxy.take_calls().into_iter().filter(|c| c.operation == "BatchWriteItem").count();
    assert_eq!(writes, 8, "a bounded number of attempts");
    assert_eq!(activity_of(&api, &ada).await.len(), 2);
    // and tried again once DynamoDB processes writes, it erases every item
    assert_eq!(store.erase_activity(&tenant, id).await.unwrap(), 2);
    assert!(activity_of(&api, &ada).await.is_empty());
}
