//! Changing a contact by merge patch: a single conditional update for plain fields, one
//! transaction when its email, line manager, primary role or index items move.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem, Update};

use super::primary::{client_contacts, PrimaryWrite};
use super::reports::{demotion_full, link_refused, too_many_reports};
use super::{built, n, Outcome, Plan, Role};
use crate::domain::contact::EmailDelivery;
use crate::domain::primary::{self, OnPromote};
use crate::domain::{
    ClientId, Contact, ContactId, ContactPatch, DomainError, Email, PortalStatus, Stamp, TenantId,
};
use crate::store::error::{StoreError, StoreResult};
use crate::store::items::{contact_editable_item, CONTACT_EDITABLE, EMAIL_STATUS_ATTRIBUTES};
use crate::store::retry::{retry_planned, Attempt};
use crate::store::update_expr::UpdateExpr;
use crate::store::Store;

/// A planned change of one contact: the contact before and after, and what moves with it.
struct Change {
    current: Contact,
    updated: Contact,
    /// The primary the contact takes the role from, if it is promoted.
    demote: Option<ContactId>,
    email_moves: bool,
    manager_moves: bool,
    /// Its names, address or topics change, so its index items do (`store::index`).
    index_moves: bool,
}

/// A contact before and after a change.
pub struct Updated {
    /// `None` after a plain patch written without reading first: it moved neither the email
    /// nor portal access, which is what a caller needs the contact before for.
    pub before: Option<Contact>,
    pub after: Contact,
}

impl From<Change> for Updated {
    fn from(change: Change) -> Self {
        Self { before: Some(change.current), after: change.updated }
    }
}

impl Store {
    /// Applies a merge patch. A plain patch (`ContactPatch::is_plain`) is one conditional
    /// update, without reading first; any other change of the contact alone is a read and one
    /// conditional update; a change of email, line manager or primary role is a read and one
    /// transaction over every item it touches. Returns the contact before and after.
    pub async fn update_contact(
        &self,
        tenant: &TenantId,
        client: ClientId,
        id: ContactId,
        if_match: Option<u64>,
        patch: ContactPatch,
        stamp: &Stamp,
    ) -> StoreResult<Updated> {
        if patch.is_plain() {
            if let Some(updated) = self.update_plain(tenant, (client, id), if_match, &patch, stamp).await? {
                return Ok(updated);
            }
        }
        let needs_client = primary::asks_for_role(&patch.is_primary);
        let patch = &patch;
        retry_planned(move || async move {
            let (record, client_item) = self.read_contact(tenant, client, id, needs_client).await?;
            let client_now = client_item.as_ref().map(client_contacts).transpose()?;
            let pending_invite = record.invite_hash.is_some();
            let reminded_for = record.reminded_for();
            let current = record.into_contact()?;
            if if_match.is_some_and(|v| v != current.audit.version) {
                return Err(StoreError::PreconditionFailed);
            }
            let fields = current.fields.patched(patch.clone(), id)?;
            let demote = match primary::on_promote(id, current.is_primary, &patch.is_primary, client_now)? {
                OnPromote::Unchanged => None,
                OnPromote::From { demote } => Some(demote),
                OnPromote::ReadAgain => return Ok(Attempt::Retry),
            };
            let revoke = patch.revoke_portal && current.portal.status != PortalStatus::Revoked;
            if fields == current.fields && demote.is_none() && !revoke {
                return Ok(Attempt::Done(Updated { before: Some(current.clone()), after: current }));
            }
            let mut updated = Contact { fields, audit: current.audit.next(stamp), ..current.clone() };
            updated.is_primary |= demote.is_some();
            let email_moves = current.fields.email.as_ref().map(Email::key)
                != updated.fields.email.as_ref().map(Email::key);
            let manager_moves = current.fields.line_manager_id != updated.fields.line_manager_id;
            let index_moves = crate::store::index::index_items(tenant, &current)
                .keys()
                .ne(crate::store::index::index_items(tenant, &updated).keys());
            let mut change = Change { current, updated, demote, email_moves, manager_moves, index_moves };
            let edit = self.contact_edit(tenant, &mut change, revoke, pending_invite, reminded_for)?;
            let contact_update = edit
                .apply(Update::builder())
                .table_name(&self.table)
                .set_key(Some(Self::contact_key(tenant, client, id)))
                .expression_attribute_values(":expected", n(change.current.audit.version))
                .condition_expression("version = :expected");

            self.write_change(tenant, change, contact_update, if_match, stamp).await
        })
        .await
    }

