//! Specs of the note rules: what a note and an interaction hold, and who changes them.

use serde_json::{json, Value};
use time::macros::datetime;

use super::*;

pub(crate) fn body(value: Value) -> Map<String, Value> {
    value.as_object().expect("an object").clone()
}

pub(crate) fn fields(err: DomainError) -> Vec<String> {
    match err {
        DomainError::Validation(errors) => {
            let mut fields: Vec<String> = errors.into_iter().map(|e| e.field).collect();
            fields.sort();
            fields
        }
        other => panic!("not a validation error: {other:?}"),
    }
}

pub(crate) fn stamp(by: &str) -> Stamp {
    Stamp { at: "2026-12-07T10:00:00Z".into(), by: by.into() }
}

fn ids() -> (ClientId, ContactId) {
    (ClientId::generate(), ContactId::generate())
}

fn written(value: Value) -> Result<Note, DomainError> {
    let now = datetime!(2026-12-07 10:00:00 UTC);
    Note::create(ids(), NotePatch::parse(body(value), true)?, now, &stamp("author-sub"))
}

#[test]
fn a_note_needs_its_text_and_a_known_kind_and_names_every_bad_field() {
    let err = NotePatch::parse(body(json!({ "kind": "fax", "colour": "red" })), true).unwrap_err();

    assert_eq!(fields(err), ["colour", "kind", "text"]);
}

#[test]
fn a_note_is_a_plain_note_unless_its_kind_says_otherwise_and_is_written_by_its_author() {
    let note = written(json!({ "text": "Asked for the Q4 invoice again." })).unwrap();

    assert_eq!(note.kind, NoteKind::Note);
    assert_eq!((note.author.as_str(), note.version), ("author-sub", 1));
    assert_eq!(note.occurred_at, None, "a note has no time of its own");
}

#[test]
fn a_call_happened_when_written_unless_its_time_is_given() {
    let now = written(json!({ "kind": "call", "text": "Called about renewal." })).unwrap();
    let earlier =
        written(json!({ "kind": "call", "text": "Called.", "occurred_at": "2026-12-06T15:30:00+01:00",
                                 "outcome": "Will renew." }))
        .unwrap();

    assert_eq!(now.occurred_at.as_deref(), Some("2026-12-07T10:00:00Z"));
    assert_eq!(earlier.occurred_at.as_deref(), Some("2026-12-06T14:30:00Z"));
    assert_eq!(earlier.outcome.as_ref().map(Text::as_str), Some("Will renew."));
    assert_eq!(earlier.version, 1, "written in one go, with its time and outcome");
}

#[test]
fn a_plain_note_has_no_time_unless_given() {
    let plain = written(json!({ "text": "Prefers email." })).unwrap();
    let dated =
        written(json!({ "text": "Met at the fair.", "occurred_at": "2026-11-20T09:00:00Z" })).unwrap();

    assert_eq!(plain.occurred_at, None);
    assert_eq!(dated.occurred_at.as_deref(), Some("2026-11-20T09:00:00Z"));
}

#[test]
fn a_change_keeps_the_kind_and_takes_a_new_version_only_when_something_changed() {
    let note = written(json!({ "kind": "meeting", "text": "Kick-off." })).unwrap();
    let same = NotePatch::parse(body(json!({ "text": "Kick-off." })), false).unwrap();
    let kind = NotePatch::parse(body(json!({ "kind": "note" })), false).unwrap_err();

    assert_eq!(note.patched(same, &stamp("other")).unwrap(), note);
    assert_eq!(fields(kind), ["kind"], "kind is set once");
    let outcome = NotePatch::parse(body(json!({ "outcome": "Signed." })), false).unwrap();
    let changed = note.patched(outcome, &stamp("editor-sub")).unwrap();
    assert_eq!((changed.version, changed.updated_by.as_str()), (2, "editor-sub"));
    assert_eq!(changed.author, "author-sub", "the author stays");
}

#[test]
fn a_notes_text_and_time_cannot_be_removed_but_its_outcome_can() {
    let removed = NotePatch::parse(body(json!({ "text": null, "occurred_at": null })), false).unwrap_err();
    let call = written(json!({ "kind": "call", "text": "x", "outcome": "Done." })).unwrap();
    let cleared = NotePatch::parse(body(json!({ "outcome": null })), false).unwrap();

    assert_eq!(fields(removed), ["occurred_at", "text"]);
    assert_eq!(call.patched(cleared, &stamp("a")).unwrap().outcome, None);
}

#[test]
fn only_its_author_or_an_administrator_changes_a_note() {
    let note = written(json!({ "text": "x" })).unwrap();

    assert!(note.may_change("author-sub", false).is_ok());
    assert!(note.may_change("someone-else", true).is_ok());
    assert!(matches!(note.may_change("someone-else", false), Err(DomainError::NotTheAuthor)));
}

#[test]
fn a_note_is_its_history_entry_at_the_millisecond_its_id_was_made() {
    let note = written(json!({ "kind": "email", "text": "Sent the contract from Outlook." })).unwrap();

    let entry = note.activity();

    assert_eq!(entry.at, "2026-12-07T10:00:00.000Z");
    assert_eq!(entry.actor.as_deref(), Some("author-sub"));
    assert_eq!(Note::from_activity(entry), Some(note));
}

#[test]
fn a_blank_or_null_time_is_refused_not_taken_for_now() {
    for occurred_at in [json!(""), json!("  "), Value::Null] {
        let refused =
            NotePatch::parse(body(json!({ "text": "x", "occurred_at": occurred_at })), true).unwrap_err();

        assert_eq!(fields(refused), ["occurred_at"], "{occurred_at}");
    }
}

#[test]
fn a_blank_or_null_kind_is_refused_not_taken_for_a_note() {
    for kind in [json!(""), Value::Null] {
        let refused = NotePatch::parse(body(json!({ "text": "x", "kind": kind })), true).unwrap_err();

        assert_eq!(fields(refused), ["kind"], "{kind}");
    }
}
