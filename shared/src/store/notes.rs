//! Notes on a contact (`domain::note`): items of its activity history, `PK =
//! TENANT#t#CONTACT#id#ACTIVITY`, `SK = AT#{time}#NOTE#{note id}`, the time being the note id's
//! (so a note's key follows from its id), without the TTL the system's entries carry. Deleting
//! the contact erases them with the rest of its history (`activity_changes`). An open task's
//! item also carries its assignee's index keys (`store::tasks`), and loses them once done: a
//! note is always written whole.

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem};
use serde_dynamo::{from_item, to_item};

use super::tx::{Item, TxOutcome};
use super::{keys, n, s, Store};
use crate::domain::activity::{activity_time, Activity};
use crate::domain::note::Note;
use crate::domain::{ClientId, ContactId, DomainError, NoteId, TenantId};
use crate::store::error::{StoreError, StoreResult};

/// What a note's sort key ends with, after its time.
fn note_suffix(id: NoteId) -> String {
    format!("NOTE#{id}")
}

pub(super) fn note_key(tenant: &TenantId, contact: ContactId, id: NoteId) -> Item {
    let sk = keys::activity_sk(&activity_time(id.written_at()), &note_suffix(id));
    Store::key(keys::activity_pk(tenant, contact), sk)
}

impl Store {
    /// Writes a new note of a contact that exists under its client (404 otherwise), in one
    /// transaction with that check, so no note outlives a contact deleted meanwhile.
    pub async fn add_note(&self, tenant: &TenantId, note: &Note) -> StoreResult<()> {
        let contact = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(Self::contact_key(tenant, note.client_id, note.contact_id)))
            .condition_expression("attribute_exists(PK)")
            .build()
            .map_err(StoreError::internal)?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(note_item(tenant, note)?))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(StoreError::internal)?;
        let items = vec![
            TransactWriteItem::builder().condition_check(contact).build(),
            TransactWriteItem::builder().put(put).build(),
        ];
        match self.transact(items).await? {
            TxOutcome::Committed => Ok(()),
            TxOutcome::Conflict => Err(StoreError::Contention),
            TxOutcome::Cancelled(reasons) if reasons.first().is_some_and(|r| r.failed_condition()) => {
                Err(DomainError::NotFound("contact").into())
            }
            TxOutcome::Cancelled(reasons) => {
                Err(StoreError::internal(format!("add-note cancelled: {reasons:?}")))
            }
        }
    }

    /// The note `id` of the contact under `client` (404 when there is none).
    pub async fn get_note(
        &self,
        tenant: &TenantId,
        (client, contact): (ClientId, ContactId),
        id: NoteId,
    ) -> StoreResult<Note> {
        let item = self.get(note_key(tenant, contact, id)).await?.ok_or(DomainError::NotFound("note"))?;
        let activity: Activity = from_item(item).map_err(StoreError::internal)?;
        let note =
            Note::from_activity(activity).ok_or_else(|| StoreError::internal("a note item holds no note"))?;
        match note.client_id == client {
            true => Ok(note),
            false => Err(DomainError::NotFound("note").into()),
        }
    }

    /// Replaces the note with `note` if its stored version is still `read`; `Ok(false)` when it
    /// changed (or went) since.
    pub async fn put_note(&self, tenant: &TenantId, note: &Note, read: u64) -> StoreResult<bool> {
        let result = self
            .db
            .put_item()
            .table_name(&self.table)
            .set_item(Some(note_item(tenant, note)?))
            .condition_expression("version = :read")
            .expression_attribute_values(":read", n(read))
            .send()
            .await;
        match result.map_err(|e| e.into_service_error()) {
            Ok(_) => Ok(true),
            Err(PutItemError::ConditionalCheckFailedException(_)) => Ok(false),
            Err(other) => Err(StoreError::failed("PutItem", other)),
        }
    }

    /// Deletes the note if its stored version is still `read`; `Ok(false)` when it changed (or
    /// went) since.
    pub async fn delete_note(&self, tenant: &TenantId, note: &Note, read: u64) -> StoreResult<bool> {
        let result = self
            .db
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(note_key(tenant, note.contact_id, note.id)))
            .condition_expression("version = :read")
            .expression_attribute_values(":read", n(read))
            .send()
            .await;
        match result.map_err(|e| e.into_service_error()) {
            Ok(_) => Ok(true),
            Err(DeleteItemError::ConditionalCheckFailedException(_)) => Ok(false),
            Err(other) => Err(StoreError::failed("DeleteItem", other)),
        }
    }
}

/// The note's item: its history entry, keyed, with `version` at the top for the conditions and
/// no `expires_at` (a note is kept until deleted).
fn note_item(tenant: &TenantId, note: &Note) -> StoreResult<Item> {
    let mut item: Item = to_item(note.activity()).map_err(StoreError::internal)?;
    item.extend(note_key(tenant, note.contact_id, note.id));
    item.insert("entity".into(), s("activity"));
    item.insert("tenant_id".into(), s(tenant.as_str()));
    let open = note.task.as_ref().and_then(|t| t.open(&note.id.to_string(), &note.contact_id.to_string()));
    if let Some((assignee, sort_key)) = open {
        item.insert("GSI1PK".into(), s(keys::tasks_pk(tenant, assignee)));
        item.insert("GSI1SK".into(), s(sort_key));
    }
    Ok(item)
}
