//! A contact's change activity, written from the table's stream (`change-events`): what changed
//! (field names, no values) and portal status moves. The items share the activity partition of
//! the contact, `PK = TENANT#{t}#CONTACT#{contactId}#ACTIVITY`,
//! `SK = AT#{at, RFC 3339 UTC with milliseconds}#{suffix}`, with `expires_at` for TTL.
//! A put is keyed by the stream record it came from, so a redelivered record writes the same
//! item again (a plain PutItem is idempotent by key). Deleting a contact erases its partition.

use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, WriteRequest};
use time::OffsetDateTime;

use super::keys;
use super::retry::{retry_from, Attempt, Backoff, Retry};
use super::s;
use super::tx::Item;
use super::Store;
use crate::domain::{ClientId, ContactId, TenantId};
use crate::store::error::{StoreError, StoreResult};

// One spelling of the partition, the time and the retention, shared with the activity the
// service writes itself (`store::activity`).
pub use super::keys::activity_pk;
pub use crate::domain::activity::{activity_time, DEFAULT_RETENTION_DAYS};

/// Items `first_activity` reads at once: one batch of deletions.
const FIRST_ACTIVITY: i32 = 25;

/// Requests of a batch of deletions before giving up while DynamoDB leaves some unprocessed,
/// waiting 20 ms after the first, doubling.
const DELETE_ATTEMPTS: Retry = Retry { attempts: 8, backoff: Backoff::Doubling(Duration::from_millis(20)) };

/// What changed, as an activity item says it.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeKind {
    /// `kind = fields_changed`, `fields`: the names of the changed fields.
    FieldsChanged(Vec<String>),
    /// `kind = portal_status`, `from`, `to`.
    PortalStatus {
        from: String,
        to: String,
    },
    /// `kind = archived`, or `restored`: nothing more.
    Archived,
    Restored,
}

/// One activity item of a contact.
#[derive(Debug, Clone)]
pub struct ActivityChange {
    pub tenant: TenantId,
    pub client: ClientId,
    pub contact: ContactId,
    pub at: OffsetDateTime,
    /// Unique within the contact's activity at `at`: the stream record's id (and, when one
    /// record gives two items, the kind).
    pub suffix: String,
    pub actor: Option<String>,
    pub kind: ChangeKind,
}

impl ActivityChange {
    pub fn item(&self, retention_days: u32) -> Item {
        let at = activity_time(self.at);
        let expires = self.at.unix_timestamp() + i64::from(retention_days) * 86_400;
        let mut item = Item::from([
            (keys::PK.to_owned(), s(activity_pk(&self.tenant, self.contact))),
            (keys::SK.to_owned(), s(format!("AT#{at}#{}", self.suffix))),
            ("entity".to_owned(), s("activity")),
            ("tenant_id".to_owned(), s(self.tenant.to_string())),
            ("client_id".to_owned(), s(self.client.to_string())),
            ("contact_id".to_owned(), s(self.contact.to_string())),
            ("at".to_owned(), s(at)),
            ("expires_at".to_owned(), AttributeValue::N(expires.to_string())),
        ]);
        if let Some(actor) = &self.actor {
            item.insert("actor".to_owned(), s(actor));
        }
        match &self.kind {
            ChangeKind::FieldsChanged(fields) => {
                item.insert("kind".to_owned(), s("fields_changed"));
                item.insert("fields".to_owned(), AttributeValue::L(fields.iter().map(s).collect()));
            }
            ChangeKind::PortalStatus { from, to } => {
                item.insert("kind".to_owned(), s("portal_status"));
                item.insert("from".to_owned(), s(from));
                item.insert("to".to_owned(), s(to));
            }
            ChangeKind::Archived => {
                item.insert("kind".to_owned(), s("archived"));
            }
            ChangeKind::Restored => {
                item.insert("kind".to_owned(), s("restored"));
            }
        }
        item
    }
}

impl Store {
    /// Writes one activity item (again, with the same key and content, on a redelivery).
    pub async fn put_activity_change(&self, change: &ActivityChange, retention_days: u32) -> StoreResult<()> {
        self.db
            .put_item()
            .table_name(&self.table)
            .set_item(Some(change.item(retention_days)))
            .send()
            .await
            .map_err(|e| StoreError::failed("PutItem", e.into_service_error()))?;
        Ok(())
    }

