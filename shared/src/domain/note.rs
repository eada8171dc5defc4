//! Notes and logged interactions on a contact: what staff write down about it. A note is free
//! text; a call, a meeting or an email sent outside the service also says when it happened
//! (now, unless given) and, if given, how it went; a task is due on a day, assigned, and done
//! or not (`domain::task`). Any staff user of the tenant writes them; only the author changes or
//! deletes one, or an administrator, and a task's assignee changes it (`may_change`,
//! `may_delete`). They sit in the contact's activity history
//! (`Note::activity`), kept until deleted or until the contact is.

use serde::Serialize;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::activity::{activity_time, Activity, ActivityEvent};
use super::dates::format_timestamp;
use super::fields::FieldReader;
use super::ids::NoteId;
use super::task::{Task, TaskPatch};
use super::{ClientId, ContactId, DomainError, FieldError, Patch, Stamp, Text};

/// At most this many characters: even as JSON escapes (12 bytes for a character outside the
/// Basic Multilingual Plane), a note with its outcome fits the 64 KiB a JSON body may hold.
pub const MAX_TEXT_CHARS: usize = 5_000;
pub const MAX_OUTCOME_CHARS: usize = 200;

/// What a note records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Note,
    Call,
    Meeting,
    /// An email sent outside the service (the service's own are in the history already).
    Email,
    /// Something to do by a day (`domain::task`).
    Task,
}

/// What a kind that is not one of them is told.
const KINDS: &str = "must be one of note, call, meeting, email, task";

impl NoteKind {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "note" => Ok(Self::Note),
            "call" => Ok(Self::Call),
            "meeting" => Ok(Self::Meeting),
            "email" => Ok(Self::Email),
            "task" => Ok(Self::Task),
            _ => Err(KINDS.to_owned()),
        }
    }

    /// Whether it happened at a time (`occurred_at`, now unless given): a call, a meeting, an
    /// email.
    fn is_interaction(self) -> bool {
        matches!(self, Self::Call | Self::Meeting | Self::Email)
    }
}

/// A note as stored and answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub id: NoteId,
    pub client_id: ClientId,
    pub contact_id: ContactId,
    pub kind: NoteKind,
    pub text: Text,
    /// When the interaction happened (RFC 3339); a note has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Text>,
    /// A task's due day, assignee and state; none for the other kinds.
    #[serde(flatten)]
    pub task: Option<Task>,
    /// The `sub` of the staff user who wrote it.
    pub author: String,
    pub created_at: String,
    pub updated_at: String,
    pub updated_by: String,
    pub version: u64,
}

/// What a request sets on a note: the whole of a new one (`creating`), or a JSON merge patch.
#[derive(Debug, Default, Clone)]
pub struct NotePatch {
    pub kind: Patch<NoteKind>,
    pub text: Patch<Text>,
    pub occurred_at: Patch<OffsetDateTime>,
    pub outcome: Patch<Text>,
    pub task: TaskPatch,
}

impl NotePatch {
    /// Reads a JSON object; every bad or unknown field is reported at once. `kind` is set when
    /// a note is written, never changed.
    pub fn parse(body: Map<String, Value>, creating: bool) -> Result<Self, DomainError> {
        let mut r = FieldReader::new(body);
        let kind = if creating { r.exact("kind", NoteKind::parse) } else { Patch::Absent };
        let patch = Self {
            kind,
            text: r.multiline_text("text", MAX_TEXT_CHARS),
            occurred_at: r.exact("occurred_at", |s| {
                OffsetDateTime::parse(s.trim(), &Rfc3339)
                    .map_err(|_| "must be an RFC 3339 date-time".to_owned())
            }),
            outcome: r.multiline_text("outcome", MAX_OUTCOME_CHARS),
            task: TaskPatch::read(&mut r),
        };
        let mut errors = r.finish();
        let task_errors = match (creating, &patch.kind) {
            (true, Patch::Set(NoteKind::Task)) => patch.task.on_new_task(),
            (true, _) => patch.task.on_other_kinds(),
            // Whether the note is a task is known once it is read (`Note::patched`).
            (false, _) => patch.task.nulls(),
        };
        for error in task_errors {
            if !errors.iter().any(|e| e.field == error.field) {
                errors.push(error);
            }
        }
        if creating && !matches!(patch.text, Patch::Set(_)) && !errors.iter().any(|e| e.field == "text") {
            errors.push(FieldError::new("text", "is required"));
        }
        let removed = [
            ("text", matches!(patch.text, Patch::Null)),
            ("occurred_at", matches!(patch.occurred_at, Patch::Null)),
        ];
        for (field, _) in removed.iter().filter(|(_, removed)| !creating && *removed) {
            errors.push(FieldError::new(*field, "cannot be removed"));
        }
        // A new note's kind and time are given or left out (a note; now), never null.
        if creating && matches!(patch.kind, Patch::Null) {
            errors.push(FieldError::new("kind", KINDS));
        }
        if creating && matches!(patch.occurred_at, Patch::Null) {
            errors.push(FieldError::new("occurred_at", "must be an RFC 3339 date-time"));
        }
        match errors.is_empty() {
            true => Ok(patch),
            false => Err(DomainError::Validation(errors)),
        }
    }
}

