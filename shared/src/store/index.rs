//! A contact's index items: what finds it without reading its neighbours.
//!
//! - a topic item per notification topic it receives, under its client:
//!   `PK = TENANT#{t}#CLIENT#{c}`, `SK = TOPIC#{topic}#{id}` (`entity: "topic"`), so a topic's
//!   recipients are one query of exactly them;
//! - a search item per folded term it is found by (last name, first name, email;
//!   `domain::lookup::terms`), in its tenant's search partition:
//!   `PK = TENANT#{t}#FIND`, `SK = {term}#{id}` (`entity: "find"`, `client_id`, `contact_id`),
//!   so a prefix search is one query of the matching terms.
//!
//! They are written in the transaction that writes the contact (add, import, a change that
//! moves them, delete), from the contact as it is written, so they match the contacts at every
//! commit. A contact has at most `MAX_INDEX_ITEMS` of them.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};

use super::items::ContactRecord;
use super::retry::{retry_planned, Attempt};
use super::s;
use super::tx::{Item, TxOutcome};
use super::{keys, Store};
use crate::domain::{lookup, ClientId, Contact, ContactId, NotificationTopic, TenantId};
use crate::store::error::{StoreError, StoreResult};

/// Index items of one contact at most: one per topic and one per term.
pub(crate) const MAX_INDEX_ITEMS: usize = NotificationTopic::ALL.len() + 3;

/// How many index items `contact` has.
pub(crate) fn index_count(contact: &Contact) -> usize {
    contact.fields.notifications.len() + lookup::terms(&contact.fields).len()
}

/// Every index item of `contact`, by key (`PK`, `SK`).
pub fn index_items(tenant: &TenantId, contact: &Contact) -> BTreeMap<(String, String), Item> {
    let mut items = BTreeMap::new();
    let mut add = |pk: String, sk: String, entity: &str| {
        let mut item = Store::key(pk.clone(), sk.clone());
        item.insert("entity".into(), s(entity));
        item.insert("client_id".into(), s(contact.client_id.to_string()));
        item.insert("contact_id".into(), s(contact.id.to_string()));
        items.insert((pk, sk), item);
    };
    for topic in &contact.fields.notifications {
        add(keys::contacts_pk(tenant, contact.client_id), keys::topic_sk(*topic, contact.id), "topic");
    }
    for term in lookup::terms(&contact.fields) {
        add(keys::find_pk(tenant), keys::find_sk(&term, contact.id), "find");
    }
    items
}

impl Store {
    /// The writes that take a contact's index items from what `before` needs to what `after`
    /// needs (`None`: no contact): puts of the new ones, deletes of the gone ones. They carry no
    /// condition: the contact's own write in the same transaction is the one that decides.
    /// Public for the benchmarks' raw operations, which send the same writes.
    pub fn index_writes(
        &self,
        tenant: &TenantId,
        before: Option<&Contact>,
        after: Option<&Contact>,
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let old = before.map(|c| index_items(tenant, c)).unwrap_or_default();
        let new = after.map(|c| index_items(tenant, c)).unwrap_or_default();
        let mut writes = Vec::new();
        for (key, item) in &new {
            if !old.contains_key(key) {
                let put = Put::builder().table_name(&self.table).set_item(Some(item.clone())).build();
                writes.push(TransactWriteItem::builder().put(put.map_err(StoreError::internal)?).build());
            }
        }
        for (pk, sk) in old.keys().filter(|key| !new.contains_key(*key)) {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(Self::key(pk.clone(), sk.clone())))
                .build()
                .map_err(StoreError::internal)?;
            writes.push(TransactWriteItem::builder().delete(delete).build());
        }
        Ok(writes)
    }
}

impl Store {
    /// The writes that take a contact's index items to another client: a put of every item
    /// `after` needs (a search item's key stays, but it names the new client) and deletes of the
    /// keys only `before` had (its topic items, under the old client). Unconditional, as above.
    pub(crate) fn index_moves(
        &self,
        tenant: &TenantId,
        before: &Contact,
        after: &Contact,
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let (old, new) = (index_items(tenant, before), index_items(tenant, after));
        let mut writes = Vec::new();
        for item in new.values() {
            let put = Put::builder().table_name(&self.table).set_item(Some(item.clone())).build();
            writes.push(TransactWriteItem::builder().put(put.map_err(StoreError::internal)?).build());
        }
        for (pk, sk) in old.keys().filter(|key| !new.contains_key(*key)) {
            let delete =
                Delete::builder().table_name(&self.table).set_key(Some(Self::key(pk.clone(), sk.clone())));
            writes.push(
                TransactWriteItem::builder().delete(delete.build().map_err(StoreError::internal)?).build(),
            );
        }
        Ok(writes)
    }