    /// Points every activity item of a moved contact that names the client `from` (its notes,
    /// tasks and the system's entries) at the client `to`; returns how many. Each write is
    /// conditional on still naming `from`, so repeating it, or a later move, is safe.
    pub async fn rehome_activity(
        &self,
        tenant: &TenantId,
        contact: ContactId,
        (from, to): (ClientId, ClientId),
    ) -> StoreResult<usize> {
        let pk = activity_pk(tenant, contact);
        let (mut moved, mut start) = (0, None);
        loop {
            let page = self
                .db
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk")
                .filter_expression("client_id = :from")
                .expression_attribute_values(":pk", s(&pk))
                .expression_attribute_values(":from", s(from.to_string()))
                .projection_expression("PK, SK")
                .consistent_read(true)
                .limit(100)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::failed("Query", e.into_service_error()))?;
            for key in page.items.unwrap_or_default() {
                let updated = self
                    .db
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(key))
                    .update_expression("SET client_id = :to")
                    .condition_expression("client_id = :from")
                    .expression_attribute_values(":from", s(from.to_string()))
                    .expression_attribute_values(":to", s(to.to_string()))
                    .send()
                    .await;
                match updated.map_err(|e| e.into_service_error()) {
                    Ok(_) => moved += 1,
                    Err(e) if e.is_conditional_check_failed_exception() => {}
                    Err(e) => return Err(StoreError::failed("UpdateItem", e)),
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(moved);
            }
        }
    }

    /// The first `FIRST_ACTIVITY` items of a contact's activity partition as it is now (a
    /// consistent read), with the attributes `projection` names (all without one): for the
    /// work that removes each item it handles, and so reads from the start again.
    pub(super) async fn first_activity(
        &self,
        tenant: &TenantId,
        contact: ContactId,
        projection: Option<&str>,
    ) -> StoreResult<Vec<Item>> {
        let page = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(activity_pk(tenant, contact)))
            .set_projection_expression(projection.map(str::to_owned))
            .consistent_read(true)
            .limit(FIRST_ACTIVITY)
            .send()
            .await
            .map_err(|e| StoreError::failed("Query", e.into_service_error()))?;
        Ok(page.items.unwrap_or_default())
    }

    /// Erases every activity item of a contact (all kinds, whoever wrote them); returns how
    /// many. Safe to repeat.
    pub async fn erase_activity(&self, tenant: &TenantId, contact: ContactId) -> StoreResult<usize> {
        let mut erased = 0;
        loop {
            let keys = self.first_activity(tenant, contact, Some("PK, SK")).await?;
            if keys.is_empty() {
                return Ok(erased);
            }
            erased += keys.len();
            self.delete_keys(keys).await?;
        }
    }

    /// Deletes up to 25 items by key, sending again what a batch leaves unprocessed; `StoreBusy`
    /// when DynamoDB still leaves some after `DELETE_ATTEMPTS`.
    pub(crate) async fn delete_keys(&self, keys: Vec<Item>) -> StoreResult<()> {
        let requests: Vec<WriteRequest> = keys
            .into_iter()
            .map(|key| {
                let delete =
                    DeleteRequest::builder().set_key(Some(key)).build().map_err(StoreError::internal)?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<StoreResult<_>>()?;
        // What each attempt starts from: the deletions DynamoDB has not processed yet.
        let attempt = move |requests: Vec<WriteRequest>| async move {
            let out = self
                .db
                .batch_write_item()
                .request_items(&self.table, requests)
                .send()
                .await
                .map_err(|e| StoreError::failed("BatchWriteItem", e.into_service_error()))?;
            let left = out.unprocessed_items.and_then(|mut u| u.remove(&self.table)).unwrap_or_default();
            Ok(if left.is_empty() { Attempt::Done(()) } else { Attempt::RetryFrom(left) })
        };
        // Still unprocessed after the bounded attempts: DynamoDB is throttling, as a batch read's
        // unprocessed keys are (`batch_get`), not a lost race.
        retry_from(DELETE_ATTEMPTS, requests, attempt, |_| Err(StoreError::Busy)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_activity_time_has_exactly_three_fraction_digits_in_utc() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_795_860_000_123_456_789).unwrap();
        assert_eq!(activity_time(at), "2026-11-28T10:00:00.123Z");
        let whole = OffsetDateTime::from_unix_timestamp(1_795_860_000).unwrap();
        assert_eq!(activity_time(whole), "2026-11-28T10:00:00.000Z");
    }

    #[test]
    fn an_activity_item_expires_after_the_retention_and_names_its_contact() {
        let change = ActivityChange {
            tenant: TenantId::parse("acme").unwrap(),
            client: ClientId::parse("01JC0000000000000000000000").unwrap(),
            contact: ContactId::parse("01JD0000000000000000000000").unwrap(),
            at: OffsetDateTime::from_unix_timestamp(1_795_860_000).unwrap(),
            suffix: "ev1".into(),
            actor: None,
            kind: ChangeKind::PortalStatus { from: "invited".into(), to: "active".into() },
        };
        let item = change.item(2);
        assert_eq!(item["PK"], s("TENANT#acme#CONTACT#01JD0000000000000000000000#ACTIVITY"));
        assert_eq!(item["SK"], s("AT#2026-11-28T10:00:00.000Z#ev1"));
        assert_eq!(item["expires_at"], AttributeValue::N((1_795_860_000 + 2 * 86_400).to_string()));
        assert_eq!(item["kind"], s("portal_status"));
        assert!(!item.contains_key("actor"));
    }
}
