//! Accepting an invitation: the token is consumed and the contact activated in one
//! transaction, so of two concurrent accepts of one token exactly one commits. The password is
//! not the table's business (the contact's portal user in Cognito holds it), but which accept
//! may set it is: the one holding the invitation's claim, which the transaction requires.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use time::Date;

use super::{built, s, InviteRecord};
use crate::domain::dates::format_date;
use crate::domain::invite::{check_support_window, TokenHash};
use crate::domain::{ClientId, ContactId, DomainError, Email, PortalStatus, Stamp, TenantId};
use crate::store::error::{StoreError, StoreResult};
use crate::store::items::ContactRecord;
use crate::store::tx::{Reason, TxOutcome};
use crate::store::update_expr::UpdateExpr;
use crate::store::{keys, Store};

/// How long a claim (`Store::claim_invite`) keeps other accepts of the invitation away from
/// the portal user pool: well beyond what one accept's calls to the pool take.
const CLAIM_SECS: i64 = 60;

impl InviteRecord {
    /// The tenant, client and contact the invitation is for.
    pub fn ids(&self) -> StoreResult<(TenantId, ClientId, ContactId)> {
        let tenant = TenantId::parse(&self.tenant_id).ok_or_else(|| StoreError::internal("invite tenant"))?;
        let client = ClientId::parse(&self.client_id).ok_or_else(|| StoreError::internal("invite client"))?;
        let contact =
            ContactId::parse(&self.contact_id).ok_or_else(|| StoreError::internal("invite contact"))?;
        Ok((tenant, client, contact))
    }
}

impl Store {
    /// Whether the contact still waits on this invitation today: it exists, holds this token
    /// as its pending one and is inside its support window (what `accept_invite`'s transaction
    /// requires, checked before anything is done outside the table). Returns the contact's
    /// address, the one the invitation went to (an address change kills the token).
    pub(crate) async fn check_pending(
        &self,
        invite: &InviteRecord,
        hash: &TokenHash,
        today: Date,
    ) -> StoreResult<Email> {
        let (tenant, client, contact) = invite.ids()?;
        let record = match self.read_contact(&tenant, client, contact, false).await {
            Ok((record, _)) => record,
            Err(StoreError::Refused(DomainError::NotFound(_))) => {
                return Err(gone(invite.reset, Gone::NoLongerValid).into())
            }
            Err(e) => return Err(e),
        };
        if record.invite_hash.as_deref() != Some(hash.as_str()) {
            return Err(gone(invite.reset, Gone::NoLongerValid).into());
        }
        let contact = record.into_contact()?;
        check_support_window(&contact.fields, today)?;
        Ok(contact.fields.email.ok_or_else(|| gone(invite.reset, Gone::NoLongerValid))?)
    }

