//! Archiving a contact (`domain::archive`), restoring it (`restore`), and erasing it once
//! archived (`purge`), each in one transaction. An archive removes the contact's item for an archived item beside it,
//! `SK = ARCHIVED#CONTACT#{id}`, which no list, index, search or write of `CONTACT#` items
//! finds: the contact leaves every list and is refused every change (404) by construction,
//! not by a check each reader would have to make. The archived item is the contact as stored,
//! less its index keys and line-manager links, with when and by whom it was archived and when
//! the sweep erases it (`GSI1`, a `PURGE` key). Its tag member items and project links stay
//! where they are (the lists reading them leave out contacts they do not find), so a restore
//! brings them back as they were; its email claim stays, so nobody takes the address meanwhile.
//! Each of the three writes a record beside the removed item (`store::deletions`), from which
//! `change-events` publishes its event and tells it from a deletion.

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::delete::{at_version, primary_refused, Leaving};
use super::primary::PrimaryWrite;
use super::{built, n, s, Outcome, Plan, Role};
use crate::domain::archive::purge_at;
use crate::domain::moving::portal_after_leaving;
use crate::domain::primary;
use crate::domain::sweep::{sweep_partition, SweepKey};
use crate::domain::{ClientId, Contact, ContactId, Stamp, TenantId};
use crate::store::deletions::{MoveRecord, Relocation};
use crate::store::error::{StoreError, StoreResult};
use crate::store::items::{audit_attrs, contact_of_item};
use crate::store::retry::{retry_planned, Attempt};
use crate::store::tx::Item;
use crate::store::{keys, last_sort_key, Page, Store};

/// The `entity` of an archived contact's item.
pub const ARCHIVED_ENTITY: &str = "archived_contact";

/// What a contact's item loses when archived: its place in the name, browse and sweep indexes
/// (`GSI2SK`, `GSI3PK`, `GSI1*`, which an archived item takes for its erasure), its
/// line-manager links (cut), and its portal access there (a pending invitation, a reminder).
const ARCHIVE_DROPS: &[&str] = &[
    "line_manager_id",
    "report_count",
    "report_ids",
    "invite_hash",
    "reminded_for",
    "GSI1PK",
    "GSI1SK",
    "GSI2SK",
    keys::TENANT_CONTACTS,
];

/// An archived contact, as `GET .../contacts?archived=true` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ArchivedContact {
    #[serde(flatten)]
    pub contact: Contact,
    pub archived_at: String,
    pub archived_by: String,
    /// When the sweep erases it, unless it is restored first.
    pub purge_at: String,
}

/// A contact archived, and the line-manager links the archive cut.
#[derive(Debug, Clone)]
pub struct Archived {
    pub archived: ArchivedContact,
    /// The contact as it was before.
    pub before: Contact,
    pub former_line_manager: Option<ContactId>,
    pub former_reports: Vec<ContactId>,
}

fn text(item: &Item, name: &str) -> StoreResult<String> {
    let value = item.get(name).and_then(|v| v.as_s().ok());
    value.cloned().ok_or_else(|| StoreError::internal(format!("archived item without {name}")))
}

pub(super) fn archived_of(item: Item) -> StoreResult<ArchivedContact> {
    let (archived_at, archived_by, purge_at) =
        (text(&item, "archived_at")?, text(&item, "archived_by")?, text(&item, "purge_at")?);
    Ok(ArchivedContact { contact: contact_of_item(item)?, archived_at, archived_by, purge_at })
}

impl Store {
    pub(super) fn archived_key(tenant: &TenantId, client: ClientId, id: ContactId) -> Item {
        Self::key(keys::contacts_pk(tenant, client), keys::archived_sk(id))
    }

    /// Archives contact `id` of `client`, to be erased `retention_days` after now (see the
    /// module). The primary rule holds as on a deletion: a primary goes only as the last one.
    pub async fn archive_contact(
        &self,
        tenant: &TenantId,
        (client, id): (ClientId, ContactId),
        retention_days: u32,
        if_match: Option<u64>,
        stamp: &Stamp,
    ) -> StoreResult<Archived> {
        retry_planned(move || async move {
            let Leaving { item, current, reports, .. } = self.leaving(tenant, (client, id), if_match).await?;
            let archived = archived_item(tenant, &item, &current, retention_days, stamp);
            let shown = archived_of(archived.clone())?;
            let plan = self.archive_plan(tenant, &item, &current, archived, &reports, stamp)?;
            const PRECEDENCE: [Role; 4] = [Role::Contact, Role::Client, Role::Report, Role::OldManager];
            match self.run_plan(plan, &PRECEDENCE).await? {
                Outcome::Committed => Ok(Attempt::Done(Archived {
                    archived: shown,
                    former_line_manager: current.fields.line_manager_id,
                    former_reports: reports,
                    before: current,
                })),
                // A write that moves no version (a tag, SES's feedback) plans it again.
                Outcome::Failed(Role::Contact, r) if if_match.is_some_and(|v| !at_version(&r, v)) => {
                    Err(StoreError::PreconditionFailed)
                }
                Outcome::Failed(Role::Client, r) if current.is_primary => primary_refused(r),
                Outcome::Retry | Outcome::Failed(..) => Ok(Attempt::Retry),
            }
        })
        .await
    }

