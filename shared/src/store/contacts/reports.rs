//! A line manager's reports. The manager's item keeps `report_count` and `report_ids` (a
//! string set), changed in the same transaction as each report's link, so deleting a manager
//! finds its reports in the item it reads anyway instead of querying the whole client. A
//! contact manages at most `MAX_REPORTS` others: its deletion unlinks every report (and deletes
//! every project link) in one transaction, and a transaction holds at most 100 items.

use aws_sdk_dynamodb::types::{
    AttributeValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

use super::{built, n, s, unknown_manager};
use crate::domain::{ClientId, ContactId, DomainError, TenantId};
use crate::store::error::{StoreError, StoreResult};
use crate::store::tx::Reason;
use crate::store::update_expr::UpdateExpr;
use crate::store::{keys, Store};

/// Items of a contact's deletion besides its reports: the contact, its deletion record
/// (`store::deletions`), the client, the email claim, its own manager, the idempotency record
/// it was created by, and its index items (`store::index`).
pub(super) const DELETE_FIXED_ITEMS: u64 = 6 + crate::store::index::MAX_INDEX_ITEMS as u64;
/// The most reports a contact may have: what its deletion's transaction has left once its
/// other items and the most project links it may have (`domain::project`) are counted.
pub const MAX_REPORTS: u64 = 100 - DELETE_FIXED_ITEMS - crate::domain::project::MAX_PROJECTS;

pub(super) fn too_many_reports() -> DomainError {
    DomainError::TooManyReports(MAX_REPORTS)
}

/// The one-id set that `ADD` or `DELETE` puts into or takes out of `report_ids`.
pub(super) fn report_id(report: ContactId) -> AttributeValue {
    AttributeValue::Ss(vec![report.to_string()])
}

/// Why linking a report to a manager failed, from the manager's old image: none means there is
/// no such manager, an image means it had no room left.
pub(super) fn link_refused(reason: &Reason) -> DomainError {
    match reason.old {
        Some(_) => too_many_reports(),
        None => unknown_manager(),
    }
}

/// Whether a demotion of the primary that also links a report to it failed only for want of
/// room: its old image shows it still primary.
pub(super) fn demotion_full(reason: &Reason, links_report: bool) -> bool {
    links_report && reason.old.as_ref().and_then(|o| o.get("is_primary")) == Some(&AttributeValue::Bool(true))
}

impl Store {
    /// Links (`delta` = 1) or unlinks (`delta` = -1) `report` in `manager`'s count and ids. A
    /// link also needs room for one more report; on failure the old image tells why.
    pub(super) fn report_link(
        &self,
        tenant: &TenantId,
        client: ClientId,
        manager: ContactId,
        report: ContactId,
        delta: i64,
    ) -> StoreResult<TransactWriteItem> {
        let mut link = UpdateExpr::new();
        link.count("report_count", delta);
        let room = if delta > 0 {
            link.add_to_set("report_ids", report_id(report)).value(":max", n(MAX_REPORTS));
            ROOM
        } else {
            link.delete_from_set("report_ids", report_id(report));
            ""
        };
        let update = link
            .apply(Update::builder())
            .table_name(&self.table)
            .set_key(Some(Self::contact_key(tenant, client, manager)))
            .condition_expression(format!("attribute_exists(PK){room}"))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        Ok(TransactWriteItem::builder().update(built(update.build())?).build())
    }

    /// The contacts whose line manager is `manager`, whose item says it has `count` reports
    /// with `ids`. Ids that do not account for the count (an item written before ids were
    /// kept) are made up for by a query of the client, which stops once all are found.
    pub(super) async fn reports_of(
        &self,
        tenant: &TenantId,
        client: ClientId,
        manager: ContactId,
        count: u64,
        ids: &[String],
    ) -> StoreResult<Vec<ContactId>> {
        if ids.len() as u64 == count {
            let corrupt = || StoreError::internal("stored item has an invalid report id");
            return ids.iter().map(|id| ContactId::parse(id).ok_or_else(corrupt)).collect();
        }
        let mut reports = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .db
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .filter_expression("line_manager_id = :manager")
                .projection_expression("id")
                .expression_attribute_values(":pk", s(keys::contacts_pk(tenant, client)))
                .expression_attribute_values(":prefix", s(keys::CONTACT_SK_PREFIX))
                .expression_attribute_values(":manager", s(manager.to_string()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::failed("Query", e.into_service_error()))?;
            let found = out.items().iter().filter_map(|item| item.get("id")?.as_s().ok());
            reports.extend(found.filter_map(|id| ContactId::parse(id)));
            start = out.last_evaluated_key;
            if start.is_none() || reports.len() as u64 >= count {
                return Ok(reports);
            }
        }
    }
}

/// The condition a link adds: room for one more report (`:max`).
pub(super) const ROOM: &str = " AND (attribute_not_exists(report_count) OR report_count < :max)";