    /// Writes a planned change: one conditional update when only the contact moves, else one
    /// transaction over every item the change touches.
    async fn write_change(
        &self,
        tenant: &TenantId,
        change: Change,
        contact_update: UpdateBuilder,
        if_match: Option<u64>,
        stamp: &Stamp,
    ) -> StoreResult<Attempt<Updated>> {
        if !change.email_moves && !change.manager_moves && !change.index_moves && change.demote.is_none() {
            return match self.update_single(contact_update).await {
                Ok(()) => Ok(Attempt::Done(change.into())),
                Err(Some(e)) => Err(e),
                Err(None) if if_match.is_some() => Err(StoreError::PreconditionFailed),
                Err(None) => Ok(Attempt::Retry),
            };
        }
        let (plan, demoted_reports) = self.update_plan(tenant, &change, contact_update, stamp)?;
        const PRECEDENCE: [Role; 7] = [
            Role::Contact,
            Role::NewEmailClaim,
            Role::NewManager,
            Role::Client,
            Role::OldPrimary,
            Role::OldEmailClaim,
            Role::OldManager,
        ];
        match self.run_plan(plan, &PRECEDENCE).await? {
            Outcome::Committed => Ok(Attempt::Done(change.into())),
            Outcome::Failed(Role::Contact, _) if if_match.is_some() => Err(StoreError::PreconditionFailed),
            Outcome::Failed(Role::NewEmailClaim, _) => Err(DomainError::EmailTaken.into()),
            Outcome::Failed(Role::NewManager, r) => Err(link_refused(&r).into()),
            Outcome::Failed(Role::OldPrimary, r) if demotion_full(&r, demoted_reports > 0) => {
                Err(too_many_reports().into())
            }
            // The contact, the client or another contact changed since the read.
            Outcome::Retry | Outcome::Failed(..) => Ok(Attempt::Retry),
        }
    }

    /// The contact's own update: its editable fields, its primary flag and portal status as the
    /// change has them (a revoke, or an email change that kills a pending invitation or ends
    /// access, also moves `change.updated`'s status), and its sweep index keys.
    fn contact_edit(
        &self,
        tenant: &TenantId,
        change: &mut Change,
        revoke: bool,
        pending_invite: bool,
        reminded_for: Option<time::Date>,
    ) -> StoreResult<UpdateExpr> {
        let updated = &mut change.updated;
        let mut edit =
            UpdateExpr::editable(contact_editable_item(&updated.fields)?, CONTACT_EDITABLE, &updated.audit);
        if change.demote.is_some() {
            edit.set("is_primary", AttributeValue::Bool(true));
        }
        if revoke {
            updated.portal.status = PortalStatus::Revoked;
            edit.set("portal_status", AttributeValue::S(PortalStatus::Revoked.as_str().into()));
        }
        // A pending invitation was sent to the old address: it dies with the change. A portal
        // user signs in with the old address: access ends, and the new address needs a new
        // invitation (`PortalUsers::follow_change` removes the user).
        if change.email_moves {
            let ended = match updated.portal.status {
                PortalStatus::Invited => Some(PortalStatus::None),
                PortalStatus::Active => Some(PortalStatus::Revoked),
                PortalStatus::None | PortalStatus::Revoked => None,
            };
            if let Some(status) = ended {
                updated.portal.status = status;
                edit.set("portal_status", AttributeValue::S(status.as_str().into()));
            }
        }
        if pending_invite && (revoke || change.email_moves) {
            edit.remove("invite_hash");
        }
        // What SES said of the old address says nothing of the new one.
        if change.email_moves && updated.email_delivery.suppressed() {
            updated.email_delivery = EmailDelivery::default();
            for name in EMAIL_STATUS_ATTRIBUTES {
                edit.remove(name);
            }
        }
        edit.sweep_index(self.sweep_index(tenant, updated, reminded_for));
        Ok(edit)
    }

    /// The transaction of a change that moves more than the contact: its email claims, its
    /// managers' links and the primary role. Also returns the link the demotion carries.
    fn update_plan(
        &self,
        tenant: &TenantId,
        change: &Change,
        contact_update: UpdateBuilder,
        stamp: &Stamp,
    ) -> StoreResult<(Plan, i64)> {
        let Change { current, updated, demote, .. } = change;
        let (client, id) = (current.client_id, current.id);
        let mut plan = Plan::new();
        plan.push(Role::Contact, TransactWriteItem::builder().update(built(contact_update.build())?).build());
        if change.email_moves {
            if let Some(old) = &current.fields.email {
                plan.push(Role::OldEmailClaim, self.release_email(tenant, old, id)?);
            }
            if let Some(new) = &updated.fields.email {
                plan.push(Role::NewEmailClaim, self.claim_email(tenant, new, updated)?);
            }
        }
        let changes = if change.manager_moves {
            vec![
                (Role::NewManager, updated.fields.line_manager_id, 1),
                (Role::OldManager, current.fields.line_manager_id, -1),
            ]
        } else {
            Vec::new()
        };
        let demoted_reports = self.push_report_links(&mut plan, tenant, client, id, &changes, *demote)?;
        plan.push_index(self.index_writes(tenant, Some(current), Some(updated))?);
        if let Some(old) = *demote {
            let moves = PrimaryWrite::Moves { from: old, to: id };
            plan.push(Role::Client, self.client_contacts_update(tenant, client, 0, moves, stamp)?);
            plan.push(Role::OldPrimary, self.demote(tenant, client, old, (id, demoted_reports), stamp)?);
        }
        Ok((plan, demoted_reports))
    }

    /// Runs a single conditional update. `Err(None)` means the condition failed.
    pub(super) async fn update_single(&self, update: UpdateBuilder) -> Result<(), Option<StoreError>> {
        let u = built(update.build()).map_err(Some)?;
        let result = self
            .db
            .update_item()
            .table_name(u.table_name)
            .set_key(Some(u.key))
            .update_expression(u.update_expression)
            .set_condition_expression(u.condition_expression)
            .set_expression_attribute_names(u.expression_attribute_names)
            .set_expression_attribute_values(u.expression_attribute_values)
            .return_values(ReturnValue::None)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => match e.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(_) => Err(None),
                other => Err(Some(StoreError::failed("UpdateItem", other))),
            },
        }
    }
}
