//! Specs of the task rules: a note of kind `task` is due on a day, assigned, and open until
//! done; no other kind holds those fields.

use serde_json::{json, Value};
use time::macros::datetime;

use super::*;
use crate::domain::note::tests::{body, fields, stamp};
use crate::domain::note::{Note, NoteKind, NotePatch};
use crate::domain::{ClientId, ContactId, DomainError};

fn written(value: Value) -> Result<Note, DomainError> {
    let now = datetime!(2026-12-07 10:00:00 UTC);
    let ids = (ClientId::generate(), ContactId::generate());
    Note::create(ids, NotePatch::parse(body(value), true)?, now, &stamp("author-sub"))
}

fn patched(note: &Note, value: Value) -> Result<Note, DomainError> {
    note.patched(NotePatch::parse(body(value), false)?, &stamp("editor-sub"))
}

#[test]
fn a_task_is_open_and_assigned_to_its_author_unless_someone_else_is_named() {
    let mine = written(json!({ "kind": "task", "text": "Send the quote.", "due": "2026-12-10" })).unwrap();
    let theirs =
        written(json!({ "kind": "task", "text": "Call back.", "due": "2026-12-11", "assignee": "user-2" }))
            .unwrap();

    assert_eq!(mine.kind, NoteKind::Task);
    let task = mine.task.expect("a task");
    assert_eq!((task.due.as_str(), task.assignee.as_str(), task.done), ("2026-12-10", "author-sub", false));
    assert_eq!(theirs.task.map(|t| t.assignee), Some("user-2".to_owned()));
    assert_eq!(mine.occurred_at, None, "a task has not happened yet");
}

#[test]
fn a_task_needs_its_due_day() {
    let missing = written(json!({ "kind": "task", "text": "Someday." })).unwrap_err();
    let bad = written(json!({ "kind": "task", "text": "x", "due": "10/12/2026" })).unwrap_err();
    let padded = written(json!({ "kind": "task", "text": "x", "due": " 2026-12-10" })).unwrap_err();

    assert_eq!(fields(missing), ["due"]);
    assert_eq!(fields(bad), ["due"], "one error for the field, not two");
    assert_eq!(fields(padded), ["due"], "a day exactly as YYYY-MM-DD");
}

#[test]
fn only_a_task_has_a_due_day_an_assignee_or_done() {
    let new_call =
        written(json!({ "kind": "call", "text": "x", "due": "2026-12-10", "done": true })).unwrap_err();
    let note = written(json!({ "text": "x" })).unwrap();

    assert_eq!(fields(new_call), ["done", "due"]);
    assert_eq!(fields(patched(&note, json!({ "assignee": "user-2" })).unwrap_err()), ["assignee"]);
}

#[test]
fn an_assignee_that_could_not_be_a_staff_users_sub_is_refused() {
    for assignee in ["", "a#b", "bell\u{7}", &"x".repeat(MAX_ASSIGNEE_CHARS + 1)] {
        let refused =
            written(json!({ "kind": "task", "text": "x", "due": "2026-12-10", "assignee": assignee }))
                .unwrap_err();

        assert_eq!(fields(refused), ["assignee"], "{assignee:?}");
    }
}

#[test]
fn a_tasks_due_day_assignee_and_state_cannot_be_removed() {
    let task = written(json!({ "kind": "task", "text": "x", "due": "2026-12-10" })).unwrap();

    let removed = NotePatch::parse(body(json!({ "due": null, "assignee": null, "done": null })), false);

    assert_eq!(fields(removed.unwrap_err()), ["assignee", "done", "due"]);
    assert!(task.task.is_some());
}

#[test]
fn a_task_marked_done_leaves_its_assignees_open_tasks_and_comes_back_when_reopened() {
    let task =
        written(json!({ "kind": "task", "text": "x", "due": "2026-12-10", "assignee": "user-2" })).unwrap();
    let (note, contact) = (task.id.to_string(), task.contact_id.to_string());

    let done = patched(&task, json!({ "done": true })).unwrap();
    let reopened = patched(&done, json!({ "done": false, "due": "2026-12-12" })).unwrap();

    let open =
        |n: &Note| n.task.as_ref().and_then(|t| t.open(&note, &contact).map(|(a, k)| (a.to_owned(), k)));
    assert_eq!(open(&task), Some(("user-2".to_owned(), format!("2026-12-10#{note}#{contact}"))));
    assert_eq!(open(&done), None);
    assert_eq!(open(&reopened), Some(("user-2".to_owned(), format!("2026-12-12#{note}#{contact}"))));
    assert_eq!((done.version, reopened.version), (2, 3));
}

#[test]
fn a_tasks_assignee_changes_it_but_only_its_author_or_an_administrator_deletes_it() {
    let task =
        written(json!({ "kind": "task", "text": "x", "due": "2026-12-10", "assignee": "user-2" })).unwrap();
    let note = written(json!({ "text": "x" })).unwrap();

    assert!(task.may_change("user-2", false).is_ok());
    assert!(matches!(task.may_delete("user-2", false), Err(DomainError::NotTheAuthor)));
    assert!(task.may_delete("author-sub", false).is_ok());
    assert!(matches!(note.may_change("user-2", false), Err(DomainError::NotTheAuthor)));
}

#[test]
fn a_task_is_its_history_entry_with_its_due_day_assignee_and_state() {
    let task = written(json!({ "kind": "task", "text": "x", "due": "2026-12-10", "done": true })).unwrap();

    let entry = task.activity();

    assert_eq!(Note::from_activity(entry), Some(task));
}
