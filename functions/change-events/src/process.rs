//! One batch of stream records, in order: publish each record's events, write its activity,
//! erase what its deletion erases. The first record that fails is reported (with every record
//! after it, which the event source mapping then delivers again in order), so one shard's
//! records are never published out of order.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use serde::Serialize;
use time::OffsetDateTime;

use crate::map::{map, DomainEvent, Item, StreamChange};
use shared::config::{EventsConfig, InternalNotes};
use shared::store::Store;

/// The `source` of every event the service publishes.
pub const SOURCE: &str = "client-contacts";

/// Lambda's partial batch response for a stream event source.
#[derive(Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse {
    pub batch_item_failures: Vec<ItemFailure>,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ItemFailure {
    /// The failed record's sequence number.
    pub item_identifier: String,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub struct Processor {
    pub store: Store,
    pub events: aws_sdk_eventbridge::Client,
    pub bus: String,
    pub retention_days: u32,
    pub internal_notes: InternalNotes,
}

fn image(item: serde_dynamo::Item) -> Option<Item> {
    let item: Item = item.into();
    (!item.is_empty()).then_some(item)
}

/// A record of a Lambda DynamoDB event as the mapping reads it, with its sequence number.
pub fn stream_change(record: EventRecord) -> (String, StreamChange) {
    let change = record.change;
    let written_at = OffsetDateTime::from_unix_timestamp(change.approximate_creation_date_time.timestamp())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let sequence = change.sequence_number.unwrap_or_default();
    let change = StreamChange {
        event_id: record.event_id,
        old: image(change.old_image),
        new: image(change.new_image),
        written_at,
    };
    (sequence, change)
}

impl Processor {
    /// Reads its configuration from the environment (`shared::config::EventsConfig`).
    pub async fn from_env() -> Result<Self, BoxError> {
        let config = EventsConfig::from_env()?;
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Ok(Self {
            store: Store::new(aws_sdk_dynamodb::Client::new(&aws), config.table_name),
            events: aws_sdk_eventbridge::Client::new(&aws),
            bus: config.bus_name,
            retention_days: config.activity_retention_days,
            internal_notes: config.internal_notes,
        })
    }

    /// Handles a Lambda DynamoDB stream event.
    pub async fn handle(&self, event: Event) -> BatchResponse {
        self.process(event.records.into_iter().map(stream_change).collect()).await
    }

    /// Handles an event given as JSON (as Lambda's runtime hands it over), answering JSON.
    pub async fn invoke_json(&self, event: serde_json::Value) -> Result<serde_json::Value, String> {
        let event: Event =
            serde_json::from_value(event).map_err(|e| format!("not a DynamoDB stream event: {e}"))?;
        serde_json::to_value(self.handle(event).await).map_err(|e| e.to_string())
    }

    /// Handles records in order; the first one that fails and all after it are reported.
    pub async fn process(&self, records: Vec<(String, StreamChange)>) -> BatchResponse {
        let mut response = BatchResponse::default();
        for (at, (sequence, change)) in records.iter().enumerate() {
            if let Err(error) = self.one(change).await {
                tracing::error!(event_id = %change.event_id, sequence = %sequence, error = %error, "stream record failed");
                response.batch_item_failures = records[at..]
                    .iter()
                    .map(|(sequence, _)| ItemFailure { item_identifier: sequence.clone() })
                    .collect();
                break;
            }
        }
        response
    }

    async fn one(&self, change: &StreamChange) -> Result<(), BoxError> {
        let mapped = map(change, self.internal_notes)?;
        self.publish(&mapped.events).await?;
        for activity in &mapped.activity {
            self.store.put_activity_change(activity, self.retention_days).await?;
        }
        if !self.moved_away(&mapped).await? {
            if let Some((tenant, contact)) = &mapped.erase_activity_of {
                self.store.erase_activity(tenant, *contact).await?;
            }
            if let Some((tenant, contact, tags)) = &mapped.erase_tags_of {
                self.store.erase_tag_members(tenant, *contact, tags).await?;
            }
        }
        if let Some((tenant, old, new)) = &mapped.duplicate_keys {
            self.store.sync_duplicate_keys(tenant, old.as_ref(), new.as_ref()).await?;
        }
        if let Some((tenant, contact, clients)) = &mapped.rehome {
            self.store.rehome_activity(tenant, *contact, *clients).await?;
        }
        if let Some((tenant, merged, survivor)) = &mapped.merge_history {
            self.store.merge_history(tenant, *merged, *survivor, None).await?;
        }
        for event in &mapped.events {
            tracing::info!(id = %event.id, kind = event.kind, tenant = %event.tenant_id, "event published");
        }
        Ok(())
    }

    /// Whether a contact item's removal was its move to another client (whose history and tags
    /// follow it), not its deletion: the move's transaction wrote a record of that version.
    async fn moved_away(&self, mapped: &crate::map::Mapped) -> Result<bool, BoxError> {
        let (Some((client, version)), Some((tenant, contact))) = (mapped.removed, &mapped.erase_activity_of)
        else {
            return Ok(false);
        };
        Ok(self.store.was_moved(tenant, (client, *contact), version).await?)
    }

    async fn publish(&self, events: &[DomainEvent]) -> Result<(), BoxError> {
        // PutEvents takes at most 10 entries; one record makes at most 3.
        for chunk in events.chunks(10) {
            let entries = chunk
                .iter()
                .map(|e| {
                    PutEventsRequestEntry::builder()
                        .event_bus_name(&self.bus)
                        .source(SOURCE)
                        .detail_type(e.kind)
                        .detail(e.detail().to_string())
                        .build()
                })
                .collect();
            let out = self.events.put_events().set_entries(Some(entries)).send().await?;
            if out.failed_entry_count() > 0 {
                let codes: Vec<_> = out.entries().iter().filter_map(|e| e.error_code()).collect();
                return Err(
                    format!("PutEvents refused {} entries: {codes:?}", out.failed_entry_count()).into()
                );
            }
        }
        Ok(())
    }
}
