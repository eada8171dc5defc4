//! The DynamoDB store: one table, every multi-item change one conditional transaction.

mod activity;
pub mod activity_changes;
mod batch_get;
mod clients;
mod contacts;
mod custom_fields;
pub mod deletions;
pub mod duplicates;
mod email_claims;
pub mod error;
mod exports;
pub mod idempotency;
pub mod index;
mod invites;
pub mod items;
pub mod keys;
mod lookup;
mod merge_history;
mod notes;
mod plain;
pub mod quota;
pub mod retry;
mod settings;
pub mod settings_cache;
mod stamp;
pub mod sweep;
mod tags;
mod tasks;
pub mod tx;
mod update_expr;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client as DynamoClient;

pub use clients::ClientFilter;
pub use contacts::{
    batch_lengths, Archived, ArchivedContact, Browse, BrowseOrder, ContactFilter, CustomFilter, MergeOutcome,
    RenderRecord, StatusChange, TenantContact, Updated, ARCHIVED_ENTITY, BATCH_ROWS, MAX_BROWSE_CLIENTS,
};
pub use error::{StoreError, StoreResult};
pub use idempotency::{Created, Idempotency, IdempotentRequest, Recorded};
pub use invites::{gone, Gone, InviteRecord, NewInvite};
pub use tags::TagRemoval;
pub use tasks::TaskFilter;

use tx::Item;

/// A string attribute: the one spelling every store module uses.
fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute, likewise.
fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A string attribute's text, if the item has it.
fn text_of<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

/// The key of an item read whole.
fn key_of(item: &Item) -> Item {
    let text = |name| text_of(item, name).unwrap_or_default().to_owned();
    Store::key(text(keys::PK), text(keys::SK))
}

#[derive(Clone)]
pub struct Store {
    db: DynamoClient,
    table: String,
    /// Days before support ends that the reminder is due (`SUPPORT_REMINDER_DAYS`).
    reminder_days: u32,
    settings_cache: settings_cache::SettingsCache,
}

/// One page of a list: the items and, when more follow, the sort key to continue after.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub last_sort_key: Option<String>,
}

impl Store {
    pub fn new(db: DynamoClient, table: impl Into<String>) -> Self {
        Self { db, table: table.into(), reminder_days: 14, settings_cache: Default::default() }
    }

    pub(crate) fn with_reminder_days(mut self, days: u32) -> Self {
        self.reminder_days = days;
        self
    }

    /// The sweep index keys (`GSI1PK`, `GSI1SK`) for a contact in this state, if it is sweepable.
    pub(crate) fn sweep_index(
        &self,
        tenant: &crate::domain::TenantId,
        contact: &crate::domain::Contact,
        reminded_for: Option<time::Date>,
    ) -> Option<(String, String)> {
        use crate::domain::sweep::{sweep_partition, SweepKey};
        let key = SweepKey::next(
            contact.portal.status,
            contact.fields.support_end,
            reminded_for,
            self.reminder_days,
        )?;
        Some((sweep_partition(contact.id), key.sort_key(tenant, contact.client_id, contact.id)))
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn dynamo(&self) -> &DynamoClient {
        &self.db
    }

    fn key(pk: String, sk: impl Into<String>) -> Item {
        Item::from([
            (keys::PK.to_owned(), AttributeValue::S(pk)),
            (keys::SK.to_owned(), AttributeValue::S(sk.into())),
        ])
    }

    /// A strongly consistent read of one item.
    async fn get(&self, key: Item) -> StoreResult<Option<Item>> {
        let out = self
            .db
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::failed("GetItem", e.into_service_error()))?;
        Ok(out.item)
    }

    /// One page of the items of partition `pk` (those whose sort keys start with `prefix`, when
    /// given) after the sort key `after`, in sort key order (`forward`) or the reverse: the
    /// items and the sort key to go on after, if more may follow.
    async fn partition_page(
        &self,
        (pk, prefix): (&str, Option<&str>),
        limit: i32,
        after: Option<String>,
        forward: bool,
    ) -> StoreResult<Page<Item>> {
        let mut values = Item::from([(":pk".to_owned(), AttributeValue::S(pk.to_owned()))]);
        let condition = match prefix {
            Some(prefix) => {
                values.insert(":prefix".to_owned(), AttributeValue::S(prefix.to_owned()));
                "PK = :pk AND begins_with(SK, :prefix)"
            }
            None => "PK = :pk",
        };
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression(condition)
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(forward)
            .limit(limit)
            .set_exclusive_start_key(after.map(|sk| Self::key(pk.to_owned(), sk)))
            .send()
            .await
            .map_err(|e| StoreError::failed("Query", e.into_service_error()))?;
        let last_sort_key = last_sort_key(out.last_evaluated_key());
        Ok(Page { items: out.items.unwrap_or_default(), last_sort_key })
    }

    /// Writes a new item on its own: an internal error if its key exists (ids are new ULIDs).
    async fn create(&self, item: Item) -> StoreResult<()> {
        self.db
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| StoreError::failed("PutItem", e.into_service_error()))?;
        Ok(())
    }

    /// A put that only creates: fails its condition if the key exists.
    fn put_new(&self, item: Item) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

pub(crate) fn last_sort_key(key: Option<&Item>) -> Option<String> {
    key.and_then(|k| k.get(keys::SK)).and_then(|v| v.as_s().ok()).cloned()
}
