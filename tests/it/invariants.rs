//! The invariant checker itself: each rule catches a table broken behind the service's back
//! (raw writes to a real test table), both as the pure `violations` and as the check every
//! `TestApi` runs when dropped (`invariants_drop` shows that check cannot be skipped).

use std::panic::{catch_unwind, AssertUnwindSafe};

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use testkit::invariants::{violations_in, Deployment, Rule};
use testkit::{Caller, TestApi};

use crate::invites::given_invited;
use crate::support::{given_client, given_contact, unique_email};

pub fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.into())
}

/// Writes an item as is, past the service.
pub async fn put_raw(api: &TestApi, item: &[(&str, AttributeValue)]) {
    let mut put = api.db.put_item().table_name(&api.table);
    for (name, value) in item {
        put = put.item(*name, value.clone());
    }
    put.send().await.expect("put");
}

/// Changes an item with an update expression, past the service.
pub async fn update_raw(
    api: &TestApi,
    key: (&str, &str),
    expression: &str,
    values: &[(&str, AttributeValue)],
) {
    let mut update = api.db.update_item().table_name(&api.table).key("PK", s(key.0)).key("SK", s(key.1));
    for (name, value) in values {
        update = update.expression_attribute_values(*name, value.clone());
    }
    update.update_expression(expression).send().await.expect("update");
}

pub async fn delete_raw(api: &TestApi, key: (&str, &str)) {
    api.db
        .delete_item()
        .table_name(&api.table)
        .key("PK", s(key.0))
        .key("SK", s(key.1))
        .send()
        .await
        .expect("delete");
}

pub fn panic_text(cause: Box<dyn std::any::Any + Send>) -> String {
    cause
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| cause.downcast_ref::<&str>().map(|t| t.to_string()))
        .unwrap_or_default()
}

/// The rules the table breaks, one entry per violation, sorted; the check on drop fails
/// naming each of them (and passes when there are none).
pub async fn broken_rules(api: TestApi) -> Vec<Rule> {
    let deployment = Deployment::of(&api.app);
    let mut rules: Vec<Rule> = violations_in(&api.scan().await, &deployment).iter().map(|v| v.rule).collect();
    rules.sort();
    match catch_unwind(AssertUnwindSafe(|| drop(api))) {
        Ok(()) => assert!(rules.is_empty(), "the check on drop passed, yet {rules:?} are broken"),
        Err(cause) => {
            let text = panic_text(cause);
            assert!(!rules.is_empty(), "the check on drop failed, yet no rule is broken: {text}");
            for rule in &rules {
                assert!(text.contains(&format!("[{}]", rule.name())), "{rule:?} is not named: {text}");
            }
        }
    }
    rules
}

pub fn contact_key(client: &str, contact: &serde_json::Value) -> (String, String) {
    (format!("TENANT#t1#CLIENT#{client}"), format!("CONTACT#{}", contact["id"].as_str().expect("id")))
}

pub(crate) fn admin() -> Caller {
    TestApi::admin("t1")
}

#[tokio::test]
async fn an_item_of_no_known_shape_is_a_violation() {
    let api = TestApi::new().await;
    put_raw(&api, &[("PK", s("TENANT#t1#WIDGET#1")), ("SK", s("WIDGET")), ("entity", s("widget"))]).await;

    assert_eq!(broken_rules(api).await, [Rule::UnknownItem]);
}

#[tokio::test]
async fn an_item_whose_entity_is_missing_or_disagrees_with_its_key_is_a_violation() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let ada =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Ada", "phone": "+1 415 555 0100" })).await;
    let (pk, sk) = contact_key(&acme, &ada);
    update_raw(&api, (&pk, &sk), "REMOVE entity", &[]).await;
    update_raw(&api, ("TENANT#t1", &format!("CLIENT#{acme}")), "SET entity = :e", &[(":e", s("contact"))])
        .await;

    assert_eq!(broken_rules(api).await, [Rule::Entity, Rule::Entity]);
}

#[tokio::test]
async fn an_idempotency_record_without_an_expiry_is_a_violation() {
    let api = TestApi::new().await;
    let headers = [("content-type", "application/json"), ("idempotency-key", "create-acme")];
    let res =
        api.send(&admin(), "POST", "/clients", &headers, Some(json!({ "name": "Acme" }).to_string())).await;
    assert_eq!(res.status, 201, "{}", res.body);
    update_raw(&api, ("TENANT#t1#IDEM#create-acme", "IDEM"), "REMOVE expires_at", &[]).await;

    assert_eq!(broken_rules(api).await, [Rule::IdempotencyRecord]);
}