    /// Writes a contact's index items, name sort key and tenant-wide index key from the contact
    /// as stored, for contacts stored before they existed (`local-tools reindex`). The write is conditional on
    /// the version read, so a change in between wins and this plans again.
    pub async fn reindex_contact(
        &self,
        tenant: &TenantId,
        client: ClientId,
        id: ContactId,
    ) -> StoreResult<()> {
        retry_planned(move || async move {
            let Some(item) = self.get(Self::contact_key(tenant, client, id)).await? else {
                return Ok(Attempt::Done(()));
            };
            let contact = ContactRecord::from_item(item)?.into_contact()?;
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(Self::contact_key(tenant, client, id)))
                .update_expression("SET #name = :name, #tenant = :tenant")
                .condition_expression("version = :expected")
                .expression_attribute_names("#name", keys::NAME_SK)
                .expression_attribute_names("#tenant", keys::TENANT_CONTACTS)
                .expression_attribute_values(":name", s(lookup::name_key(&contact.fields)))
                .expression_attribute_values(":tenant", s(keys::tenant_contacts_pk(tenant)))
                .expression_attribute_values(
                    ":expected",
                    AttributeValue::N(contact.audit.version.to_string()),
                )
                .build()
                .map_err(StoreError::internal)?;
            let mut writes = vec![TransactWriteItem::builder().update(update).build()];
            writes.extend(self.index_writes(tenant, None, Some(&contact))?);
            Ok(match self.transact(writes).await? {
                TxOutcome::Committed => Attempt::Done(()),
                TxOutcome::Conflict | TxOutcome::Cancelled(_) => Attempt::Retry,
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ContactFields, ContactPatch, Email, Patch, Stamp, Text};

    fn contact(first: &str, email: &str, topics: Vec<NotificationTopic>) -> Contact {
        let stamp = Stamp { at: "2024-01-01T00:00:00Z".into(), by: "u".into() };
        let mut fields = ContactFields::create(ContactPatch {
            first_name: Patch::Set(Text::from_stored(first.into())),
            last_name: Patch::Set(Text::from_stored("Lovelace".into())),
            email: Patch::Set(Email::parse(email).expect("valid")),
            ..ContactPatch::default()
        })
        .expect("valid fields");
        fields.notifications = topics;
        Contact::new(ContactId::generate(), ClientId::generate(), fields, &stamp)
    }

    #[test]
    fn a_contact_has_a_topic_item_per_topic_and_a_search_item_per_term() {
        let tenant = TenantId::parse("t1").expect("valid");
        let ada = contact("Åda", "ada@x.test", vec![NotificationTopic::Invoice]);

        let keys: Vec<(String, String)> = index_items(&tenant, &ada).into_keys().collect();

        let pk = format!("TENANT#t1#CLIENT#{}", ada.client_id);
        let id = ada.id;
        assert_eq!(
            keys,
            [
                (pk, format!("TOPIC#invoice#{id}")),
                ("TENANT#t1#FIND".to_owned(), format!("ada#{id}")),
                ("TENANT#t1#FIND".to_owned(), format!("ada@x.test#{id}")),
                ("TENANT#t1#FIND".to_owned(), format!("lovelace#{id}")),
            ]
        );
    }

    #[test]
    fn a_change_writes_only_the_index_items_that_move() {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .build();
        let store = Store::new(aws_sdk_dynamodb::Client::from_conf(config), "t");
        let tenant = TenantId::parse("t1").expect("valid");
        let before = contact("Ada", "ada@x.test", vec![NotificationTopic::Invoice]);
        let mut after = before.clone();
        after.fields.notifications = vec![NotificationTopic::Invoice, NotificationTopic::Ticket];

        let writes = store.index_writes(&tenant, Some(&before), Some(&after)).expect("planned");

        assert_eq!(writes.len(), 1);
        assert!(writes[0].put().is_some());
        assert_eq!(store.index_writes(&tenant, Some(&before), None).expect("planned").len(), 4);
    }
}
