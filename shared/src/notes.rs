//! Changing and deleting a note (`domain::note`): only its author or an administrator (and
//! a task's assignee, to change it), and
//! against the version the caller read (`If-Match`) or, without one, the version just read,
//! read again when another change landed in between.

use crate::domain::note::{Note, NotePatch};
use crate::domain::{ClientId, ContactId, NoteId, Stamp, TenantId};
use crate::error::ServiceResult;
use crate::store::retry::{retry_planned, Attempt};
use crate::store::{Store, StoreError};

/// A rule of who may do what to a note (`Note::may_change`, `Note::may_delete`).
type Permission = fn(&Note, &str, bool) -> Result<(), crate::domain::DomainError>;

/// Who asks, and which note.
pub struct NoteChange<'a> {
    pub store: &'a Store,
    pub tenant: &'a TenantId,
    pub note: (ClientId, ContactId, NoteId),
    /// The caller's `sub`, and whether it is an administrator.
    pub caller: (&'a str, bool),
    /// The version the caller read (`If-Match`).
    pub if_match: Option<u64>,
}

impl NoteChange<'_> {
    /// The note as stored, if the caller may do `what` to it and read its version.
    async fn checked(&self, what: Permission) -> ServiceResult<Note> {
        let (client, contact, id) = self.note;
        let note = self.store.get_note(self.tenant, (client, contact), id).await?;
        what(&note, self.caller.0, self.caller.1)?;
        if self.if_match.is_some_and(|version| version != note.version) {
            return Err(StoreError::PreconditionFailed.into());
        }
        Ok(note)
    }

    /// What a write that found the note changed since it was read means: 412 against the
    /// caller's version, else read it again.
    fn lost<T>(&self) -> ServiceResult<Attempt<T>> {
        match self.if_match {
            Some(_) => Err(StoreError::PreconditionFailed.into()),
            None => Ok(Attempt::Retry),
        }
    }

    /// Applies `patch`; a patch that changes nothing writes nothing.
    pub async fn update(&self, patch: NotePatch, stamp: &Stamp) -> ServiceResult<Note> {
        let patch = &patch;
        retry_planned(move || async move {
            let note = self.checked(Note::may_change).await?;
            let next = note.patched(patch.clone(), stamp)?;
            if next == note {
                return Ok(Attempt::Done(note));
            }
            match self.store.put_note(self.tenant, &next, note.version).await? {
                true => Ok(Attempt::Done(next)),
                false => self.lost(),
            }
        })
        .await
    }

    pub async fn delete(&self) -> ServiceResult<()> {
        retry_planned(move || async move {
            let note = self.checked(Note::may_delete).await?;
            match self.store.delete_note(self.tenant, &note, note.version).await? {
                true => Ok(Attempt::Done(())),
                false => self.lost(),
            }
        })
        .await
    }
}
