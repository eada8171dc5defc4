//! Deletion records: a short-lived item written in the same transaction as the deletion of a
//! client or contact, naming who deleted it and when. The stream's removal of the deleted
//! item carries only its last state, whose `updated_by` is its last editor, not its deleter:
//! `change-events` publishes `client.deleted` / `contact.deleted` from this record's insertion
//! instead. `PK` = the deleted item's `PK`, `SK = DELETED#{its SK}`; ids, `deleted_by`,
//! `deleted_at` and `expires_at` (TTL), nothing of the deleted item's data.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::s;
use super::tx::Item;
use super::{keys, Store};
use crate::domain::{ClientId, ContactId, PortalStatus, Stamp, TenantId};
use crate::store::error::{StoreError, StoreResult};

/// The `entity` of a deletion record.
pub const DELETION_ENTITY: &str = "deletion";

/// The `entity` of a move record: written in the transaction that moves a contact to another
/// client (`store::contacts::moving`), beside the item the move removed, `SK =
/// MOVED#CONTACT#{id}#{version}` (the removed item's version, so each move has its own).
/// `change-events` publishes `contact.moved` from its insertion, and reads it to tell the
/// removal of a moved contact's old item (whose history and tags go with it) from a deletion.
pub const MOVE_ENTITY: &str = "move";

/// The `entity` of an archive record and of a restore record: the same shape as a move record
/// (`to_client_id` the contact's own client), written in the transaction that archives a
/// contact (removing its item for an archived one, `store::contacts::archive`) or restores it.
/// `change-events` publishes `contact.archived` / `contact.restored` from their insertion, and
/// finds them, as a move record, where a removal is no deletion.
pub const ARCHIVE_ENTITY: &str = "archive";
pub const RESTORE_ENTITY: &str = "restore";

/// The `entity` of a merge record: the same shape, beside the merged contact's removed item,
/// naming the contact it was merged into (`into_contact_id`, `store::contacts::merge`).
/// `change-events` publishes `contact.merged` from its insertion and moves the merged
/// contact's history to the survivor; its removal is no deletion.
pub const MERGE_ENTITY: &str = "merge";

/// Which of the four a record of a contact's item leaving its key is (a merge's names the
/// contact the item went into).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relocation {
    Move,
    Archive,
    Restore,
    Merge { into: ContactId },
}

impl Relocation {
    pub fn entity(self) -> &'static str {
        match self {
            Relocation::Move => MOVE_ENTITY,
            Relocation::Archive => ARCHIVE_ENTITY,
            Relocation::Restore => RESTORE_ENTITY,
            Relocation::Merge { .. } => MERGE_ENTITY,
        }
    }
}

/// What a move record's sort key starts with.
pub const MOVED_SK_PREFIX: &str = "MOVED#";

fn moved_sk(contact: ContactId, version: u64) -> String {
    format!("{MOVED_SK_PREFIX}{}#{version}", keys::contact_sk(contact))
}

/// How long a record is kept: longer than the stream trigger's oldest record age (24 h), so
/// every retry of its insertion still finds it meaningful; TTL removes it after.
pub(crate) const DELETION_KEPT_SECS: i64 = 2 * 86_400;

/// The deletion record of a client (`contact: None`) or of one of its contacts.
pub fn deletion_item(tenant: &TenantId, client: ClientId, contact: Option<ContactId>, stamp: &Stamp) -> Item {
    let (pk, sk) = match contact {
        Some(id) => (keys::contacts_pk(tenant, client), keys::contact_sk(id)),
        None => (keys::tenant_pk(tenant), keys::client_sk(client)),
    };
    // A stamp is always RFC 3339 (it is made from the clock); were it not, the record would
    // still expire, at once.
    let at = OffsetDateTime::parse(&stamp.at, &Rfc3339).map(|t| t.unix_timestamp()).unwrap_or(0);
    let mut item = Item::from([
        (keys::PK.to_owned(), s(pk)),
        (keys::SK.to_owned(), s(keys::deleted_sk(&sk))),
        ("entity".to_owned(), s(DELETION_ENTITY)),
        ("tenant_id".to_owned(), s(tenant.to_string())),
        ("client_id".to_owned(), s(client.to_string())),
        ("deleted_by".to_owned(), s(&stamp.by)),
        ("deleted_at".to_owned(), s(&stamp.at)),
        ("expires_at".to_owned(), AttributeValue::N((at + DELETION_KEPT_SECS).to_string())),
    ]);
    if let Some(id) = contact {
        item.insert("contact_id".to_owned(), s(id.to_string()));
    }
    item
}

