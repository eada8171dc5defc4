//! SES's word on a contact's address (`feedback`): the status attributes alone, under the
//! contact's version, so an edit in flight is never overwritten (whichever writes second fails
//! its condition and is planned again from what the other wrote).

use aws_sdk_dynamodb::types::{AttributeValue, Update};

use super::n;
use crate::domain::contact::EmailDelivery;
use crate::domain::{ClientId, ContactId, TenantId};
use crate::store::error::StoreResult;
use crate::store::items::ContactRecord;
use crate::store::retry::{retry_planned, Attempt};
use crate::store::update_expr::UpdateExpr;
use crate::store::Store;

/// What setting a contact's email status did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Recorded,
    /// The contact's address is no longer the one the event is about (or it has none).
    NotItsAddress,
    /// A later event is already recorded (SES delivers events out of order).
    Stale,
    /// No such contact (deleted since the email went).
    NoContact,
}

impl Store {
    /// Sets the contact's email status to `delivery` if `address_key` (trimmed, lower case, as
    /// the uniqueness rule compares) is still its address and nothing later is recorded.
    /// The version moves on: the contact's representation, and so its ETag, changed.
    pub(crate) async fn set_email_status(
        &self,
        tenant: &TenantId,
        client: ClientId,
        id: ContactId,
        address_key: &str,
        delivery: &EmailDelivery,
    ) -> StoreResult<StatusChange> {
        retry_planned(move || async move {
            let Some(item) = self.get(Self::contact_key(tenant, client, id)).await? else {
                return Ok(Attempt::Done(StatusChange::NoContact));
            };
            let current = ContactRecord::from_item(item)?.into_contact()?;
            if current.fields.email.as_ref().map(|e| e.key()).as_deref() != Some(address_key) {
                return Ok(Attempt::Done(StatusChange::NotItsAddress));
            }
            if let (Some(recorded), Some(at)) = (&current.email_delivery.at, &delivery.at) {
                if recorded >= at {
                    return Ok(Attempt::Done(StatusChange::Stale));
                }
            }
            let mut edit = UpdateExpr::new();
            edit.set("email_status", AttributeValue::S(delivery.status.as_str().into()));
            for (name, value) in
                [("email_status_at", &delivery.at), ("email_status_reason", &delivery.reason)]
            {
                match value {
                    Some(v) => edit.set(name, AttributeValue::S(v.clone())),
                    None => edit.remove(name),
                };
            }
            edit.increment("version", 1).value(":expected", n(current.audit.version));
            let update = edit
                .apply(Update::builder())
                .table_name(&self.table)
                .set_key(Some(Self::contact_key(tenant, client, id)))
                .condition_expression("version = :expected");
            match self.update_single(update).await {
                Ok(()) => Ok(Attempt::Done(StatusChange::Recorded)),
                Err(Some(e)) => Err(e),
                Err(None) => Ok(Attempt::Retry),
            }
        })
        .await
    }
}