    /// Claims the invitation for the accept `claim` before it sets a password on the portal
    /// user: of concurrent accepts only the claim's holder reaches the pool, and only it can
    /// consume the invitation (`accept_invite`), so the password that works is the winner's.
    /// False when the invitation is gone, used, expired, or claimed by another accept in the
    /// last `CLAIM_SECS`.
    pub(crate) async fn claim_invite(
        &self,
        hash: &TokenHash,
        claim: &str,
        now_epoch: i64,
    ) -> StoreResult<bool> {
        let mut expr = UpdateExpr::new();
        expr.set("claimed_by", s(claim))
            .set("claimed_until", AttributeValue::N((now_epoch + CLAIM_SECS).to_string()))
            .value(":now", AttributeValue::N(now_epoch.to_string()));
        let update = expr
            .apply(self.db.update_item())
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::invite_pk(hash.as_str()), keys::INVITE_SK)))
            .condition_expression(
                "attribute_exists(PK) AND attribute_not_exists(used_at) AND valid_until > :now \
                 AND (attribute_not_exists(claimed_until) OR claimed_until <= :now)",
            );
        match update.send().await {
            Ok(_) => Ok(true),
            Err(e) => match e.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(_) => Ok(false),
                other => Err(StoreError::failed("UpdateItem invitation claim", other)),
            },
        }
    }

    /// Gives up the claim of an accept that failed before consuming the invitation, so that
    /// its link works again at once. Best effort: a claim left behind lapses anyway.
    pub(crate) async fn release_invite_claim(&self, hash: &TokenHash, claim: &str) {
        let release = self
            .db
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::invite_pk(hash.as_str()), keys::INVITE_SK)))
            .update_expression("REMOVE claimed_by, claimed_until")
            .condition_expression("claimed_by = :claim")
            .expression_attribute_values(":claim", s(claim));
        if let Err(e) = release.send().await {
            tracing::warn!(error = %crate::telemetry::chain(&e), "invitation claim not given up; it lapses");
        }
    }

    /// Consumes the invitation and activates the contact in one transaction, if the accept
    /// holds the invitation's claim: of two concurrent accepts of one token exactly one commits.
    pub async fn accept_invite(
        &self,
        invite: &InviteRecord,
        (hash, claim): (&TokenHash, &str),
        now_epoch: i64,
        today: Date,
        stamp: &Stamp,
    ) -> StoreResult<()> {
        let (tenant, client, contact) = invite.ids()?;
        let mut consume = UpdateExpr::new();
        consume
            .set("used_at", s(&stamp.at))
            .value(":now", AttributeValue::N(now_epoch.to_string()))
            .value(":claim", s(claim));
        let consume = built(
            consume
                .apply(Update::builder())
                .table_name(&self.table)
                .set_key(Some(Self::key(keys::invite_pk(hash.as_str()), keys::INVITE_SK)))
                .condition_expression(
                    "attribute_exists(PK) AND attribute_not_exists(used_at) AND valid_until > :now \
                     AND claimed_by = :claim",
                )
                .build(),
        )?;
        let activate = self.activation(&tenant, client, contact, (hash, invite.reset), today, stamp)?;
        let items = vec![TransactWriteItem::builder().update(consume).build(), activate];
        let reasons = match self.transact(items).await? {
            TxOutcome::Committed => return Ok(()),
            // Another write to these items is in flight (perhaps an accept of the same token):
            // the caller looks at the invitation again.
            TxOutcome::Conflict => return Err(StoreError::Contention),
            TxOutcome::Cancelled(reasons) => reasons,
        };
        Err(accept_refused(reasons, (hash, invite.reset), today)?)
    }

    /// The contact's side of an accept: active, no longer holding the token, if the token is
    /// still its pending one and today is inside its support window. A reset's contact must
    /// be active already, and keeps its `activated_at`.
    fn activation(
        &self,
        tenant: &TenantId,
        client: ClientId,
        contact: ContactId,
        (hash, reset): (&TokenHash, bool),
        today: Date,
        stamp: &Stamp,
    ) -> StoreResult<TransactWriteItem> {
        let mut activate = UpdateExpr::new();
        let expected = if reset { PortalStatus::Active } else { PortalStatus::Invited };
        if !reset {
            activate.set("portal_status", s(PortalStatus::Active.as_str())).set("activated_at", s(&stamp.at));
        }
        activate
            .stamp(stamp)
            .remove("invite_hash")
            .value(":invited", s(expected.as_str()))
            .value(":hash", s(hash.as_str()))
            .value(":today", s(format_date(today)));
        let activate = built(
            activate
                .apply(Update::builder())
                .table_name(&self.table)
                .set_key(Some(self.contact_item_key(tenant, client, contact)))
                .condition_expression(
                    "invite_hash = :hash AND portal_status = :invited \
                     AND (attribute_not_exists(support_start) OR support_start <= :today) \
                     AND (attribute_not_exists(support_end) OR support_end >= :today)",
                )
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build(),
        )?;
        Ok(TransactWriteItem::builder().update(activate).build())
    }
}

/// Why a link answers 410.
#[derive(Debug, Clone, Copy)]
pub enum Gone {
    Used,
    Expired,
    UsedOrExpired,
    /// Superseded by a newer link, an email change, a revoke or a deletion.
    NoLongerValid,
}

/// The 410 for a link, named as its email named it: an invitation or a password reset link.
pub fn gone(reset: bool, why: Gone) -> DomainError {
    DomainError::Gone(match (reset, why) {
        (false, Gone::Used) => "this invitation was already used",
        (false, Gone::Expired) => "this invitation has expired",
        (false, Gone::UsedOrExpired) => "this invitation was already used or has expired",
        (false, Gone::NoLongerValid) => "this invitation is no longer valid",
        (true, Gone::Used) => "this password reset link was already used",
        (true, Gone::Expired) => "this password reset link has expired",
        (true, Gone::UsedOrExpired) => "this password reset link was already used or has expired",
        (true, Gone::NoLongerValid) => "this password reset link is no longer valid",
    })
}

/// Why an accept was cancelled (`reasons`, in request order: invitation, contact):
/// a used or expired invitation, a token the contact no longer holds, or the support window.
fn accept_refused(
    reasons: Vec<Reason>,
    (hash, reset): (&TokenHash, bool),
    today: Date,
) -> StoreResult<StoreError> {
    if reasons.first().is_some_and(|r| r.failed_condition()) {
        return Ok(gone(reset, Gone::UsedOrExpired).into());
    }
    let contact_reason = reasons.into_iter().nth(1);
    let pending = contact_reason
        .and_then(|r| r.old)
        .map(ContactRecord::from_item)
        .transpose()?
        .filter(|record| record.invite_hash.as_deref() == Some(hash.as_str()));
    match pending {
        // The token is the contact's current one: only the support window stood in the way.
        Some(record) => Ok(check_support_window(&record.into_contact()?.fields, today).err().map_or_else(
            || StoreError::internal("accept refused inside the support window"),
            StoreError::from,
        )),
        None => Ok(gone(reset, Gone::NoLongerValid).into()),
    }
}
