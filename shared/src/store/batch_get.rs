//! Reading many items by key for imports: who owns which email addresses (the marker items)
//! and the current state of the contacts a file updates, 100 keys per `BatchGetItem` instead
//! of one `GetItem` per row.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::KeysAndAttributes;

use super::items::ContactRecord;
use super::tx::{backoff, Item};
use super::{keys, Store};
use crate::domain::{ClientId, Contact, ContactId, DomainError, DomainResult, TenantId};

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
        let keys =
            email_keys.iter().map(|k| Self::key(format!("{prefix}{k}"), keys::EMAIL_MARKER_SK)).collect();
        let mut owners = HashMap::new();
        for item in self.batch_get(keys).await? {
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            let key = text(keys::PK).strip_prefix(&prefix).map(str::to_owned);
            let owner = ClientId::parse(&text("client_id")).zip(ContactId::parse(&text("contact_id")));
            if let (Some(key), Some(owner)) = (key, owner) {
                owners.insert(key, owner);
            }
        }
        Ok(owners)
    }

    /// The contacts of one client among `ids` that exist, by id.
    pub async fn get_contacts(
        &self,
        tenant: &TenantId,
        client: ClientId,
        ids: &[ContactId],
    ) -> DomainResult<HashMap<ContactId, Contact>> {
        let keys = ids.iter().map(|id| Self::contact_key(tenant, client, *id)).collect();
        let mut contacts = HashMap::new();
        for item in self.batch_get(keys).await? {
            let contact = ContactRecord::from_item(item)?.into_contact()?;
            contacts.insert(contact.id, contact);
        }
        Ok(contacts)
    }

    /// Every item of `keys` that exists (consistent reads), in no particular order.
    async fn batch_get(&self, keys: Vec<Item>) -> DomainResult<Vec<Item>> {
        let mut found = Vec::new();
        for chunk in keys.chunks(BATCH) {
            let mut pending: Vec<Item> = chunk.to_vec();
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
                found.extend(out.responses.unwrap_or_default().remove(&self.table).unwrap_or_default());
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
        Ok(found)
    }
}
