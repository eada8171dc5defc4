//! Specs of the update expression builder (`update_expr.rs`).
use super::*;

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn stamp() -> Stamp {
    Stamp { at: "2024-05-01T10:00:00Z".into(), by: "user-1".into() }
}

fn built(expr: UpdateExpr) -> aws_sdk_dynamodb::types::Update {
    expr.apply(UpdateBuilder::default().table_name("t").key("PK", s("k"))).build().expect("complete update")
}

#[test]
fn a_stamp_moves_the_version_by_one_and_records_when_and_who() {
    let mut expr = UpdateExpr::new();
    expr.stamp(&stamp());

    let update = built(expr);

    assert_eq!(update.update_expression, "SET version = version + :one, updated_at = :at, updated_by = :by");
    let values = update.expression_attribute_values.expect("values");
    assert_eq!(values[":one"], AttributeValue::N("1".into()));
    assert_eq!(values[":at"], s("2024-05-01T10:00:00Z"));
    assert_eq!(values[":by"], s("user-1"));
    assert_eq!(values.len(), 3, "DynamoDB refuses values an expression does not use");
    assert_eq!(update.expression_attribute_names, None, "nor names it does not use");
}

#[test]
fn each_change_names_its_attribute_and_value_by_placeholder() {
    let mut expr = UpdateExpr::new();
    expr.set("primary_contact_id", s("c1")).increment("contact_count", -1).remove("invite_hash");

    assert_eq!(
        expr.expression(),
        "SET #primary_contact_id = :primary_contact_id, #contact_count = #contact_count + :contact_count \
         REMOVE #invite_hash"
    );
    assert_eq!(expr.names.len(), 3);
    assert_eq!(expr.names["#invite_hash"], "invite_hash");
    assert_eq!(expr.values[":contact_count"], AttributeValue::N("-1".into()));
    assert_eq!(expr.values[":primary_contact_id"], s("c1"));
    assert_eq!(expr.values.len(), 2, "a removal takes no value");
}

#[test]
fn a_count_starts_from_zero_on_an_item_without_one() {
    let mut expr = UpdateExpr::new();
    expr.count("report_count", 1);

    assert_eq!(expr.expression(), "SET #report_count = if_not_exists(#report_count, :zero) + :report_count");
    assert_eq!(expr.values[":zero"], AttributeValue::N("0".into()));
    assert_eq!(expr.values[":report_count"], AttributeValue::N("1".into()));
}

#[test]
fn set_elements_are_added_and_deleted_in_their_own_clauses() {
    let ids = AttributeValue::Ss(vec!["r1".into()]);
    let mut added = UpdateExpr::new();
    added.add_to_set("report_ids", ids.clone());
    let mut deleted = UpdateExpr::new();
    deleted.remove("line_manager_id").delete_from_set("report_ids", ids.clone());

    assert_eq!(added.expression(), "ADD #report_ids :report_ids");
    assert_eq!(deleted.expression(), "REMOVE #line_manager_id DELETE #report_ids :report_ids");
    assert_eq!(deleted.values[":report_ids"], ids);
}

#[test]
fn clauses_come_in_one_order_whatever_order_they_were_stated_in() {
    let mut expr = UpdateExpr::new();
    expr.delete_from_set("d", AttributeValue::Ss(vec!["x".into()]))
        .remove("r")
        .add_to_set("a", AttributeValue::Ss(vec!["y".into()]))
        .set("s", s("v"));

    assert_eq!(expr.expression(), "SET #s = :s REMOVE #r ADD #a :a DELETE #d :d");
}

#[test]
fn the_sweep_index_is_written_or_taken_out_whole() {
    let mut into = UpdateExpr::new();
    into.sweep_index(Some(("SWEEP".into(), "2024-06-01#c1".into())));
    let mut out = UpdateExpr::new();
    out.sweep_index(None);

    assert_eq!(into.expression(), "SET #GSI1PK = :GSI1PK, #GSI1SK = :GSI1SK");
    assert_eq!(into.values[":GSI1SK"], s("2024-06-01#c1"));
    assert_eq!(out.expression(), "REMOVE #GSI1PK, #GSI1SK");
    assert!(out.values.is_empty());
}

#[test]
fn editable_attributes_are_written_when_present_and_removed_when_absent() {
    let audit = Audit {
        version: 4,
        created_at: "c".into(),
        updated_at: "u".into(),
        created_by: "cb".into(),
        updated_by: "ub".into(),
    };
    let attrs = Item::from([("name".to_owned(), s("Acme"))]);

    let expr = UpdateExpr::editable(attrs, &["name", "website"], &audit);

    assert_eq!(
        expr.expression(),
        "SET #e0 = :e0, #version = :version, #updated_at = :updated_at, #updated_by = :updated_by REMOVE #e1"
    );
    assert_eq!(expr.names["#e0"], "name");
    assert_eq!(expr.names["#e1"], "website");
    assert_eq!(expr.values[":e0"], s("Acme"));
    assert_eq!(expr.values[":version"], AttributeValue::N("4".into()));
    assert!(!expr.values.contains_key(":e1"), "a removed attribute takes no value");
}

#[test]
fn applying_keeps_the_values_a_condition_already_gave_the_request() {
    let mut expr = UpdateExpr::new();
    expr.set("is_primary", AttributeValue::Bool(false)).value(":true", AttributeValue::Bool(true));
    let request = UpdateBuilder::default()
        .table_name("t")
        .key("PK", s("k"))
        .condition_expression("is_primary = :true AND version = :expected")
        .expression_attribute_values(":expected", AttributeValue::N("2".into()));

    let update = expr.apply(request).build().expect("complete update");

    let values = update.expression_attribute_values.expect("values");
    assert_eq!(values[":expected"], AttributeValue::N("2".into()));
    assert_eq!(values[":true"], AttributeValue::Bool(true));
    assert_eq!(values[":is_primary"], AttributeValue::Bool(false));
    assert_eq!(values.len(), 3);
}
