//! The custom-fields rule bites: a definition without its options, a contact's value of a
//! kind no field stores.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use testkit::invariants::Rule;
use testkit::TestApi;

use crate::invariants::{broken_rules, contact_key, update_raw};
use crate::support::{given_client, given_contact};

/// t1 with a select field and a contact holding a value of it: the contact's key.
async fn given_contact_with_a_value(api: &TestApi) -> (String, String) {
    let admin = TestApi::admin("t1");
    let fields = json!({ "custom_fields": [
        { "key": "sales_area", "label": "Sales area", "type": "select", "options": ["North", "South"] },
    ] });
    assert_eq!(api.patch(&admin, "/settings", fields).await.status, 200);
    let client = given_client(api, &admin, "Acme").await;
    let body = json!({ "last_name": "Ada", "phone": "+14155550100", "custom": { "sales_area": "North" } });
    contact_key(&client, &given_contact(api, &admin, &client, body).await)
}

#[tokio::test]
async fn definitions_and_values_as_written_keep_the_rules() {
    let api = TestApi::new().await;
    given_contact_with_a_value(&api).await;

    assert_eq!(broken_rules(api).await, []);
}

#[tokio::test]
async fn a_select_field_without_options_is_a_violation() {
    let api = TestApi::new().await;
    given_contact_with_a_value(&api).await;

    update_raw(&api, ("TENANT#t1", "SETTINGS"), "REMOVE custom_fields[0].options", &[]).await;

    assert_eq!(broken_rules(api).await, [Rule::CustomFields]);
}

#[tokio::test]
async fn a_value_of_a_kind_no_field_stores_is_a_violation() {
    let api = TestApi::new().await;
    let (pk, sk) = given_contact_with_a_value(&api).await;

    update_raw(
        &api,
        (&pk, &sk),
        "SET custom.sales_area = :map",
        &[(":map", AttributeValue::M(Default::default()))],
    )
    .await;

    assert_eq!(broken_rules(api).await, [Rule::CustomFields]);
}
