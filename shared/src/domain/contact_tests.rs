//! Specs of the contact rules (`contact.rs`).
use super::*;
use crate::domain::phone::PhoneRegion;
use serde_json::{json, Value};

fn parse(body: Value, creating: bool) -> Result<ContactPatch, DomainError> {
    ContactPatch::parse(
        body.as_object().unwrap().clone(),
        PhoneRegion::default(),
        &Default::default(),
        creating,
    )
}

fn field_names(err: DomainError) -> Vec<String> {
    match err {
        DomainError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected validation, got {other:?}"),
    }
}

fn ada() -> ContactFields {
    ContactFields::create(
        parse(json!({ "last_name": "Lovelace", "email": "ada@x.test", "job_title": "CFO" }), true).unwrap(),
    )
    .unwrap()
}

#[test]
fn a_patch_changes_only_what_it_names() {
    let before = ada();
    let after = before
        .patched(parse(json!({ "department": "Finance" }), false).unwrap(), ContactId::generate())
        .unwrap();
    assert_eq!(after.department.unwrap().as_str(), "Finance");
    assert_eq!(after.job_title, before.job_title);
    assert_eq!(after.email, before.email);
}

#[test]
fn null_clears_and_blank_strings_count_as_null() {
    let after =
        ada().patched(parse(json!({ "job_title": null }), false).unwrap(), ContactId::generate()).unwrap();
    assert_eq!(after.job_title, None);
    let after =
        ada().patched(parse(json!({ "job_title": "   " }), false).unwrap(), ContactId::generate()).unwrap();
    assert_eq!(after.job_title, None);
}

#[test]
fn clearing_the_last_name_is_refused() {
    let err = ada()
        .patched(parse(json!({ "last_name": null }), false).unwrap(), ContactId::generate())
        .unwrap_err();
    assert_eq!(field_names(err), vec!["last_name"]);
}

#[test]
fn a_contact_cannot_manage_itself() {
    let id = ContactId::generate();
    let err =
        ada().patched(parse(json!({ "line_manager_id": id.to_string() }), false).unwrap(), id).unwrap_err();
    assert_eq!(field_names(err), vec!["line_manager_id"]);
}

#[test]
fn support_cannot_end_before_it_starts() {
    let patch =
        parse(json!({ "portal": { "support_start": "2026-05-01", "support_end": "2026-04-30" } }), false)
            .unwrap();
    assert_eq!(
        field_names(ada().patched(patch, ContactId::generate()).unwrap_err()),
        vec!["portal.support_end"]
    );
}

#[test]
fn unknown_and_read_only_fields_are_reported_by_path() {
    let err = parse(
        json!({ "last_name": "L", "email": "a@x.test", "version": 3, "portal": { "status": "active" } }),
        true,
    )
    .unwrap_err();
    let mut names = field_names(err);
    names.sort();
    assert_eq!(names, vec!["portal.status", "version"]);
}

#[test]
fn a_portal_status_of_null_or_blank_is_refused_since_only_revoked_can_be_set() {
    for status in [json!(null), json!(""), json!("  ")] {
        let err = parse(json!({ "portal": { "status": status } }), false).unwrap_err();
        assert_eq!(field_names(err), vec!["portal.status"], "{status}");
    }
}

#[test]
fn topics_and_permissions_are_deduplicated_and_ordered() {
    let fields = ContactFields::create(
        parse(json!({ "last_name": "L", "phone": "+12025550143", "notifications": ["ticket", "invoice", "ticket"] }), true).unwrap(),
    )
    .unwrap();
    assert_eq!(fields.notifications, vec![NotificationTopic::Invoice, NotificationTopic::Ticket]);
}
