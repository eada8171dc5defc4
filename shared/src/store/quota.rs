//! A tenant's email quota record: one item per tenant holding its hourly send counts of the
//! last 24 hours (`domain::quota::SendWindow`), their total as of an hour (`used`,
//! `as_of_hour`) and a version. A change that needs the counts reads the item and writes it
//! back on condition that the version is still the one read, so concurrent requests cannot
//! together count past the limit: all but one of them find the version moved and try again on
//! fresh counts. Counting more emails in the hour the total was made needs no read
//! (`take_email_quota_in_hour`): no hour has left the window since, so the total is exact and
//! one conditional update both checks it against the limit and adds to it.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::tx::Item;
use super::{keys, Store};
use crate::domain::quota::{hour_of, leaves_window_at, SendWindow};
use crate::domain::TenantId;
use crate::store::error::{StoreError, StoreResult};

/// The quota as read: its counts and the version a write must still find.
pub(crate) struct QuotaRecord {
    pub window: SendWindow,
    /// 0 when the tenant has no record (yet, or again after its TTL).
    pub version: u64,
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn number<T: std::str::FromStr>(value: Option<&AttributeValue>) -> Option<T> {
    value.and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok())
}

impl Store {
    pub(crate) async fn email_quota(&self, tenant: &TenantId) -> StoreResult<QuotaRecord> {
        let key = Self::key(keys::quota_pk(tenant), keys::QUOTA_SK);
        let Some(item) = self.get(key).await? else {
            return Ok(QuotaRecord { window: SendWindow::default(), version: 0 });
        };
        let hours = item.get("hours").and_then(|v| v.as_m().ok()).into_iter().flatten();
        let window = SendWindow::from_hours(
            hours.filter_map(|(hour, count)| Some((hour.parse().ok()?, number(Some(count))?))),
        );
        let version =
            number(item.get("version")).ok_or_else(|| StoreError::internal("quota without version"))?;
        Ok(QuotaRecord { window, version })
    }

    /// Writes `window` as the tenant's quota if its version is still `read_version`; false
    /// when another request wrote it first. `limit` is recorded for the invariant checks; the
    /// item expires (TTL) when its newest hour leaves the window, or at `now` when it is empty.
    pub(crate) async fn save_email_quota(
        &self,
        tenant: &TenantId,
        read_version: u64,
        window: &SendWindow,
        limit: u32,
        now: i64,
    ) -> StoreResult<bool> {
        let hours: HashMap<String, AttributeValue> =
            window.hours().map(|(h, c)| (h.to_string(), n(c))).collect();
        let mut item: Item = Self::key(keys::quota_pk(tenant), keys::QUOTA_SK);
        item.extend([
            ("entity".to_owned(), AttributeValue::S("quota".into())),
            ("tenant_id".to_owned(), AttributeValue::S(tenant.as_str().to_owned())),
            ("hours".to_owned(), AttributeValue::M(hours)),
            ("daily_limit".to_owned(), n(limit)),
            ("used".to_owned(), n(window.used(now))),
            ("as_of_hour".to_owned(), n(hour_of(now))),
            ("version".to_owned(), n(read_version + 1)),
            ("expires_at".to_owned(), n(window.expires_at().unwrap_or(now))),
        ]);
        let put = self.db.put_item().table_name(&self.table).set_item(Some(item));
        let put = if read_version == 0 {
            put.condition_expression("attribute_not_exists(PK)")
        } else {
            put.condition_expression("version = :read").expression_attribute_values(":read", n(read_version))
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e) => match e.into_service_error() {
                PutItemError::ConditionalCheckFailedException(_) => Ok(false),
                other => Err(StoreError::failed("PutItem quota", other)),
            },
        }
    }

    /// Counts `wanted` emails in the current hour with one conditional update, if the record's
    /// total was made in this hour and `wanted` more fit under `limit`. False otherwise (no
    /// record, a total from an earlier hour, or not enough room): the caller reads the counts.
    pub(crate) async fn take_email_quota_in_hour(
        &self,
        tenant: &TenantId,
        wanted: u32,
        limit: u32,
        now: i64,
    ) -> StoreResult<bool> {
        let Some(room) = limit.checked_sub(wanted) else { return Ok(false) };
        let hour = hour_of(now);
        let update = self
            .db
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::quota_pk(tenant), keys::QUOTA_SK)))
            .update_expression(
                "SET hours.#hour = if_not_exists(hours.#hour, :zero) + :wanted, used = used + :wanted, \
                 version = version + :one, daily_limit = :limit, expires_at = :expires",
            )
            .condition_expression("as_of_hour = :hour AND used <= :room")
            .expression_attribute_names("#hour", hour.to_string())
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":wanted", n(wanted))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":limit", n(limit))
            .expression_attribute_values(":expires", n(leaves_window_at(hour)))
            .expression_attribute_values(":hour", n(hour))
            .expression_attribute_values(":room", n(room));
        match update.send().await {
            Ok(_) => Ok(true),
            Err(e) => match e.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(_) => Ok(false),
                other => Err(StoreError::failed("UpdateItem quota", other)),
            },
        }
    }
}
