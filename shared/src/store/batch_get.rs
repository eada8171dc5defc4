//! Reading many items by key for imports: who owns which email addresses (`email_claims`)
//! and the current state of the contacts a file updates, 100 keys per `BatchGetItem` instead
//! of one `GetItem` per row.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::KeysAndAttributes;

use super::items::ContactRecord;
use super::retry::{retry_from, Attempt, Backoff, Retry};
use super::tx::Item;
use super::Store;
use crate::domain::{ClientId, Contact, ContactId, TenantId};
use crate::store::error::{StoreError, StoreResult};

/// BatchGetItem takes at most 100 keys.
const BATCH: usize = 100;
/// Requests per chunk of keys before giving up: DynamoDB leaves keys unprocessed when it is
/// throttled, and asking forever would hold the function until its timeout. With the contention
/// backoff growing to about 0.3 s, eight attempts wait about a second at most.
const BATCH_GET_ATTEMPTS: Retry = Retry { attempts: 8, backoff: Backoff::Contention };

impl Store {
    /// The contacts of any clients of the tenant among `contacts` (client, contact) that exist,
    /// by client then contact id: one `BatchGetItem` per 100.
    pub(crate) async fn contacts_at(
        &self,
        tenant: &TenantId,
        contacts: impl IntoIterator<Item = (ClientId, ContactId)>,
    ) -> StoreResult<Vec<Contact>> {
        let keys = contacts.into_iter().map(|(client, id)| Self::contact_key(tenant, client, id)).collect();
        let mut found = (self.batch_get(keys).await?.into_iter())
            .map(|item| ContactRecord::from_item(item)?.into_contact())
            .collect::<StoreResult<Vec<_>>>()?;
        found.sort_by_key(|c| (c.client_id, c.id));
        Ok(found)
    }

    /// The contacts of one client among `ids` that exist, by id.
    pub(crate) async fn get_contacts(
        &self,
        tenant: &TenantId,
        client: ClientId,
        ids: &[ContactId],
    ) -> StoreResult<HashMap<ContactId, Contact>> {
        let keys = ids.iter().map(|id| Self::contact_key(tenant, client, *id)).collect();
        let mut contacts = HashMap::new();
        for item in self.batch_get(keys).await? {
            let contact = ContactRecord::from_item(item)?.into_contact()?;
            contacts.insert(contact.id, contact);
        }
        Ok(contacts)
    }

    /// Every item of `keys` that exists (consistent reads), in no particular order; 503
    /// `store-busy` when DynamoDB still leaves keys unprocessed after `BATCH_GET_ATTEMPTS`.
    pub(super) async fn batch_get(&self, keys: Vec<Item>) -> StoreResult<Vec<Item>> {
        let mut found = Vec::new();
        for chunk in keys.chunks(BATCH) {
            // What each attempt starts from: the keys still to read, and the items read so far.
            let attempt = move |(pending, mut read): (Vec<Item>, Vec<Item>)| async move {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(pending))
                    .consistent_read(true)
                    .build()
                    .map_err(StoreError::internal)?;
                let out = self
                    .db
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| StoreError::failed("BatchGetItem", e.into_service_error()))?;
                read.extend(out.responses.unwrap_or_default().remove(&self.table).unwrap_or_default());
                // Keys DynamoDB did not get to (throttling, size): ask again after a pause.
                let pending = out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .map(|k| k.keys)
                    .unwrap_or_default();
                Ok(if pending.is_empty() { Attempt::Done(read) } else { Attempt::RetryFrom((pending, read)) })
            };
            let give_up = |(pending, _): (Vec<Item>, Vec<Item>)| {
                tracing::warn!(unprocessed = pending.len(), "BatchGetItem keys still unprocessed; giving up");
                Err(StoreError::Busy)
            };
            found.extend(
                retry_from(BATCH_GET_ATTEMPTS, (chunk.to_vec(), Vec::new()), attempt, give_up).await?,
            );
        }
        Ok(found)
    }
}
