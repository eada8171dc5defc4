//! Invitation items (`PK = INVITE#<sha256 of token>`) and the portal status they drive. The
//! contact holds the hash of its one pending invitation (`invite_hash`); a token is good only
//! while its hash is still the contact's, so a new invite, an email change, a revoke or a
//! delete invalidates older tokens without finding them.

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use serde_dynamo::{from_item, to_item};

use super::n;
use super::s;
use super::tx::{Item, TxOutcome};
use super::update_expr::UpdateExpr;
use super::{keys, Store};
use crate::domain::invite::TokenHash;
use crate::domain::{ClientId, ClientStatus, Contact, ContactId, PortalStatus, Stamp, TenantId};
use crate::store::error::{StoreError, StoreResult};

mod accept;

pub use accept::{gone, Gone};

/// Expired invitations stay this long (for a clear 410) before TTL deletes them.
const KEEP_AFTER_EXPIRY_SECS: i64 = 7 * 24 * 3600;

/// What a new invitation is: its token's hash, until when it is good, and the contact's
/// reminder state (to keep the sweep index right). The address it goes to is the contact's and
/// is not stored with it: deleting the contact leaves no copy of the address behind.
#[derive(Clone, Copy)]
pub struct NewInvite<'a> {
    pub hash: &'a TokenHash,
    pub valid_until: i64,
    pub reminded_for: Option<time::Date>,
    /// A new password for a contact that uses the portal already, not an invitation.
    pub reset: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InviteRecord {
    pub tenant_id: String,
    pub client_id: String,
    pub contact_id: String,
    /// Epoch seconds after which the token is expired.
    pub valid_until: i64,
    /// Absent until used: a NULL attribute would count as present in conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<String>,
    /// Set on a password reset: accepting it gives the active contact's portal user a new
    /// password and leaves the contact as it is. Absent on invitations (and on older items).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reset: bool,
}

fn built<T, E: Into<crate::domain::error::BoxError>>(r: Result<T, E>) -> StoreResult<T> {
    r.map_err(StoreError::internal)
}

impl Store {
    fn contact_item_key(&self, tenant: &TenantId, client: ClientId, id: ContactId) -> Item {
        Self::key(keys::contacts_pk(tenant, client), keys::contact_sk(id))
    }

    /// Records a new invitation and marks the contact invited, if it is still at `version`.
    /// A reset is recorded on an active contact, which stays active (only its pending token
    /// changes). Returns false when the contact changed meanwhile (read it again and retry).
    pub async fn begin_invite(
        &self,
        tenant: &TenantId,
        contact: &Contact,
        invite: &NewInvite<'_>,
        stamp: &Stamp,
    ) -> StoreResult<bool> {
        let NewInvite { hash, reminded_for, reset, .. } = *invite;
        let put = self.invite_put(tenant, contact, invite)?;
        let mut mark = UpdateExpr::new();
        mark.set("invite_hash", s(hash.as_str())).stamp(stamp).value(":expected", n(contact.audit.version));
        let condition = if reset {
            mark.value(":active", s(PortalStatus::Active.as_str()));
            "version = :expected AND portal_status = :active"
        } else {
            let invited = Contact {
                portal: crate::domain::PortalState {
                    status: PortalStatus::Invited,
                    ..contact.portal.clone()
                },
                ..contact.clone()
            };
            mark.set("portal_status", s(PortalStatus::Invited.as_str())).set("invited_at", s(&stamp.at));
            // Only a sweepable invitation is indexed; one that is not leaves the index as it is.
            if let Some(keys) = self.sweep_index(tenant, &invited, reminded_for) {
                mark.sweep_index(Some(keys));
            }
            "version = :expected"
        };
        let mark = built(
            mark.apply(Update::builder())
                .table_name(&self.table)
                .set_key(Some(self.contact_item_key(tenant, contact.client_id, contact.id)))
                .condition_expression(condition)
                .build(),
        )?;
        let mut items = vec![put, TransactWriteItem::builder().update(mark).build()];
        if !reset {
            items.push(self.client_is_active(tenant, contact.client_id)?);
        }
        match self.transact(items).await? {
            TxOutcome::Committed => Ok(true),
            TxOutcome::Conflict | TxOutcome::Cancelled(_) => Ok(false),
        }
    }

    /// A condition that the client is active (clients stored without a status are): an
    /// inactive client's contacts are not invited, also when it is made inactive while an
    /// invitation is on its way (the invitation then reads the client again and says so).
    fn client_is_active(&self, tenant: &TenantId, client: ClientId) -> StoreResult<TransactWriteItem> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::tenant_pk(tenant), keys::client_sk(client))))
            .condition_expression("attribute_not_exists(#status) OR #status = :client_active")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":client_active", s(ClientStatus::Active.as_str()))
            .build()
            .map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// The invitation's item, keyed by its token's hash; it must be new.
    fn invite_put(
        &self,
        tenant: &TenantId,
        contact: &Contact,
        invite: &NewInvite<'_>,
    ) -> StoreResult<TransactWriteItem> {
        let NewInvite { hash, valid_until, reset, .. } = *invite;
        let record = InviteRecord {
            tenant_id: tenant.to_string(),
            client_id: contact.client_id.to_string(),
            contact_id: contact.id.to_string(),
            valid_until,
            used_at: None,
            reset,
        };
        let mut item: Item = to_item(&record).map_err(StoreError::internal)?;
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
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Takes back an invitation whose email could not be sent: the contact returns to how it
    /// was (`before`, with its earlier pending invitation if any) unless it changed since.
    pub(crate) async fn undo_invite(
        &self,
        tenant: &TenantId,
        before: &Contact,
        before_hash: Option<&str>,
        reminded_for: Option<time::Date>,
        hash: &TokenHash,
        stamp: &Stamp,
    ) -> StoreResult<()> {
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

    pub(crate) async fn find_invite(&self, hash: &TokenHash) -> StoreResult<Option<InviteRecord>> {
        let item = self.get(Self::key(keys::invite_pk(hash.as_str()), keys::INVITE_SK)).await?;
        item.map(|i| from_item(i).map_err(StoreError::internal)).transpose()
    }
}
