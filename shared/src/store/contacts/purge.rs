//! Erasing an archived contact (`archive`), once its retention is over (the sweep) or at once
//! (`DELETE`): as a deletion erases a contact, in one transaction.

use super::delete::{at_version, stamp_epoch};
use super::primary::PrimaryWrite;
use super::projects::project_ids;
use super::{Outcome, Plan, Role};
use crate::domain::{ClientId, Contact, ContactId, DomainError, Stamp, TenantId};
use crate::store::error::{StoreError, StoreResult};
use crate::store::items::ContactRecord;
use crate::store::retry::{retry_planned, Attempt};
use crate::store::Store;

impl Store {
    /// Erases archived contact `id` of `client` as `delete_contact` erases a current one: its
    /// item, email claim, project links and the idempotency record it was created by, with a
    /// deletion record (from which `change-events` publishes `contact.deleted` and erases its
    /// history and tag memberships). `due`: the sweep's index key it was found under, which
    /// must still be its own (`Ok(None)` when it is not: restored or erased meanwhile).
    pub async fn purge_archived(
        &self,
        tenant: &TenantId,
        (client, id): (ClientId, ContactId),
        due: Option<&str>,
        if_match: Option<u64>,
        stamp: &Stamp,
    ) -> StoreResult<Option<Contact>> {
        retry_planned(move || async move {
            let Some(item) = self.get(Self::archived_key(tenant, client, id)).await? else {
                return match due {
                    Some(_) => Ok(Attempt::Done(None)),
                    None => Err(DomainError::NotFound("contact").into()),
                };
            };
            if due.is_some_and(|key| {
                item.get("GSI1SK").and_then(|v| v.as_s().ok()).map(String::as_str) != Some(key)
            }) {
                return Ok(Attempt::Done(None));
            }
            let record = ContactRecord::from_item(item.clone())?;
            let projects = project_ids(&record)?;
            let created_by = record.created_by();
            let archived = record.into_contact()?;
            if if_match.is_some_and(|v| v != archived.audit.version) {
                return Err(StoreError::PreconditionFailed);
            }
            let now = stamp_epoch(stamp);
            let mut plan = Plan::new();
            plan.push(
                Role::Contact,
                self.versioned_delete(Self::archived_key(tenant, client, id), &archived)?,
            );
            plan.push(Role::Deletion, self.deletion_put(tenant, client, Some(id), stamp)?);
            plan.push(
                Role::Client,
                self.client_counts_update(tenant, client, (0, -1), PrimaryWrite::Stays, stamp)?,
            );
            if let Some(email) = &archived.fields.email {
                plan.push(Role::OldEmailClaim, self.release_email(tenant, email, id)?);
            }
            for delete in self.link_deletes(tenant, &archived, &projects)? {
                plan.push(Role::ProjectLink, delete);
            }
            if let Some(record) = created_by.as_ref().filter(|r| r.live_at(now)) {
                plan.push(Role::Idempotency, self.idempotency_erase(record)?);
            }
            match self.run_plan(plan, &[Role::Contact, Role::Client, Role::OldEmailClaim]).await? {
                Outcome::Committed => {
                    if let Some(record) = created_by.filter(|r| !r.live_at(now)) {
                        self.erase_expired_idempotency(&record).await?;
                    }
                    Ok(Attempt::Done(Some(archived)))
                }
                Outcome::Failed(Role::Contact, r) if if_match.is_some_and(|v| !at_version(&r, v)) => {
                    Err(StoreError::PreconditionFailed)
                }
                Outcome::Retry | Outcome::Failed(..) => Ok(Attempt::Retry),
            }
        })
        .await
    }
}
