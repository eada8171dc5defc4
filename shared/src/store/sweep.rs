//! The sweep's reads and writes: the due range of the sparse index, and the conditional
//! claims that decide which sweep acts on a contact (the one whose write still finds the
//! index key it read).

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValue;

use super::items::ContactRecord;
use super::s;
use super::tx::Item;
use super::update_expr::UpdateExpr;
use super::{keys, Store};
use crate::domain::dates::format_date;
use crate::domain::sweep::{sweep_partition, SweepAction, SweepKey};
use crate::domain::{ClientId, Contact, PortalStatus, Stamp, TenantId};
use crate::store::error::{StoreError, StoreResult};

pub(crate) const SWEEP_INDEX: &str = keys::DUE_INDEX;

/// A contact the sweep found due.
pub(crate) struct DueContact {
    pub tenant: TenantId,
    pub contact: Contact,
    /// The index sort key it was found under: claims are conditioned on it.
    pub sort_key: String,
}

/// An archived contact the sweep found due for erasure (`store::contacts::archive`).
pub(crate) struct DuePurge {
    pub tenant: TenantId,
    pub client: ClientId,
    pub contact: crate::domain::ContactId,
    /// The index sort key it was found under: the erasure is conditioned on it.
    pub sort_key: String,
}

impl DuePurge {
    /// Reads `due#PURGE#tenant#client#contact`.
    fn of(sort_key: &str) -> Option<Self> {
        let mut parts = sort_key.split('#').skip(2);
        let tenant = TenantId::parse(parts.next()?)?;
        let client = ClientId::parse(parts.next()?)?;
        let contact = crate::domain::ContactId::parse(parts.next()?)?;
        Some(Self { tenant, client, contact, sort_key: sort_key.to_owned() })
    }
}

pub(crate) struct DuePage {
    pub items: Vec<DueContact>,
    pub purges: Vec<DuePurge>,
    pub next: Option<Item>,
    /// Items the query read (what it costs; filters would not reduce it).
    pub scanned: u32,
}

/// The tenant of an index sort key `due#ACTION#tenant#client#contact`.
fn tenant_of(sort_key: &str) -> Option<TenantId> {
    TenantId::parse(sort_key.split('#').nth(2)?)
}

impl Store {
    /// One page of the contacts of index partition `partition` whose next action is due before
    /// `bound` (an index timestamp).
    pub(crate) async fn due_contacts(
        &self,
        partition: &str,
        bound: &str,
        start: Option<Item>,
        limit: i32,
    ) -> StoreResult<DuePage> {
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .index_name(SWEEP_INDEX)
            .key_condition_expression("GSI1PK = :pk AND GSI1SK < :bound")
            .expression_attribute_values(":pk", s(partition))
            .expression_attribute_values(":bound", s(bound))
            .set_exclusive_start_key(start)
            .limit(limit)
            .send()
            .await
            .map_err(|e| StoreError::failed(format!("Query {SWEEP_INDEX}"), e.into_service_error()))?;
        let (mut items, mut purges) = (Vec::new(), Vec::new());
        for item in out.items() {
            let sort_key = item.get("GSI1SK").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            if SweepKey::is_purge(&sort_key) {
                purges.push(DuePurge::of(&sort_key).ok_or_else(|| StoreError::internal("bad purge key"))?);
                continue;
            }
            let tenant =
                tenant_of(&sort_key).ok_or_else(|| StoreError::internal("sweep key without tenant"))?;
            let contact = ContactRecord::from_item(item.clone())?.into_contact()?;
            items.push(DueContact { tenant, contact, sort_key });
        }
        Ok(DuePage {
            items,
            purges,
            next: out.last_evaluated_key.clone(),
            scanned: out.scanned_count.max(0) as u32,
        })
    }

    fn due_key(due: &DueContact) -> Item {
        Self::key(keys::contacts_pk(&due.tenant, due.contact.client_id), keys::contact_sk(due.contact.id))
    }

    /// Claims a due action and hides it under `lease_key` while the email goes out. A reminder
    /// records the window it was sent for; a revocation ends portal access and kills pending
    /// invitations. `Ok(None)`: another sweep or a user got there first. `Ok(Some(first))`:
    /// claimed; `first` is false when a revocation only retries its email.
    pub(crate) async fn claim_due(
        &self,
        due: &DueContact,
        action: SweepAction,
        lease_key: &str,
        stamp: &Stamp,
    ) -> StoreResult<Option<bool>> {
        let mut claim = UpdateExpr::new();
        // The partition is written too: a contact found in the unsharded one moves to its shard.
        let partition = sweep_partition(due.contact.id);
        claim
            .set("GSI1PK", s(partition))
            .set("GSI1SK", s(lease_key))
            .stamp(stamp)
            .value(":key", s(&due.sort_key));
        match action {
            // The version moves with the reminder too: an edit planned before it (which would
            // write back the reminder's index key) fails its version condition and plans again.
            SweepAction::Remind => {
                let end =
                    due.contact.fields.support_end.ok_or_else(|| StoreError::internal("no support end"))?;
                claim.set("reminded_for", s(format_date(end)));
            }
            SweepAction::Revoke => {
                claim.set("portal_status", s(PortalStatus::Revoked.as_str())).remove("invite_hash");
            }
        };
        let update = claim
            .apply(self.db.update_item())
            .table_name(&self.table)
            .set_key(Some(Self::due_key(due)))
            .condition_expression("GSI1SK = :key")
            .return_values(ReturnValue::UpdatedOld);
        match update.send().await {
            Ok(out) => {
                let was =
                    out.attributes.as_ref().and_then(|a| a.get("portal_status")).and_then(|v| v.as_s().ok());
                Ok(Some(was.map(String::as_str) != Some(PortalStatus::Revoked.as_str())))
            }
            Err(e) => match e.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(_) => Ok(None),
                other => Err(StoreError::failed("UpdateItem", other)),
            },
        }
    }

    /// Finishes a claimed action once its email is sent: moves the contact to its next index
    /// key (`next`), or out of the index.
    pub(crate) async fn complete_due(
        &self,
        tenant: &TenantId,
        client: ClientId,
        contact: crate::domain::ContactId,
        lease_key: &str,
        next: Option<String>,
    ) -> StoreResult<()> {
        let mut finish = UpdateExpr::new();
        match next {
            Some(key) => finish.set("GSI1SK", s(key)),
            None => finish.sweep_index(None),
        };
        finish.value(":lease", s(lease_key));
        let update = finish
            .apply(self.db.update_item())
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::contacts_pk(tenant, client), keys::contact_sk(contact))))
            .condition_expression("GSI1SK = :lease");
        match update.send().await {
            Ok(_) => Ok(()),
            Err(e) => match e.into_service_error() {
                // Changed by a user meanwhile: their write already set the right index key.
                UpdateItemError::ConditionalCheckFailedException(_) => Ok(()),
                other => Err(StoreError::failed("UpdateItem", other)),
            },
        }
    }
}
