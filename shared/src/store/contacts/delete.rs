//! Deleting a contact with everything that points at it, in one transaction.

use aws_sdk_dynamodb::types::{Delete, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};

use super::primary::{client_contacts_of_item, PrimaryWrite};
use super::projects::project_ids;
use super::reports::{report_id, too_many_reports, MAX_REPORTS};
use super::{built, n, s, Outcome, Plan, Role};
use crate::domain::primary::{self, OnDelete, Refused};
use crate::domain::{ClientId, Contact, ContactId, DomainError, ProjectId, Stamp, TenantId};
use crate::store::error::{StoreError, StoreResult};
use crate::store::idempotency::CreatedBy;
use crate::store::items::ContactRecord;
use crate::store::retry::{retry_planned, Attempt};
use crate::store::tx::{Item, Reason};
use crate::store::update_expr::UpdateExpr;
use crate::store::Store;

/// The stamp's time in epoch seconds (now, when it was made).
pub(super) fn stamp_epoch(stamp: &Stamp) -> i64 {
    time::OffsetDateTime::parse(&stamp.at, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .unwrap_or(i64::MAX)
}

/// Whether the item a cancellation reason shows is still at `version` (gone is not).
pub(super) fn at_version(reason: &Reason, version: u64) -> bool {
    let stored = reason.old.as_ref().and_then(|item| item.get("version")?.as_n().ok()?.parse::<u64>().ok());
    stored == Some(version)
}

/// What the client's refusal of a primary leaving as its last contact means: it has others
/// now (409 `primary-required`), or it changed otherwise (plan again).
pub(super) fn primary_refused<T>(reason: Reason) -> StoreResult<Attempt<T>> {
    let client_now = reason.old.map(client_contacts_of_item).transpose()?;
    match primary::on_refused_delete(client_now) {
        Refused::PrimaryRequired => Err(DomainError::PrimaryRequired.into()),
        Refused::PlanAgain => Ok(Attempt::Retry),
    }
}

/// A contact about to leave its client (deleted, moved or archived), as read: its item as
/// stored, the contact, its project links, the idempotency record it was created by, and the
/// contacts it manages.
pub(super) struct Leaving {
    pub item: Item,
    pub current: Contact,
    pub projects: Vec<ProjectId>,
    pub created_by: Option<CreatedBy>,
    pub reports: Vec<ContactId>,
    /// The support end the sweep last reminded it of (for the sweep's keys of a merge's
    /// survivor).
    pub reminded_for: Option<time::Date>,
}

impl Store {
    /// Reads contact `id` of `client` to leave it: not found, a stale `If-Match` and a manager of
    /// more contacts than one transaction unlinks are refused here.
    pub(super) async fn leaving(
        &self,
        tenant: &TenantId,
        (client, id): (ClientId, ContactId),
        if_match: Option<u64>,
    ) -> StoreResult<Leaving> {
        let item =
            self.get(Self::contact_key(tenant, client, id)).await?.ok_or(DomainError::NotFound("contact"))?;
        let record = ContactRecord::from_item(item.clone())?;
        let (report_count, report_ids) = (record.report_count, record.report_ids.clone());
        let (projects, created_by, reminded_for) =
            (project_ids(&record)?, record.created_by(), record.reminded_for());
        let current = record.into_contact()?;
        if if_match.is_some_and(|v| v != current.audit.version) {
            return Err(StoreError::PreconditionFailed);
        }
        // Only an item from before the limit can have more; known without any query.
        if report_count > MAX_REPORTS {
            return Err(too_many_reports().into());
        }
        let reports = self.reports_of(tenant, client, id, report_count, &report_ids).await?;
        Ok(Leaving { item, current, projects, created_by, reports, reminded_for })
    }

    /// Deletes a contact, releasing its email claim, updates the client's count, clears the
    /// line-manager link of its reports, deletes its project links and erases the idempotency record it was created by
    /// (which holds its data), all in one transaction. Returns the contact as it was.
    /// (A record within a minute of expiry, which a new request may replace meanwhile, is
    /// erased after the transaction, only if it is still the contact's.)
    pub async fn delete_contact(
        &self,
        tenant: &TenantId,
        client: ClientId,
        id: ContactId,
        if_match: Option<u64>,
        stamp: &Stamp,
    ) -> StoreResult<Contact> {
        retry_planned(move || async move {
            let Leaving { current, projects, created_by, reports, .. } =
                self.leaving(tenant, (client, id), if_match).await?;
            let decision = primary::on_delete(current.is_primary);
            let now = stamp_epoch(stamp);
            let live_record = created_by.as_ref().filter(|r| r.live_at(now));
            let mut plan = self.delete_plan(tenant, &current, decision, &reports, stamp)?;
            // Counted by the contact's condition: a link made meanwhile fails the transaction.
            for delete in self.link_deletes(tenant, &current, &projects)? {
                plan.push(Role::ProjectLink, delete);
            }
            if let Some(record) = live_record {
                plan.push(Role::Idempotency, self.idempotency_erase(record)?);
            }

            const PRECEDENCE: [Role; 5] =
                [Role::Contact, Role::Client, Role::Report, Role::OldEmailClaim, Role::OldManager];
            let outcome = self.run_plan(plan, &PRECEDENCE).await?;
            let expired_record = created_by.filter(|r| !r.live_at(now));
            self.delete_outcome(outcome, current, if_match, decision, expired_record).await
        })
        .await
    }

    /// What the delete's transaction ending in `outcome` means: the contact deleted (then its
    /// `expired_record` erased, if any), a stale `If-Match`, a refused primary, or another try.
    async fn delete_outcome(
        &self,
        outcome: Outcome,
        current: Contact,
        if_match: Option<u64>,
        decision: OnDelete,
        expired_record: Option<CreatedBy>,
    ) -> StoreResult<Attempt<Contact>> {
        match outcome {
            Outcome::Committed => {
                if let Some(record) = expired_record {
                    self.erase_expired_idempotency(&record).await?;
                }
                Ok(Attempt::Done(current))
            }
            // Its reports or links changed, which moves no version: only another version
            // makes the caller's `If-Match` stale.
            Outcome::Failed(Role::Contact, r) if if_match.is_some_and(|v| !at_version(&r, v)) => {
                Err(StoreError::PreconditionFailed)
            }
            Outcome::Failed(Role::Client, r) if decision == OnDelete::OnlyAsLast => primary_refused(r),
            Outcome::Retry | Outcome::Failed(..) => Ok(Attempt::Retry),
        }
    }

    /// The delete's transaction: the contact (unchanged since read, its reports as counted),
    /// its deletion record, the client's side as the primary decision has it, its email claim,
    /// its index items, its manager's link, and the link of each of its `reports`.
    fn delete_plan(
        &self,
        tenant: &TenantId,
        current: &Contact,
        decision: OnDelete,
        reports: &[ContactId],
        stamp: &Stamp,
    ) -> StoreResult<Plan> {
        let (client, id) = (current.client_id, current.id);
        let mut plan = Plan::new();
        let delete = built(
            Delete::builder()
                .table_name(&self.table)
                .set_key(Some(Self::contact_key(tenant, client, id)))
                .condition_expression(
                    "version = :expected AND (attribute_not_exists(report_count) OR report_count = :reports) \
                     AND (attribute_not_exists(project_count) OR project_count = :projects)",
                )
                .expression_attribute_values(":expected", n(current.audit.version))
                .expression_attribute_values(":reports", n(reports.len() as u64))
                .expression_attribute_values(":projects", n(current.project_count))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build(),
        )?;
        plan.push(Role::Contact, TransactWriteItem::builder().delete(delete).build());
        // Who deleted it, for `contact.deleted` (the removal's image names its last editor).
        plan.push(Role::Deletion, self.deletion_put(tenant, client, Some(id), stamp)?);
        let client_side = PrimaryWrite::on_leave(decision, id);
        plan.push(Role::Client, self.client_contacts_update(tenant, client, -1, client_side, stamp)?);
        if let Some(email) = &current.fields.email {
            plan.push(Role::OldEmailClaim, self.release_email(tenant, email, id)?);
        }
        plan.push_index(self.index_writes(tenant, Some(current), None)?);
        self.push_unlinks(&mut plan, tenant, current, reports, stamp)?;
        Ok(plan)
    }

    /// The links a contact leaving its client cuts: its own manager's count of it, and the
    /// line-manager link of each of its `reports` (a deletion, a move).
    pub(super) fn push_unlinks(
        &self,
        plan: &mut Plan,
        tenant: &TenantId,
        current: &Contact,
        reports: &[ContactId],
        stamp: &Stamp,
    ) -> StoreResult<()> {
        let (client, id) = (current.client_id, current.id);
        // A transaction takes one operation per item: when this contact's own manager is
        // also one of its reports, clearing that report's link also lowers its count.
        let manager = current.fields.line_manager_id;
        if let Some(manager) = manager.filter(|m| !reports.contains(m)) {
            plan.push(Role::OldManager, self.report_link(tenant, client, manager, id, -1)?);
        }
        for report in reports {
            let mut clear = UpdateExpr::new();
            clear.remove("line_manager_id").stamp(stamp).value(":manager", s(id.to_string()));
            if manager == Some(*report) {
                clear.increment("report_count", -1).delete_from_set("report_ids", report_id(id));
            }
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(Self::contact_key(tenant, client, *report)))
                .condition_expression("line_manager_id = :manager");
            plan.push(
                Role::Report,
                TransactWriteItem::builder().update(built(clear.apply(update).build())?).build(),
            );
        }
        Ok(())
    }
}
