//! Deleting a contact with everything that points at it, in one transaction.

use aws_sdk_dynamodb::types::{Delete, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};

use super::reports::{report_id, too_many_reports, MAX_REPORTS};
use super::{built, n, s, ClientState, Outcome, Plan, Role};
use crate::domain::{ClientId, ContactId, DomainError, DomainResult, Stamp, TenantId};
use crate::store::items::ContactRecord;
use crate::store::stamp::{Stamped, STAMP};
use crate::store::tx::{retry_planned, Attempt};
use crate::store::Store;

impl Store {
    /// Deletes a contact, releasing its email claim, updates the client's count, and clears the
    /// line-manager link of its reports, all in one transaction.
    pub async fn delete_contact(
        &self,
        tenant: &TenantId,
        client: ClientId,
        id: ContactId,
        if_match: Option<u64>,
        stamp: &Stamp,
    ) -> DomainResult<()> {
        retry_planned(move || async move {
            let record = self
                .get(Self::contact_key(tenant, client, id))
                .await?
                .ok_or(DomainError::NotFound("contact"))?;
            let record = ContactRecord::from_item(record)?;
            let (report_count, report_ids) = (record.report_count, record.report_ids.clone());
            let current = record.into_contact()?;
            if if_match.is_some_and(|v| v != current.audit.version) {
                return Err(DomainError::PreconditionFailed);
            }
            // Only an item from before the limit can have more; known without any query.
            if report_count > MAX_REPORTS {
                return Err(too_many_reports());
            }
            let reports = self.reports_of(tenant, client, id, report_count, &report_ids).await?;

            let mut plan = Plan::new();
            let delete = built(
                Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(Self::contact_key(tenant, client, id)))
                    .condition_expression("version = :expected AND (attribute_not_exists(report_count) OR report_count = :reports)")
                    .expression_attribute_values(":expected", n(current.audit.version))
                    .expression_attribute_values(":reports", n(reports.len() as u64))
                    .build(),
            )?;
            plan.push(Role::Contact, TransactWriteItem::builder().delete(delete).build());

            let mut client_update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(Self::client_key(tenant, client)))
                .expression_attribute_values(":one", n(1))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
            client_update = if current.is_primary {
                // The primary may only go when it is the last contact.
                client_update
                    .update_expression(format!("SET contact_count = contact_count - :one, {STAMP} REMOVE primary_contact_id"))
                    .condition_expression("contact_count = :one AND primary_contact_id = :id")
                    .expression_attribute_values(":id", s(id.to_string()))
            } else {
                client_update
                    .update_expression(format!("SET contact_count = contact_count - :one, {STAMP}"))
                    .condition_expression("attribute_exists(PK)")
            };
            let client_update = built(client_update.stamped(stamp).build())?;
            plan.push(Role::Client, TransactWriteItem::builder().update(client_update).build());
            if let Some(email) = &current.fields.email {
                plan.push(Role::OldEmailClaim, self.release_email(tenant, email, id)?);
            }
            // A transaction takes one operation per item: when this contact's own manager is
            // also one of its reports, clearing that report's link also lowers its count.
            let manager = current.fields.line_manager_id;
            if let Some(manager) = manager.filter(|m| !reports.contains(m)) {
                plan.push(Role::OldManager, self.report_link(tenant, client, manager, id, -1)?);
            }
            plan.push(Role::Credential, self.credential_delete(tenant, id)?);
            for report in &reports {
                let mut clear = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(Self::contact_key(tenant, client, *report)))
                    .condition_expression("line_manager_id = :manager")
                    .expression_attribute_values(":manager", s(id.to_string()))
                    .expression_attribute_values(":one", n(1));
                let mut expression = format!("REMOVE line_manager_id SET {STAMP}");
                if manager == Some(*report) {
                    expression.push_str(", report_count = report_count - :one DELETE report_ids :gone");
                    clear = clear.expression_attribute_values(":gone", report_id(id));
                }
                let clear = built(clear.update_expression(expression).stamped(stamp).build())?;
                plan.push(Role::Report, TransactWriteItem::builder().update(clear).build());
            }

            const PRECEDENCE: [Role; 5] =
                [Role::Contact, Role::Client, Role::Report, Role::OldEmailClaim, Role::OldManager];
            match self.run_plan(plan, &PRECEDENCE).await? {
                Outcome::Committed => Ok(Attempt::Done(())),
                Outcome::Failed(Role::Contact, _) if if_match.is_some() => Err(DomainError::PreconditionFailed),
                Outcome::Failed(Role::Client, r) if current.is_primary => {
                    let others_remain = match r.old {
                        Some(item) => ClientState::from_item(item)?.count > 1,
                        None => false,
                    };
                    if others_remain {
                        return Err(DomainError::PrimaryRequired);
                    }
                    Ok(Attempt::Retry)
                }
                Outcome::Retry | Outcome::Failed(..) => Ok(Attempt::Retry),
            }
        })
        .await
    }
}
