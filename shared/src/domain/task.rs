//! A task: a note (`domain::note`) of kind `task` that is due on a day, assigned to a staff
//! user (its author unless given), and open until marked done. Its assignee finds it among
//! their open tasks (`GET /tasks`) until then; done, it stays in the contact's history.

use serde::Serialize;
use time::Date;

use super::dates::{format_date, parse_exact_date};
use super::fields::FieldReader;
use super::{FieldError, Patch};

/// The longest assignee (a Cognito `sub` is a 36-character UUID).
pub const MAX_ASSIGNEE_CHARS: usize = 128;

/// What a task holds besides a note's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    /// The day it is due (`YYYY-MM-DD`).
    pub due: String,
    /// The `sub` of the staff user who is to do it.
    pub assignee: String,
    pub done: bool,
}

/// A staff user's `sub`: 1 to `MAX_ASSIGNEE_CHARS` characters, no control character (as a
/// user id, `UserId`) and no `#`, which separates an index key's parts. Whether the user exists
/// is not checked: a task is listed only within its tenant, so naming a user of another tenant
/// shows it to no one.
pub fn parse_assignee(raw: &str) -> Result<String, String> {
    let count = raw.chars().count();
    match (1..=MAX_ASSIGNEE_CHARS).contains(&count) && !raw.chars().any(|c| c.is_control() || c == '#') {
        true => Ok(raw.to_owned()),
        false => Err(format!(
            "must be a staff user's sub (1 to {MAX_ASSIGNEE_CHARS} characters, no # or control characters)"
        )),
    }
}

/// What a request sets on a task.
#[derive(Debug, Default, Clone)]
pub struct TaskPatch {
    pub due: Patch<Date>,
    pub assignee: Patch<String>,
    pub done: Patch<bool>,
}

impl TaskPatch {
    pub(super) fn read(r: &mut FieldReader) -> Self {
        Self {
            due: r.exact("due", parse_exact_date),
            assignee: r.exact("assignee", parse_assignee),
            done: r.boolean("done"),
        }
    }

    /// The fields it names, absent ones left out.
    fn named(&self) -> impl Iterator<Item = &'static str> {
        [
            ("due", self.due.is_absent()),
            ("assignee", self.assignee.is_absent()),
            ("done", self.done.is_absent()),
        ]
        .into_iter()
        .filter(|(_, absent)| !absent)
        .map(|(name, _)| name)
    }

    /// What is wrong with it on a note that is not a task: any of its fields.
    pub(super) fn on_other_kinds(&self) -> Vec<FieldError> {
        self.named().map(|name| FieldError::new(name, "only a task has it")).collect()
    }

    /// What is wrong with it for a new task: no due day, or a field given as null.
    pub(super) fn on_new_task(&self) -> Vec<FieldError> {
        let mut errors = self.nulls();
        if self.due.is_absent() {
            errors.push(FieldError::new("due", "is required for a task"));
        }
        errors
    }

    /// Its fields given as null: a task keeps each of them.
    pub(super) fn nulls(&self) -> Vec<FieldError> {
        let nulls = [
            ("due", matches!(self.due, Patch::Null)),
            ("assignee", matches!(self.assignee, Patch::Null)),
            ("done", matches!(self.done, Patch::Null)),
        ];
        nulls
            .into_iter()
            .filter(|(_, null)| *null)
            .map(|(f, _)| FieldError::new(f, "cannot be removed"))
            .collect()
    }

    /// The task it makes, for `author`; `None` without a due day (`on_new_task` reports it).
    pub(super) fn new_task(self, author: &str) -> Option<Task> {
        let Patch::Set(due) = self.due else {
            return None;
        };
        let assignee = match self.assignee {
            Patch::Set(assignee) => assignee,
            Patch::Absent | Patch::Null => author.to_owned(),
        };
        let done = matches!(self.done, Patch::Set(true));
        Some(Task { due: format_date(due), assignee, done })
    }

    /// `task` with it applied (its nulls refused by `nulls` before).
    pub(super) fn applied(self, task: &Task) -> Task {
        let mut next = task.clone();
        if let Patch::Set(due) = self.due {
            next.due = format_date(due);
        }
        if let Patch::Set(assignee) = self.assignee {
            next.assignee = assignee;
        }
        if let Patch::Set(done) = self.done {
            next.done = done;
        }
        next
    }
}

impl Task {
    /// Where its assignee finds it while it is open: the assignee and the index's sort key
    /// (`{due}#{note id}#{contact id}`, so open tasks come by due day, and the key of the note
    /// follows from it); `None` once done.
    pub fn open(&self, note: &str, contact: &str) -> Option<(&str, String)> {
        (!self.done).then(|| (self.assignee.as_str(), format!("{}#{note}#{contact}", self.due)))
    }
}

#[cfg(test)]
#[path = "task_tests.rs"]
mod tests;
