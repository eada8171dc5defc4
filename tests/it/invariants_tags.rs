//! The tags rule bites: a contact carrying a tag without its member item, a member item whose
//! contact does not carry the tag, a tag whose name no claim names.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use testkit::invariants::Rule;
use testkit::TestApi;

use crate::invariants::{broken_rules, contact_key, delete_raw, update_raw};
use crate::support::{contact_path, given_client, given_contact};

/// A tag of t1 and a contact carrying it: (tag id, the contact's key).
async fn given_tagged_contact(api: &TestApi) -> (String, (String, String)) {
    let admin = TestApi::admin("t1");
    let client = given_client(api, &admin, "Acme").await;
    let contact =
        given_contact(api, &admin, &client, json!({ "last_name": "Ada", "phone": "+14155550100" })).await;
    let tag =
        api.post(&admin, "/tags", json!({ "name": "VIP" })).await.json()["id"].as_str().unwrap().to_owned();
    let tagged =
        api.send(&admin, "PUT", &format!("{}/tags/{tag}", contact_path(&client, &contact)), &[], None).await;
    assert_eq!(tagged.status, 204, "{}", tagged.body);
    (tag, contact_key(&client, &contact))
}

#[tokio::test]
async fn a_tagged_contact_as_written_keeps_the_rules() {
    let api = TestApi::new().await;
    given_tagged_contact(&api).await;

    assert_eq!(broken_rules(api).await, []);
}

#[tokio::test]
async fn a_member_item_whose_contact_does_not_carry_the_tag_is_a_violation() {
    let api = TestApi::new().await;
    let (_, (pk, sk)) = given_tagged_contact(&api).await;

    update_raw(
        &api,
        (&pk, &sk),
        "REMOVE tag_ids SET tag_count = :zero",
        &[(":zero", AttributeValue::N("0".into()))],
    )
    .await;

    assert_eq!(broken_rules(api).await, [Rule::Tags]);
}

#[tokio::test]
async fn a_contact_carrying_a_tag_without_its_member_item_is_a_violation() {
    let api = TestApi::new().await;
    let (tag, (pk, sk)) = given_tagged_contact(&api).await;
    let member_sk =
        format!("{}#{}", pk.trim_start_matches("TENANT#t1#CLIENT#"), sk.trim_start_matches("CONTACT#"));

    delete_raw(&api, (&format!("TENANT#t1#TAG#{tag}"), &member_sk)).await;

    assert_eq!(broken_rules(api).await, [Rule::Tags]);
}

#[tokio::test]
async fn a_tag_whose_name_no_claim_names_is_a_violation() {
    let api = TestApi::new().await;
    given_tagged_contact(&api).await;

    delete_raw(&api, ("TENANT#t1#TAGNAME#vip", "TAGNAME")).await;

    assert_eq!(broken_rules(api).await, [Rule::Tags]);
}