impl Note {
    /// A new note of the contact, written by `stamp.by` at `now`; an interaction without
    /// `occurred_at` happened now.
    pub fn create(
        (client_id, contact_id): (ClientId, ContactId),
        patch: NotePatch,
        now: OffsetDateTime,
        stamp: &Stamp,
    ) -> Result<Self, DomainError> {
        let kind = match patch.kind {
            Patch::Set(kind) => kind,
            Patch::Absent | Patch::Null => NoteKind::Note,
        };
        let Patch::Set(text) = patch.text.clone() else {
            return Err(DomainError::invalid("text", "is required"));
        };
        let task = match kind {
            NoteKind::Task => Some(
                (patch.task.clone().new_task(&stamp.by))
                    .ok_or_else(|| DomainError::invalid("due", "is required for a task"))?,
            ),
            _ => None,
        };
        let note = Self {
            id: NoteId::at(now),
            client_id,
            contact_id,
            kind,
            text,
            occurred_at: kind.is_interaction().then(|| format_timestamp(now)),
            outcome: None,
            task,
            author: stamp.by.clone(),
            created_at: stamp.at.clone(),
            updated_at: stamp.at.clone(),
            updated_by: stamp.by.clone(),
            version: 1,
        };
        let rest =
            NotePatch { kind: Patch::Absent, text: Patch::Absent, task: TaskPatch::default(), ..patch };
        let note = note.patched(rest, stamp)?;
        // Written in one go: its first version.
        Ok(Self { version: 1, ..note })
    }

    /// The note with `patch` applied, as `stamp.by` changed it.
    pub fn patched(&self, patch: NotePatch, stamp: &Stamp) -> Result<Self, DomainError> {
        let mut next = self.clone();
        if let Patch::Set(text) = patch.text {
            next.text = text;
        }
        if let Patch::Set(at) = patch.occurred_at {
            next.occurred_at = Some(format_timestamp(at.to_offset(time::UtcOffset::UTC)));
        }
        next.outcome = patch.outcome.apply(next.outcome);
        match &self.task {
            Some(task) => next.task = Some(patch.task.applied(task)),
            None => {
                let errors = patch.task.on_other_kinds();
                if !errors.is_empty() {
                    return Err(DomainError::Validation(errors));
                }
            }
        }
        if next != *self {
            next.updated_at = stamp.at.clone();
            next.updated_by = stamp.by.clone();
            next.version = self.version + 1;
        }
        Ok(next)
    }

    /// The entity tag of its version, as a contact's or a client's.
    pub fn etag(&self) -> String {
        super::audit::etag_of(self.version)
    }

    /// Whether `caller` may delete it: its author, or an administrator.
    pub fn may_delete(&self, caller: &str, is_admin: bool) -> Result<(), DomainError> {
        match is_admin || self.author == caller {
            true => Ok(()),
            false => Err(DomainError::NotTheAuthor),
        }
    }

    /// Whether `caller` may change it: whoever may delete it, and a task's assignee (who marks
    /// it done, or passes it on).
    pub fn may_change(&self, caller: &str, is_admin: bool) -> Result<(), DomainError> {
        let assignee = self.task.as_ref().is_some_and(|t| t.assignee == caller);
        match assignee {
            true => Ok(()),
            false => self.may_delete(caller, is_admin),
        }
    }

    /// Its entry in the contact's history, at the time it was written.
    pub fn activity(&self) -> Activity {
        Activity {
            client_id: self.client_id.to_string(),
            contact_id: self.contact_id.to_string(),
            at: activity_time(self.id.written_at()),
            actor: Some(self.author.clone()),
            event: ActivityEvent::Note {
                note_id: self.id.to_string(),
                note_kind: self.kind,
                text: self.text.as_str().to_owned(),
                occurred_at: self.occurred_at.clone(),
                note_outcome: self.outcome.as_ref().map(|o| o.as_str().to_owned()),
                due: self.task.as_ref().map(|t| t.due.clone()),
                assignee: self.task.as_ref().map(|t| t.assignee.clone()),
                done: self.task.as_ref().map(|t| t.done),
                created_at: self.created_at.clone(),
                updated_at: self.updated_at.clone(),
                updated_by: self.updated_by.clone(),
                version: self.version,
            },
        }
    }

    /// The note a history entry holds, if it is one.
    pub fn from_activity(activity: Activity) -> Option<Self> {
        let ActivityEvent::Note {
            note_id,
            note_kind,
            text,
            occurred_at,
            note_outcome,
            due,
            assignee,
            done,
            created_at,
            updated_at,
            updated_by,
            version,
        } = activity.event
        else {
            return None;
        };
        let task = match (due, assignee, done) {
            (Some(due), Some(assignee), Some(done)) => Some(Task { due, assignee, done }),
            _ => None,
        };
        Some(Self {
            id: NoteId::parse(&note_id)?,
            client_id: ClientId::parse(&activity.client_id)?,
            contact_id: ContactId::parse(&activity.contact_id)?,
            kind: note_kind,
            text: Text::from_stored(text),
            occurred_at,
            outcome: note_outcome.map(Text::from_stored),
            task,
            author: activity.actor?,
            created_at,
            updated_at,
            updated_by,
            version,
        })
    }
}

#[cfg(test)]
#[path = "note_tests.rs"]
pub(crate) mod tests;