#[tokio::test]
async fn an_item_holding_password_material_is_a_violation() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    update_raw(&api, ("TENANT#t1", &format!("CLIENT#{acme}")), "SET notes = :hash", &[(":hash", s(hash))])
        .await;

    assert_eq!(broken_rules(api).await, [Rule::NoPassword]);
}

#[tokio::test]
async fn a_credential_item_is_an_unknown_item() {
    let api = TestApi::new().await;
    let (_, ada, _) = given_invited(&api, &unique_email("cred")).await;
    let id = ada["id"].as_str().expect("id");
    let pk = format!("TENANT#t1#CREDENTIAL#{id}");
    put_raw(&api, &[("PK", s(&pk)), ("SK", s("CREDENTIAL")), ("entity", s("credential"))]).await;

    assert_eq!(broken_rules(api).await, [Rule::UnknownItem]);
}

#[tokio::test]
async fn a_contact_whose_client_is_gone_is_an_orphan() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    given_contact(&api, &admin(), &acme, json!({ "last_name": "Ada", "email": "ada@x.test" })).await;
    delete_raw(&api, ("TENANT#t1", &format!("CLIENT#{acme}"))).await;

    assert_eq!(broken_rules(api).await, [Rule::OrphanContact]);
}

#[tokio::test]
async fn a_contact_whose_client_id_disagrees_with_its_key_is_a_violation() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let globex = given_client(&api, &admin(), "Globex").await;
    let ada =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Ada", "email": "ada@x.test" })).await;
    let (pk, sk) = contact_key(&acme, &ada);
    update_raw(&api, (&pk, &sk), "SET client_id = :other", &[(":other", s(&globex))]).await;

    assert_eq!(broken_rules(api).await, [Rule::KeyAttributes]);
}

/// A tenant's quota record written behind the service's back: `hours` (hour since the epoch,
/// emails counted) and the limit it says it was kept to.
async fn given_quota_record(api: &TestApi, hours: &[(i64, u32)], daily_limit: u32) {
    let hours = hours.iter().map(|(h, n)| (h.to_string(), AttributeValue::N(n.to_string()))).collect();
    put_raw(
        api,
        &[
            ("PK", s("TENANT#t1#QUOTA")),
            ("SK", s("EMAIL")),
            ("entity", s("quota")),
            ("hours", AttributeValue::M(hours)),
            ("daily_limit", AttributeValue::N(daily_limit.to_string())),
            ("version", AttributeValue::N("1".into())),
        ],
    )
    .await;
}

#[tokio::test]
async fn an_email_quota_whose_total_is_not_its_buckets_sum_is_a_violation() {
    // What a one-write count that missed its bucket would leave: a total of 3 over buckets of 2.
    let api = TestApi::new().await.with_daily_email_quota(5);
    given_quota_record(&api, &[(493_000, 2)], 5).await;
    update_raw(
        &api,
        ("TENANT#t1#QUOTA", "EMAIL"),
        "SET used = :used, as_of_hour = :hour",
        &[(":used", AttributeValue::N("3".into())), (":hour", AttributeValue::N("493000".into()))],
    )
    .await;

    assert_eq!(broken_rules(api).await, [Rule::EmailQuota]);
}

#[tokio::test]
async fn an_email_quota_counting_past_its_limit_is_a_violation() {
    // What a lost race between two quota writes would leave: 3 emails counted of 2.
    let api = TestApi::new().await.with_daily_email_quota(2);
    given_quota_record(&api, &[(493_000, 3)], 2).await;

    assert_eq!(broken_rules(api).await, [Rule::EmailQuota]);
}

#[tokio::test]
async fn an_email_quota_past_the_deployments_limit_is_a_violation_whatever_limit_it_records() {
    // A record that says it was kept to 1000 (a write with the wrong limit) counts 6 in an hour
    // of a deployment allowing 5.
    let api = TestApi::new().await.with_daily_email_quota(5);
    given_quota_record(&api, &[(493_000, 6)], 1000).await;

    assert_eq!(broken_rules(api).await, [Rule::EmailQuota]);
}

#[tokio::test]
async fn an_email_quota_past_its_limit_within_24_hours_is_a_violation() {
    // 3 and 3 emails 23 hours apart: 6 in one day of 5.
    let api = TestApi::new().await.with_daily_email_quota(5);
    given_quota_record(&api, &[(493_000, 3), (493_023, 3)], 5).await;

    assert_eq!(broken_rules(api).await, [Rule::EmailQuota]);
}

#[tokio::test]
async fn emails_counted_more_than_24_hours_apart_are_not_summed() {
    // 3 and 3 emails 24 hours apart: never more than 3 in one day of 5.
    let api = TestApi::new().await.with_daily_email_quota(5);
    given_quota_record(&api, &[(493_000, 3), (493_024, 3)], 5).await;

    assert_eq!(broken_rules(api).await, []);
}
