use serde_json::json;

use super::*;

fn fields(value: Value) -> Result<CustomFields, Vec<FieldError>> {
    CustomFields::parse(value.as_array().unwrap().clone())
}

fn tenant_fields() -> CustomFields {
    fields(json!([
        { "key": "region", "label": "Sales region", "type": "select", "options": ["North", "South"] },
        { "key": "channels", "label": "Channels", "type": "multi_select", "options": ["mail", "phone", "chat"] },
        { "key": "spend", "label": "Yearly spend", "type": "number" },
        { "key": "renewal", "label": "Renewal", "type": "date", "required": true },
        { "key": "vip", "label": "VIP", "type": "boolean" },
        { "key": "note", "label": "Note", "type": "text" },
    ]))
    .expect("valid definitions")
}

/// The patch a body's `custom` object makes, or the errors it names.
fn read(defs: &CustomFields, body: Value) -> Result<CustomPatch, Vec<FieldError>> {
    let mut r = FieldReader::at("custom".into(), body.as_object().unwrap().clone());
    let patch = defs.read(&mut r);
    let errors = r.finish();
    if errors.is_empty() {
        Ok(patch)
    } else {
        Err(errors)
    }
}

fn named(errors: &[FieldError]) -> Vec<&str> {
    let mut names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    names.sort_unstable();
    names
}

#[test]
fn every_bad_definition_is_named_at_once() {
    let errors = fields(json!([
        { "key": "Region", "label": "R", "type": "select", "options": ["a"] },
        { "key": "a", "type": "text" },
        { "key": "b", "label": "B", "type": "colour" },
        { "key": "c", "label": "C", "type": "text", "options": ["x"] },
        { "key": "d", "label": "D", "type": "select" },
        { "key": "e", "label": "E", "type": "select", "options": ["x", "x|y", "x"] },
        { "key": "f", "label": "F", "type": "text" },
        { "key": "f", "label": "F again", "type": "number" },
        "g",
    ]))
    .unwrap_err();
    assert_eq!(
        named(&errors),
        [
            "custom_fields[0].key",
            "custom_fields[1].label",
            "custom_fields[2].type",
            "custom_fields[3].options",
            "custom_fields[4].options",
            "custom_fields[5].options",
            "custom_fields[5].options[1]",
            "custom_fields[7].key",
            "custom_fields[8]",
        ]
    );
}

#[test]
fn a_tenant_has_at_most_fifty_fields() {
    let many: Vec<Value> = (0..=MAX_CUSTOM_FIELDS)
        .map(|i| json!({ "key": format!("f{i}"), "label": "F", "type": "text" }))
        .collect();
    assert_eq!(named(&CustomFields::parse(many).unwrap_err()), ["custom_fields"]);
}

#[test]
fn each_type_takes_its_own_values_and_stores_them_normalised() {
    let defs = tenant_fields();
    let patch = read(
        &defs,
        json!({
            "region": "North", "channels": ["chat", "mail", "chat"], "spend": 1200.0,
            "renewal": "2027-03-01", "vip": true, "note": "  prefers mornings ",
        }),
    )
    .unwrap();
    let values = CustomValues::default().patched(&patch);
    assert_eq!(
        serde_json::to_value(&values).unwrap(),
        json!({
            "region": "North", "channels": ["mail", "chat"], "spend": 1200,
            "renewal": "2027-03-01", "vip": true, "note": "prefers mornings",
        })
    );
}

#[test]
fn a_value_of_the_wrong_kind_is_named_under_custom() {
    let defs = tenant_fields();
    let errors = read(
        &defs,
        json!({
            "region": "East", "channels": "mail", "spend": "12", "renewal": "1 March",
            "vip": "yes", "note": 3, "colour": "red",
        }),
    )
    .unwrap_err();
    assert_eq!(
        named(&errors),
        [
            "custom.channels",
            "custom.colour",
            "custom.note",
            "custom.region",
            "custom.renewal",
            "custom.spend",
            "custom.vip"
        ]
    );
    let colour = errors.iter().find(|e| e.field == "custom.colour").unwrap();
    assert_eq!(colour.message, "unknown field");
}

#[test]
fn numbers_beyond_exact_doubles_are_refused() {
    let defs = tenant_fields();
    assert!(read(&defs, json!({ "spend": 1e15 })).is_ok());
    assert!(read(&defs, json!({ "spend": -2.5 })).is_ok());
    assert!(read(&defs, json!({ "spend": 1e16 })).is_err());
}

#[test]
fn null_removes_one_value_and_a_blank_or_empty_value_clears_it_too() {
    let defs = tenant_fields();
    let set = CustomValues::default()
        .patched(&read(&defs, json!({ "note": "x", "region": "South", "channels": ["mail"] })).unwrap());
    let cleared =
        set.patched(&read(&defs, json!({ "note": null, "channels": [], "region": "North" })).unwrap());
    assert_eq!(serde_json::to_value(&cleared).unwrap(), json!({ "region": "North" }));
    let none = cleared.patched(&CustomPatch { values: Patch::Null, required: Vec::new() });
    assert!(none.is_empty());
}

#[test]
fn a_required_field_is_needed_by_a_new_contact_and_cannot_be_cleared() {
    let defs = tenant_fields();
    let mut patch = read(&defs, json!({ "note": "x" })).unwrap();
    patch.required = defs.required();
    let result = CustomValues::default().patched(&patch);
    assert_eq!(named(&patch.missing(true, &result)), ["custom.renewal"]);
    assert!(patch.missing(false, &result).is_empty(), "an edit that leaves it alone may go on");

    let mut clearing = read(&defs, json!({ "renewal": null })).unwrap();
    clearing.required = defs.required();
    assert_eq!(named(&clearing.missing(false, &result)), ["custom.renewal"]);
}

#[test]
fn a_removed_or_retyped_definition_hides_its_values() {
    let defs = tenant_fields();
    let values = CustomValues::default()
        .patched(&read(&defs, json!({ "region": "North", "spend": 10, "note": "kept" })).unwrap());
    let next = fields(json!([
        { "key": "region", "label": "Region", "type": "select", "options": ["South"] },
        { "key": "spend", "label": "Spend", "type": "text" },
        { "key": "note", "label": "Note", "type": "text" },
    ]))
    .unwrap();
    assert_eq!(serde_json::to_value(next.visible(&values)).unwrap(), json!({ "note": "kept" }));
    assert_eq!(defs.retyped(&next), ["spend"]);
    assert_eq!(
        serde_json::to_value(defs.visible(&values)).unwrap(),
        json!({ "region": "North", "spend": 10, "note": "kept" })
    );
}
