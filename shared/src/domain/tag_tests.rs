//! Specs of the tag rules: what a tag holds, and which names are the same tag.

use serde_json::json;

use super::*;
use crate::domain::note::tests::{body, fields, stamp};

fn created(value: serde_json::Value) -> Result<Tag, DomainError> {
    Tag::create(TagId::generate(), TagPatch::parse(body(value), true)?, &stamp("author-sub"))
}

#[test]
fn a_tag_needs_a_name_and_takes_a_colour_as_rrggbb_in_lower_case() {
    let tag = created(json!({ "name": " VIP ", "colour": "#FFAA00" })).unwrap();
    let refused = TagPatch::parse(body(json!({ "colour": "orange", "size": 3 })), true).unwrap_err();

    assert_eq!((tag.name.as_str(), tag.colour.as_deref()), ("VIP", Some("#ffaa00")));
    assert_eq!(fields(refused), ["colour", "name", "size"]);
}

#[test]
fn names_that_differ_only_in_case_or_blanks_are_the_same_tag() {
    assert_eq!(name_key("Key  Account"), name_key(" key account"));
    assert_ne!(name_key("Key Account"), name_key("Key Accounts"));
}

#[test]
fn a_rename_takes_a_new_version_and_a_patch_that_changes_nothing_keeps_it() {
    let tag = created(json!({ "name": "VIP" })).unwrap();

    let same = tag.patched(TagPatch::parse(body(json!({ "name": "VIP" })), false).unwrap(), &stamp("b"));
    let renamed = tag.patched(
        TagPatch::parse(body(json!({ "name": "Key account", "colour": null })), false).unwrap(),
        &stamp("b"),
    );

    assert_eq!(same, tag);
    assert_eq!((renamed.name.as_str(), renamed.audit.version), ("Key account", 2));
}

#[test]
fn a_tags_name_cannot_be_removed_but_its_colour_can() {
    let removed = TagPatch::parse(body(json!({ "name": null })), false).unwrap_err();
    let tag = created(json!({ "name": "VIP", "colour": "#000000" })).unwrap();

    let cleared = tag.patched(TagPatch::parse(body(json!({ "colour": null })), false).unwrap(), &stamp("b"));

    assert_eq!(fields(removed), ["name"]);
    assert_eq!(cleared.colour, None);
}