/// What a move (archive, restore) record says of one move.
pub struct MoveRecord<'a> {
    pub kind: Relocation,
    pub contact: ContactId,
    /// The version of the item the move removed.
    pub version: u64,
    pub from: ClientId,
    pub to: ClientId,
    /// The contact's portal status before the move, and after it.
    pub portal: (PortalStatus, PortalStatus),
    pub stamp: &'a Stamp,
}

/// The item of a move record.
pub fn move_item(tenant: &TenantId, record: &MoveRecord<'_>) -> Item {
    let MoveRecord { kind, contact, version, from, to, portal, stamp } = *record;
    let at = OffsetDateTime::parse(&stamp.at, &Rfc3339).map(|t| t.unix_timestamp()).unwrap_or(0);
    let mut item = Item::from([
        (keys::PK.to_owned(), s(keys::contacts_pk(tenant, from))),
        (keys::SK.to_owned(), s(moved_sk(contact, version))),
        ("entity".to_owned(), s(kind.entity())),
        ("tenant_id".to_owned(), s(tenant.to_string())),
        ("contact_id".to_owned(), s(contact.to_string())),
        ("client_id".to_owned(), s(from.to_string())),
        ("to_client_id".to_owned(), s(to.to_string())),
        ("moved_by".to_owned(), s(&stamp.by)),
        ("moved_at".to_owned(), s(&stamp.at)),
        ("portal_status_before".to_owned(), s(portal.0.as_str())),
        ("portal_status".to_owned(), s(portal.1.as_str())),
        ("expires_at".to_owned(), AttributeValue::N((at + DELETION_KEPT_SECS).to_string())),
    ]);
    if let Relocation::Merge { into } = kind {
        item.insert("into_contact_id".to_owned(), s(into.to_string()));
    }
    item
}

impl Store {
    /// Whether the contact item removed from `client` at `version` was moved (archived,
    /// restored), not deleted: its record exists (a consistent read; the record is written with
    /// the removal).
    pub async fn was_moved(
        &self,
        tenant: &TenantId,
        (client, contact): (ClientId, ContactId),
        version: u64,
    ) -> StoreResult<bool> {
        let key = Self::key(keys::contacts_pk(tenant, client), moved_sk(contact, version));
        Ok(self.get(key).await?.is_some())
    }

    /// The put of a move (archive, restore) record, for its transaction. Unconditional: its key
    /// holds the version of the item it records the removal of, which is removed once.
    pub(crate) fn relocation_put(
        &self,
        tenant: &TenantId,
        record: &MoveRecord<'_>,
    ) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(move_item(tenant, record)))
            .build()
            .map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The put of a deletion record, for the deletion's transaction. Unconditional: ids are
    /// ULIDs, so no deleted id comes back to be deleted again within the record's life.
    pub(crate) fn deletion_put(
        &self,
        tenant: &TenantId,
        client: ClientId,
        contact: Option<ContactId>,
        stamp: &Stamp,
    ) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(deletion_item(tenant, client, contact, stamp)))
            .build()
            .map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp() -> Stamp {
        Stamp { at: "2026-11-28T10:00:00.123456Z".into(), by: "deleter".into() }
    }

    #[test]
    fn a_contacts_deletion_record_sits_beside_it_names_the_deleter_and_expires_two_days_later() {
        let tenant = TenantId::parse("acme").unwrap();
        let (client, contact) = (ClientId::generate(), ContactId::generate());

        let item = deletion_item(&tenant, client, Some(contact), &stamp());

        assert_eq!(item["PK"], s(format!("TENANT#acme#CLIENT#{client}")));
        assert_eq!(item["SK"], s(format!("DELETED#CONTACT#{contact}")));
        assert_eq!(item["contact_id"], s(contact.to_string()));
        assert_eq!((&item["deleted_by"], &item["deleted_at"]), (&s("deleter"), &s(stamp().at)));
        let at = OffsetDateTime::parse(&stamp().at, &Rfc3339).unwrap().unix_timestamp();
        assert_eq!(item["expires_at"], AttributeValue::N((at + 2 * 86_400).to_string()));
        assert_eq!(item.len(), 9);
    }

    #[test]
    fn a_clients_deletion_record_is_under_its_tenant_and_names_no_contact() {
        let tenant = TenantId::parse("acme").unwrap();
        let client = ClientId::generate();

        let item = deletion_item(&tenant, client, None, &stamp());

        assert_eq!((&item["PK"], &item["SK"]), (&s("TENANT#acme"), &s(format!("DELETED#CLIENT#{client}"))));
        assert!(!item.contains_key("contact_id"));
        assert_eq!(item["entity"], s("deletion"));
    }
}
