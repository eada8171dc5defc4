//! `Idempotency-Key` support: the first result of a creating request is stored in the same
//! transaction as what it created, so a retry can only ever see "nothing happened" or "done".
//! The store keeps that result opaque: the layer that answered records it and renders it again.

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use serde::{Deserialize, Serialize};
use serde_dynamo::{from_item, to_item};

use super::keys;
use super::tx::Item;
use super::Store;
use crate::domain::TenantId;
use crate::store::error::{StoreError, StoreResult};

/// Records live for 24 hours (TTL attribute `expires_at`, epoch seconds).
pub(crate) const RETENTION_SECS: i64 = 24 * 60 * 60;

/// The key a client sent and a fingerprint of the request it sent it with.
#[derive(Debug, Clone)]
pub struct IdempotentRequest {
    pub key: String,
    pub fingerprint: String,
}

/// What a creating request first answered, as its caller recorded it; stored as given and
/// handed back unread for a replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Recorded(pub serde_json::Value);

/// An idempotent creating request: its key, the result to record (or how to render it from
/// what gets created), and the current time for the record's expiry.
pub struct Idempotency<'a, R> {
    pub request: &'a IdempotentRequest,
    pub record: R,
    pub now_epoch: i64,
}

pub enum Created<T> {
    New(T),
    Replayed(Recorded),
}

#[derive(Serialize, Deserialize)]
struct Record {
    fingerprint: String,
    response: Recorded,
    expires_at: i64,
}

impl Store {
    /// The transaction item recording `response` under the request's key. It fails its condition
    /// when a live record exists; `replay` then explains the cancellation.
    pub(crate) fn idempotency_put(
        &self,
        tenant: &TenantId,
        request: &IdempotentRequest,
        response: Recorded,
        now_epoch: i64,
    ) -> StoreResult<TransactWriteItem> {
        let record = Record {
            fingerprint: request.fingerprint.clone(),
            response,
            expires_at: now_epoch + RETENTION_SECS,
        };
        let mut item: Item = to_item(&record).map_err(StoreError::internal)?;
        item.insert(keys::PK.into(), AttributeValue::S(keys::idempotency_pk(tenant, &request.key)));
        item.insert(keys::SK.into(), AttributeValue::S(keys::IDEMPOTENCY_SK.into()));
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            // TTL deletion is lazy: an expired record may still be there and must not count.
            .condition_expression("attribute_not_exists(PK) OR expires_at < :now")
            .expression_attribute_values(":now", AttributeValue::N(now_epoch.to_string()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

/// The record a contact was created by, which holds its first response (and so its personal
/// data): the contact keeps its key and expiry (`idempotency_pk`, `idempotency_expires_at`),
/// so deleting the contact erases it.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedBy {
    pub pk: String,
    pub expires_at: i64,
}

/// A record this close to its expiry may be replaced by a new request with its key while a
/// delete is in flight; it is erased apart, only if it is still the contact's.
const REPLACEABLE_WITHIN_SECS: i64 = 60;

impl CreatedBy {
    pub(crate) fn of(tenant: &TenantId, request: &IdempotentRequest, now_epoch: i64) -> Self {
        Self { pk: keys::idempotency_pk(tenant, &request.key), expires_at: now_epoch + RETENTION_SECS }
    }

    /// The contact's attributes naming the record.
    pub(crate) fn attributes(&self) -> [(String, AttributeValue); 2] {
        [
            ("idempotency_pk".to_owned(), AttributeValue::S(self.pk.clone())),
            ("idempotency_expires_at".to_owned(), AttributeValue::N(self.expires_at.to_string())),
        ]
    }

    /// Whether the record is surely still the contact's: a live record cannot be replaced.
    pub(crate) fn live_at(&self, now_epoch: i64) -> bool {
        self.expires_at > now_epoch + REPLACEABLE_WITHIN_SECS
    }

    fn key(&self) -> Item {
        Item::from([
            (keys::PK.to_owned(), AttributeValue::S(self.pk.clone())),
            (keys::SK.to_owned(), AttributeValue::S(keys::IDEMPOTENCY_SK.into())),
        ])
    }
}

impl Store {
    /// The transaction item erasing a live record (it cannot have been replaced).
    pub(crate) fn idempotency_erase(&self, record: &CreatedBy) -> StoreResult<TransactWriteItem> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(record.key()))
            .build()
            .map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// Erases an expired record that TTL has not removed yet, unless a new request has
    /// replaced it (then it holds another contact's response, which stays).
    pub(crate) async fn erase_expired_idempotency(&self, record: &CreatedBy) -> StoreResult<()> {
        let out = self
            .db
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(record.key()))
            .condition_expression("expires_at = :expires")
            .expression_attribute_values(":expires", AttributeValue::N(record.expires_at.to_string()))
            .send()
            .await;
        match out {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Ok(())
            }
            Err(e) => Err(StoreError::failed("DeleteItem", e.into_service_error())),
        }
    }
}

/// What an existing record means for this request: the same request is answered with the first
/// response; a different one reusing the key is refused.
pub(crate) fn replay(old: Option<Item>, request: &IdempotentRequest) -> StoreResult<Recorded> {
    let item = old.ok_or_else(|| StoreError::internal("idempotency record vanished"))?;
    let record: Record = from_item(item).map_err(StoreError::internal)?;
    if record.fingerprint == request.fingerprint {
        Ok(record.response)
    } else {
        Err(StoreError::IdempotencyKeyReused)
    }
}
