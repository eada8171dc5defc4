//! Changing a contact by merge patch: a single conditional update for plain fields, one
//! transaction when its email, line manager or primary role moves.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem, Update};

use super::reports::{demotion_full, link_refused, too_many_reports};
use super::{built, n, s, ClientState, Outcome, Plan, Role};
use crate::domain::contact::wants_promotion;
use crate::domain::{
    ClientId, Contact, ContactId, ContactPatch, DomainError, DomainResult, Email, PortalStatus, Stamp,
    TenantId,
};
use crate::store::items::{contact_editable_item, UpdateExpr, CONTACT_EDITABLE};
use crate::store::stamp::{Stamped, STAMP};
use crate::store::tx::{retry_planned, Attempt};
use crate::store::Store;

impl Store {
    /// Applies a merge patch. A change of plain fields is one conditional update; a change of
    /// email, line manager or primary role is one transaction over every item it touches.
    pub async fn update_contact(
        &self,
        tenant: &TenantId,
        client: ClientId,
        id: ContactId,
        if_match: Option<u64>,
        patch: ContactPatch,
        stamp: &Stamp,
    ) -> DomainResult<Contact> {
        let needs_client = matches!(patch.is_primary, crate::domain::Patch::Set(true));
        let patch = &patch;
        retry_planned(move || async move {
            let (record, client_item) = self.read_contact(tenant, client, id, needs_client).await?;
            let state = client_item.as_ref().map(ClientState::of);
            let pending_invite = record.invite_hash.is_some();
            let reminded_for = record.reminded_for();
            let current = record.into_contact()?;
            if if_match.is_some_and(|v| v != current.audit.version) {
                return Err(DomainError::PreconditionFailed);
            }
            let fields = current.fields.patched(patch.clone(), id)?;
            let promote = wants_promotion(current.is_primary, &patch.is_primary)?;
            let revoke = patch.revoke_portal && current.portal.status != PortalStatus::Revoked;
            if fields == current.fields && !promote && !revoke {
                return Ok(Attempt::Done(current));
            }
            let mut updated = Contact { fields, audit: current.audit.next(stamp), ..current.clone() };
            updated.is_primary |= promote;

            let old_key = current.fields.email.as_ref().map(Email::key);
            let new_key = updated.fields.email.as_ref().map(Email::key);
            let email_moves = old_key != new_key;
            let manager_moves = current.fields.line_manager_id != updated.fields.line_manager_id;

            let mut edit = UpdateExpr::editable(
                contact_editable_item(&updated.fields)?,
                CONTACT_EDITABLE,
                &updated.audit,
            );
            if promote {
                edit.set("is_primary", AttributeValue::Bool(true));
            }
            if revoke {
                updated.portal.status = PortalStatus::Revoked;
                edit.set("portal_status", AttributeValue::S(PortalStatus::Revoked.as_str().into()));
            }
            // A pending invitation was sent to the old address: it dies with the change.
            if email_moves && updated.portal.status == PortalStatus::Invited {
                updated.portal.status = PortalStatus::None;
                edit.set("portal_status", AttributeValue::S(PortalStatus::None.as_str().into()));
            }
            if pending_invite && (revoke || email_moves) {
                edit.remove("invite_hash");
            }
            edit.sweep_index(self.sweep_index(tenant, &updated, reminded_for));
            let contact_update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(Self::contact_key(tenant, client, id)))
                .update_expression(edit.expression())
                .set_expression_attribute_names(Some(edit.names))
                .set_expression_attribute_values(Some(edit.values))
                .expression_attribute_values(":expected", n(current.audit.version))
                .condition_expression("version = :expected");

            if !email_moves && !manager_moves && !promote {
                return match self.update_single(contact_update).await {
                    Ok(()) => Ok(Attempt::Done(updated)),
                    Err(Some(e)) => Err(e),
                    Err(None) if if_match.is_some() => Err(DomainError::PreconditionFailed),
                    Err(None) => Ok(Attempt::Retry),
                };
            }

            let mut plan = Plan::new();
            plan.push(
                Role::Contact,
                TransactWriteItem::builder().update(built(contact_update.build())?).build(),
            );
            if email_moves {
                if let Some(old) = &current.fields.email {
                    plan.push(Role::OldEmailClaim, self.release_email(tenant, old, id)?);
                }
                if let Some(new) = &updated.fields.email {
                    plan.push(Role::NewEmailClaim, self.claim_email(tenant, new, &updated)?);
                }
            }
            let old_primary = match (promote, state) {
                (false, _) => None,
                (true, None) => return Err(DomainError::NotFound("client")),
                (true, Some(state)) => {
                    Some(state.primary.ok_or_else(|| DomainError::internal("client without primary"))?)
                }
            };
            if old_primary == Some(id) {
                // The client still names this contact primary while the contact is already
                // demoted: the read met another move of the primary half-applied (BatchGetItem
                // is read-committed per item, not per batch). Read again once it has settled.
                return Ok(Attempt::Retry);
            }
            let changes = if manager_moves {
                vec![
                    (Role::NewManager, updated.fields.line_manager_id, 1),
                    (Role::OldManager, current.fields.line_manager_id, -1),
                ]
            } else {
                Vec::new()
            };
            let demoted_reports =
                self.push_report_links(&mut plan, tenant, client, id, &changes, old_primary)?;
            if let Some(old) = old_primary {
                let move_primary = built(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(Self::client_key(tenant, client)))
                        .update_expression(format!("SET primary_contact_id = :new, {STAMP}"))
                        .condition_expression("primary_contact_id = :old")
                        .expression_attribute_values(":new", s(id.to_string()))
                        .expression_attribute_values(":old", s(old.to_string()))
                        .stamped(stamp)
                        .build(),
                )?;
                plan.push(Role::Client, TransactWriteItem::builder().update(move_primary).build());
                plan.push(Role::OldPrimary, self.demote(tenant, client, old, (id, demoted_reports), stamp)?);
            }

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
                Outcome::Committed => Ok(Attempt::Done(updated)),
                Outcome::Failed(Role::Contact, _) if if_match.is_some() => {
                    Err(DomainError::PreconditionFailed)
                }
                Outcome::Failed(Role::NewEmailClaim, _) => Err(DomainError::EmailTaken),
                Outcome::Failed(Role::NewManager, r) => Err(link_refused(&r)),
                Outcome::Failed(Role::OldPrimary, r) if demotion_full(&r, demoted_reports > 0) => {
                    Err(too_many_reports())
                }
                // The contact, the client or another contact changed since the read.
                Outcome::Retry | Outcome::Failed(..) => Ok(Attempt::Retry),
            }
        })
        .await
    }

    /// Runs a single conditional update. `Err(None)` means the condition failed.
    async fn update_single(
        &self,
        update: aws_sdk_dynamodb::types::builders::UpdateBuilder,
    ) -> Result<(), Option<DomainError>> {
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
                other => Err(Some(DomainError::failed("UpdateItem", other))),
            },
        }
    }
}