    /// The archive's transaction: the item exactly as read removed, the archived item put, the
    /// archive record, the client's counts (and primary, as on a deletion), the index items
    /// gone, and the line-manager links cut.
    fn archive_plan(
        &self,
        tenant: &TenantId,
        item: &Item,
        current: &Contact,
        archived: Item,
        reports: &[ContactId],
        stamp: &Stamp,
    ) -> StoreResult<Plan> {
        let (client, id) = (current.client_id, current.id);
        let mut plan = Plan::new();
        plan.push(Role::Contact, self.unchanged_delete(item)?);
        plan.push(Role::Contact, self.put_new(archived)?);
        let portal = (current.portal.status, portal_after_leaving(current.portal.status));
        let kind = Relocation::Archive;
        let record = MoveRecord {
            kind,
            contact: id,
            version: current.audit.version,
            from: client,
            to: client,
            portal,
            stamp,
        };
        plan.push(Role::Deletion, self.relocation_put(tenant, &record)?);
        let leaving = PrimaryWrite::on_leave(primary::on_delete(current.is_primary), id);
        plan.push(Role::Client, self.client_counts_update(tenant, client, (-1, 1), leaving, stamp)?);
        plan.push_index(self.index_writes(tenant, Some(current), None)?);
        self.push_unlinks(&mut plan, tenant, current, reports, stamp)?;
        Ok(plan)
    }

    /// A page of the client's archived contacts, by id (one `Query` of its partition).
    pub async fn archived_contacts(
        &self,
        tenant: &TenantId,
        client: ClientId,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<ArchivedContact>> {
        let pk = keys::contacts_pk(tenant, client);
        let out =
            self.run_query(self.prefix_page(&pk, keys::ARCHIVED_SK_PREFIX, limit, after.clone())).await?;
        if after.is_none() && out.count() == 0 {
            // None archived: either a client without archived contacts or no such client here.
            self.get_client(tenant, client).await?;
        }
        let items = out.items().iter().cloned().map(archived_of).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page { items, last_sort_key: last_sort_key(out.last_evaluated_key()) })
    }

    /// The removal of an item on the condition that it is still at `contact`'s version.
    pub(super) fn versioned_delete(&self, key: Item, contact: &Contact) -> StoreResult<TransactWriteItem> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression("version = :expected")
            .expression_attribute_values(":expected", n(contact.audit.version))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build();
        Ok(TransactWriteItem::builder().delete(built(delete)?).build())
    }
}

/// The archived item of a contact: as stored, less `ARCHIVE_DROPS`, no longer primary, its
/// portal access ended, a new version, and when (and by whom) it was archived and is erased.
fn archived_item(
    tenant: &TenantId,
    stored: &Item,
    current: &Contact,
    retention_days: u32,
    stamp: &Stamp,
) -> Item {
    let mut item = stored.clone();
    for name in ARCHIVE_DROPS {
        item.remove(*name);
    }
    let audit = current.audit.next(stamp);
    // A stamp is always RFC 3339 (it is made from the clock); were it not, erasure would be due
    // at once rather than never.
    let at = OffsetDateTime::parse(&stamp.at, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let purge = purge_at(at, retention_days);
    let (client, id) = (current.client_id, current.id);
    item.insert(keys::SK.into(), s(keys::archived_sk(id)));
    item.insert("entity".into(), s(ARCHIVED_ENTITY));
    item.insert("is_primary".into(), AttributeValue::Bool(false));
    item.insert("portal_status".into(), s(portal_after_leaving(current.portal.status).as_str()));
    audit_attrs(&mut item, &audit);
    item.insert("archived_at".into(), s(&stamp.at));
    item.insert("archived_by".into(), s(&stamp.by));
    item.insert("purge_at".into(), s(purge.format(&Rfc3339).unwrap_or_default()));
    item.insert("GSI1PK".into(), s(sweep_partition(id)));
    item.insert("GSI1SK".into(), s(SweepKey::purge_key(purge, tenant, client, id)));
    item
}
