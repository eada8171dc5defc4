//! Who owns which email addresses: the marker items, read in batches for imports.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::KeysAndAttributes;

use super::tx::{backoff, Item};
use super::{keys, Store};
use crate::domain::{ClientId, ContactId, DomainError, DomainResult, TenantId};

/// BatchGetItem takes at most 100 keys.
const BATCH: usize = 100;

impl Store {
    /// The owner (client, contact) of each lowercased email key that has one.
    pub async fn email_owners(
        &self,
        tenant: &TenantId,
        email_keys: &[String],
    ) -> DomainResult<HashMap<String, (ClientId, ContactId)>> {
        let prefix = format!("TENANT#{tenant}#EMAIL#");
        let mut owners = HashMap::new();
        for chunk in email_keys.chunks(BATCH) {
            let mut pending: Vec<Item> =
                chunk.iter().map(|k| Self::key(format!("{prefix}{k}"), keys::EMAIL_MARKER_SK)).collect();
            let mut attempt = 0;
            while !pending.is_empty() {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(pending))
                    .consistent_read(true)
                    .build()
                    .map_err(DomainError::internal)?;
                let out = self.db.batch_get_item().request_items(&self.table, request).send().await.map_err(
                    |e| DomainError::internal(format!("BatchGetItem: {}", e.into_service_error())),
                )?;
                for item in out.responses.unwrap_or_default().remove(&self.table).unwrap_or_default() {
                    let text =
                        |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                    let key = text(keys::PK).strip_prefix(&prefix).map(str::to_owned);
                    let owner =
                        ClientId::parse(&text("client_id")).zip(ContactId::parse(&text("contact_id")));
                    if let (Some(key), Some(owner)) = (key, owner) {
                        owners.insert(key, owner);
                    }
                }
                // Keys DynamoDB did not get to (throttling, size): ask again after a pause.
                pending = out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .map(|k| k.keys)
                    .unwrap_or_default();
                if !pending.is_empty() {
                    backoff(attempt).await;
                    attempt += 1;
                }
            }
        }
        Ok(owners)
    }
}
