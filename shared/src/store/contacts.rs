//! Contact items live under their client: `PK = TENANT#t#CLIENT#c`, `SK = CONTACT#id`, so a
//! client's contacts are one query and a path naming another client (or tenant) finds nothing.
//!
//! Every change is one conditional `TransactWriteItems` (or a single conditional write when only
//! one item changes). Items are planned from what was read; the conditions make the write fail
//! if that changed meanwhile, and the change is then planned again from fresh state.

use aws_sdk_dynamodb::types::TransactWriteItem;

mod add;
mod archive;
mod browse;
mod bulk;
mod conditions;
mod delete;
mod email_status;
mod merge;
mod merge_items;
mod moving;
mod plain;
mod position;
mod primary;
mod projects;
mod purge;
mod read;
mod reports;
mod restore;
mod update;

pub use archive::{Archived, ArchivedContact, ARCHIVED_ENTITY};
pub use browse::{Browse, BrowseOrder, CustomFilter, TenantContact, MAX_BROWSE_CLIENTS};
pub use bulk::{batch_lengths, BATCH_ROWS};
pub use email_status::StatusChange;
pub use merge::MergeOutcome;
pub use update::Updated;

use super::idempotency::Recorded;
use super::items::new_contact_item;
use super::n;
use super::s;
use super::tx::{Item, Reason, TxOutcome};
use super::{key_of, text_of};
use super::{keys, Store};
use crate::domain::{
    ClientId, Contact, ContactId, DomainError, EmailStatus, NotificationTopic, PortalStatus, TenantId,
};
use crate::store::error::{StoreError, StoreResult};

/// The role of each item in a transaction, in request order, to read cancellation reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Contact,
    /// The contact a merge removes (`merge`).
    Merged,
    Client,
    /// The client a contact moves to (`moving`).
    Target,
    NewEmailClaim,
    OldEmailClaim,
    NewManager,
    OldManager,
    OldPrimary,
    Report,
    Idempotency,
    /// A topic or search item (`store::index`): unconditional.
    Index,
    /// A contact's tag membership, checked still there (`archive`).
    TagMember,
    /// A link to a project (`projects`).
    ProjectLink,
    /// The record of who deleted the contact (`store::deletions`): unconditional.
    Deletion,
}

struct Plan {
    items: Vec<TransactWriteItem>,
    roles: Vec<Role>,
}

impl Plan {
    fn new() -> Self {
        Self { items: Vec::new(), roles: Vec::new() }
    }

    fn push(&mut self, role: Role, item: TransactWriteItem) {
        self.items.push(item);
        self.roles.push(role);
    }

    fn push_index(&mut self, writes: Vec<TransactWriteItem>) {
        for write in writes {
            self.push(Role::Index, write);
        }
    }
}

/// How a planned transaction ended.
enum Outcome {
    Committed,
    /// Lost a race on an item (transaction conflict): plan again from fresh state.
    Retry,
    /// This item's condition failed (the first one in the caller's order of precedence).
    Failed(Role, Reason),
}

/// How a planned transaction ended, with every refusal (`run_plan_all`).
enum Refusals {
    Committed,
    Retry,
    /// The items whose conditions failed, in request order.
    Failed(Vec<(Role, Reason)>),
}

/// Renders the result recorded for an idempotent add, once the stored contact is known.
pub type RenderRecord = fn(&Contact) -> Recorded;

/// Filters of `list-contacts`.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    pub topic: Option<NotificationTopic>,
    pub primary: Option<bool>,
    pub portal_status: Option<PortalStatus>,
    /// Only contacts whose address is in this state (absent `email_status` = `ok`).
    pub email_status: Option<EmailStatus>,
    /// Only contacts that have an email address (recipients).
    pub with_email: bool,
    /// In name order (`GSI2`) rather than by id; not with `topic`.
    pub by_name: bool,
}

impl ContactFilter {
    /// Whether `contact` passes every filter but the topic (a topic list reads only the
    /// topic's recipients, then applies these).
    pub(crate) fn keeps_besides_topic(&self, contact: &Contact) -> bool {
        self.primary.is_none_or(|p| contact.is_primary == p)
            && self.portal_status.is_none_or(|s| contact.portal.status == s)
            && self.email_status.is_none_or(|s| contact.email_delivery.status == s)
            && (!self.with_email || contact.fields.email.is_some())
    }
}

fn built<T, E: Into<crate::domain::error::BoxError>>(r: Result<T, E>) -> StoreResult<T> {
    r.map_err(StoreError::internal)
}

impl Store {
    /// Runs a plan and names the item whose condition decided a cancellation.
    async fn run_plan(&self, plan: Plan, precedence: &[Role]) -> StoreResult<Outcome> {
        let mut reasons = match self.transact(plan.items).await? {
            TxOutcome::Committed => return Ok(Outcome::Committed),
            TxOutcome::Conflict => return Ok(Outcome::Retry),
            TxOutcome::Cancelled(reasons) => reasons,
        };
        let failed = precedence.iter().find_map(|role| {
            plan.roles.iter().zip(&reasons).position(|(r, reason)| r == role && reason.failed_condition())
        });
        match failed {
            Some(i) => Ok(Outcome::Failed(plan.roles[i], reasons.swap_remove(i))),
            None => Err(StoreError::internal(format!("transaction cancelled: {reasons:?}"))),
        }
    }

    /// Runs a plan and names every item whose condition failed, for an answer that depends on
    /// more than one of them.
    async fn run_plan_all(&self, plan: Plan) -> StoreResult<Refusals> {
        let reasons = match self.transact(plan.items).await? {
            TxOutcome::Committed => return Ok(Refusals::Committed),
            TxOutcome::Conflict => return Ok(Refusals::Retry),
            TxOutcome::Cancelled(reasons) => reasons,
        };
        let failed: Vec<(Role, Reason)> =
            plan.roles.into_iter().zip(reasons).filter(|(_, reason)| reason.failed_condition()).collect();
        match failed.is_empty() {
            true => Err(StoreError::internal("transaction cancelled without a failed condition")),
            false => Ok(Refusals::Failed(failed)),
        }
    }

    pub(super) fn contact_key(tenant: &TenantId, client: ClientId, id: ContactId) -> Item {
        Self::key(keys::contacts_pk(tenant, client), keys::contact_sk(id))
    }

    pub(super) fn client_key(tenant: &TenantId, client: ClientId) -> Item {
        Self::key(keys::tenant_pk(tenant), keys::client_sk(client))
    }

    /// Plans the managers' changes of `report`'s link (role, manager, delta). A transaction
    /// takes one operation per item, so a manager that is also the primary being `demoted` is
    /// left out: the returned delta is for the demotion to apply.
    fn push_report_links(
        &self,
        plan: &mut Plan,
        tenant: &TenantId,
        client: ClientId,
        report: ContactId,
        changes: &[(Role, Option<ContactId>, i64)],
        demoted: Option<ContactId>,
    ) -> StoreResult<i64> {
        let mut demoted_reports = 0;
        for &(role, manager, delta) in changes {
            match manager {
                Some(m) if Some(m) == demoted => demoted_reports += delta,
                Some(m) => plan.push(role, self.report_link(tenant, client, m, report, delta)?),
                None => {}
            }
        }
        Ok(demoted_reports)
    }
}

fn unknown_manager() -> DomainError {
    DomainError::invalid("line_manager_id", "no such contact of this client")
}
