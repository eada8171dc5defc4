//! Invitation items (`PK = INVITE#<sha256 of token>`) and the portal status they drive. The
//! contact holds the hash of its one pending invitation (`invite_hash`); a token is good only
//! while its hash is still the contact's, so a new invite, an email change, a revoke or a
//! delete invalidates older tokens without finding them.

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use serde::{Deserialize, Serialize};
use serde_dynamo::{from_item, to_item};

use super::items::{n, ContactRecord};
use super::tx::{Item, TxOutcome};
use super::update_expr::UpdateExpr;
use super::{keys, Store};
use crate::domain::dates::format_date;
use crate::domain::invite::{check_support_window, TokenHash};
use crate::domain::{ClientId, Contact, ContactId, DomainError, DomainResult, PortalStatus, Stamp, TenantId};
use time::Date;

/// Expired invitations stay this long (for a clear 410) before TTL deletes them.
const KEEP_AFTER_EXPIRY_SECS: i64 = 7 * 24 * 3600;

/// What a new invitation is: its token's hash, where it goes, until when it is good, and the
/// contact's reminder state (to keep the sweep index right).
#[derive(Clone, Copy)]
pub struct NewInvite<'a> {
    pub hash: &'a TokenHash,
    pub email: &'a str,
    pub valid_until: i64,
    pub reminded_for: Option<time::Date>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InviteRecord {
    pub tenant_id: String,
    pub client_id: String,
    pub contact_id: String,
    /// The address the invitation went to (a password may not equal it).
    pub email: String,
    /// Epoch seconds after which the token is expired.
    pub valid_until: i64,
    /// Absent until used: a NULL attribute would count as present in conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<String>,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// `, GSI1PK = :gsi1pk, GSI1SK = :gsi1sk` and its values for a sweepable contact, or nothing
/// (the caller removes the index keys when it must).
fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> DomainResult<T> {
    r.map_err(DomainError::internal)
}

impl Store {
    fn contact_item_key(&self, tenant: &TenantId, client: ClientId, id: ContactId) -> Item {
        Self::key(keys::contacts_pk(tenant, client), keys::contact_sk(id))
    }

    /// Records a new invitation and marks the contact invited, if it is still at `version`.
    /// Returns false when the contact changed meanwhile (read it again and retry).
    pub async fn begin_invite(
        &self,
        tenant: &TenantId,
        contact: &Contact,
        invite: &NewInvite<'_>,
        stamp: &Stamp,
    ) -> DomainResult<bool> {
        let NewInvite { hash, email, valid_until, reminded_for } = *invite;
        let record = InviteRecord {
            tenant_id: tenant.to_string(),
            client_id: contact.client_id.to_string(),
            contact_id: contact.id.to_string(),
            email: email.to_owned(),
            valid_until,
            used_at: None,
        };
        let mut item: Item = to_item(&record).map_err(DomainError::internal)?;
        item.insert(keys::PK.into(), s(keys::invite_pk(hash.as_str())));
        item.insert(keys::SK.into(), s(keys::INVITE_SK));
        item.insert("entity".into(), s("invite"));
        item.insert(
            "expires_at".into(),
            AttributeValue::N((valid_until + KEEP_AFTER_EXPIRY_SECS).to_string()),
        );
        let put = built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(PK)")
                .build(),
        )?;
        let invited = Contact {
            portal: crate::domain::PortalState { status: PortalStatus::Invited, ..contact.portal.clone() },
            ..contact.clone()
        };
        let mut mark = UpdateExpr::new();
        mark.set("portal_status", s(PortalStatus::Invited.as_str()))
            .set("invited_at", s(&stamp.at))
            .set("invite_hash", s(hash.as_str()))
            .stamp(stamp)
            .value(":expected", n(contact.audit.version));
        // Only a sweepable invitation is indexed; one that is not leaves the index as it is.
        if let Some(keys) = self.sweep_index(tenant, &invited, reminded_for) {
            mark.sweep_index(Some(keys));
        }
        let mark = built(
            mark.apply(Update::builder())
                .table_name(&self.table)
                .set_key(Some(self.contact_item_key(tenant, contact.client_id, contact.id)))
                .condition_expression("version = :expected")
                .build(),
        )?;
        let items = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().update(mark).build(),
        ];
        match self.transact(items).await? {
            TxOutcome::Committed => Ok(true),
            TxOutcome::Conflict | TxOutcome::Cancelled(_) => Ok(false),
        }
    }

    /// Takes back an invitation whose email could not be sent: the contact returns to how it
    /// was (`before`, with its earlier pending invitation if any) unless it changed since.
    pub async fn undo_invite(
        &self,
        tenant: &TenantId,
        before: &Contact,
        before_hash: Option<&str>,
        reminded_for: Option<time::Date>,
        hash: &TokenHash,
        stamp: &Stamp,
    ) -> DomainResult<()> {
        let mut undo = UpdateExpr::new();
        undo.set("portal_status", s(before.portal.status.as_str()))
            .stamp(stamp)
            .sweep_index(self.sweep_index(tenant, before, reminded_for))
            .value(":hash", s(hash.as_str()))
            .value(":expected", n(before.audit.version + 1));
        match &before.portal.invited_at {
            Some(at) => undo.set("invited_at", s(at)),
            None => undo.remove("invited_at"),
        };
        match before_hash {
            Some(old) => undo.set("invite_hash", s(old)),
            None => undo.remove("invite_hash"),
        };
        let update = undo
            .apply(Update::builder())
            .table_name(&self.table)
            .set_key(Some(self.contact_item_key(tenant, before.client_id, before.id)))
            .condition_expression("invite_hash = :hash AND version = :expected");
        let delete = built(
            Delete::builder()
                .table_name(&self.table)
                .set_key(Some(Self::key(keys::invite_pk(hash.as_str()), keys::INVITE_SK)))
                .build(),
        )?;
        let items = vec![
            TransactWriteItem::builder().update(built(update.build())?).build(),
            TransactWriteItem::builder().delete(delete).build(),
        ];
        match self.transact(items).await? {
            TxOutcome::Committed => Ok(()),
            // Changed since: the unsent token was superseded anyway and can never be presented.
            _ => {
                tracing::warn!("invite undo skipped: contact changed after the failed send");
                Ok(())
            }
        }
    }

    /// Ends a contact's portal credential (with the contact's deletion).
    pub(crate) fn credential_delete(
        &self,
        tenant: &TenantId,
        contact: ContactId,
    ) -> DomainResult<TransactWriteItem> {
        let delete = built(
            Delete::builder()
                .table_name(&self.table)
                .set_key(Some(Self::key(keys::credential_pk(tenant, contact), keys::CREDENTIAL_SK)))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    pub async fn find_invite(&self, hash: &TokenHash) -> DomainResult<Option<InviteRecord>> {
        let item = self.get(Self::key(keys::invite_pk(hash.as_str()), keys::INVITE_SK)).await?;
        item.map(|i| from_item(i).map_err(DomainError::internal)).transpose()
    }

    /// Consumes the invitation, activates the contact and stores its password hash, in one
    /// transaction: of two concurrent accepts of one token exactly one commits.
    pub async fn accept_invite(
        &self,
        invite: &InviteRecord,
        hash: &TokenHash,
        password_hash: &str,
        now_epoch: i64,
        today: Date,
        stamp: &Stamp,
    ) -> DomainResult<()> {
        let tenant =
            TenantId::parse(&invite.tenant_id).ok_or_else(|| DomainError::internal("invite tenant"))?;
        let client =
            ClientId::parse(&invite.client_id).ok_or_else(|| DomainError::internal("invite client"))?;
        let contact =
            ContactId::parse(&invite.contact_id).ok_or_else(|| DomainError::internal("invite contact"))?;
        let mut consume = UpdateExpr::new();
        consume.set("used_at", s(&stamp.at)).value(":now", AttributeValue::N(now_epoch.to_string()));
        let consume = built(
            consume
                .apply(Update::builder())
                .table_name(&self.table)
                .set_key(Some(Self::key(keys::invite_pk(hash.as_str()), keys::INVITE_SK)))
                .condition_expression(
                    "attribute_exists(PK) AND attribute_not_exists(used_at) AND valid_until > :now",
                )
                .build(),
        )?;
        let mut activate = UpdateExpr::new();
        activate
            .set("portal_status", s(PortalStatus::Active.as_str()))
            .set("activated_at", s(&stamp.at))
            .stamp(stamp)
            .remove("invite_hash")
            .value(":invited", s(PortalStatus::Invited.as_str()))
            .value(":hash", s(hash.as_str()))
            .value(":today", s(format_date(today)));
        let activate = built(
            activate
                .apply(Update::builder())
                .table_name(&self.table)
                .set_key(Some(self.contact_item_key(&tenant, client, contact)))
                .condition_expression(
                    "invite_hash = :hash AND portal_status = :invited \
                     AND (attribute_not_exists(support_start) OR support_start <= :today) \
                     AND (attribute_not_exists(support_end) OR support_end >= :today)",
                )
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build(),
        )?;
        let mut credential = Self::key(keys::credential_pk(&tenant, contact), keys::CREDENTIAL_SK);
        credential.insert("entity".into(), s("credential"));
        credential.insert("contact_id".into(), s(contact.to_string()));
        credential.insert("password_hash".into(), s(password_hash));
        credential.insert("updated_at".into(), s(&stamp.at));
        let store_password =
            built(Put::builder().table_name(&self.table).set_item(Some(credential)).build())?;
        let items = vec![
            TransactWriteItem::builder().update(consume).build(),
            TransactWriteItem::builder().update(activate).build(),
            TransactWriteItem::builder().put(store_password).build(),
        ];
        let reasons = match self.transact(items).await? {
            TxOutcome::Committed => return Ok(()),
            // Another write to these items is in flight (perhaps an accept of the same token):
            // the caller looks at the invitation again.
            TxOutcome::Conflict => return Err(DomainError::Contention),
            TxOutcome::Cancelled(reasons) => reasons,
        };
        if reasons.first().is_some_and(|r| r.failed_condition()) {
            return Err(DomainError::Gone("this invitation was already used or has expired"));
        }
        let contact_reason = reasons.into_iter().nth(1);
        let pending = contact_reason
            .and_then(|r| r.old)
            .map(ContactRecord::from_item)
            .transpose()?
            .filter(|record| record.invite_hash.as_deref() == Some(hash.as_str()));
        match pending {
            // The token is the contact's current one: only the support window stood in the way.
            Some(record) => Err(check_support_window(&record.into_contact()?.fields, today)
                .err()
                .unwrap_or_else(|| DomainError::internal("accept refused inside the support window"))),
            None => Err(DomainError::Gone("this invitation is no longer valid")),
        }
    }
}
