//! Duplicate keys (`domain::duplicates`): an item per key of each contact, in its tenant's
//! partition `PK = TENANT#{t}#DUPKEYS`, `SK = {rule}#{key}#{contact id}` (`entity:
//! "duplicate_key"`, `rule`, `client_id`, `contact_id`), so the contacts sharing a key are
//! adjacent and the tenant's candidates are one query in key order, never a scan of contacts.
//!
//! `change-events` writes them from each contact's stream record (its old and new image), so
//! no API write carries them: a contact's keys follow its changes within seconds, and a list
//! checks each pair against the contacts as they are now.

use std::collections::BTreeMap;

use super::tx::Item;
use super::{keys, n, s, Store};
use crate::domain::duplicates::{self, DuplicateRule};
use crate::domain::{ClientId, Contact, ContactId, TenantId};
use crate::store::error::{StoreError, StoreResult};

/// The partition of a tenant's duplicate keys.
pub(crate) fn duplicates_pk(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}#DUPKEYS")
}

/// The sort key of `contact`'s key of `rule`.
pub(crate) fn duplicate_sk(rule: DuplicateRule, key: &str, contact: ContactId) -> String {
    format!("{}#{key}#{contact}", rule.as_str())
}

/// The duplicate-key items of `contact`, by sort key.
pub fn duplicate_items(tenant: &TenantId, contact: &Contact) -> BTreeMap<String, Item> {
    duplicates::keys(contact)
        .into_iter()
        .map(|(rule, key)| {
            let sk = duplicate_sk(rule, &key, contact.id);
            let mut item = Store::key(duplicates_pk(tenant), sk.clone());
            item.insert("entity".into(), s("duplicate_key"));
            item.insert("rule".into(), s(rule.as_str()));
            item.insert("client_id".into(), s(contact.client_id.to_string()));
            item.insert("contact_id".into(), s(contact.id.to_string()));
            (sk, item)
        })
        .collect()
}

/// A key read back: its rule, what the rule compares, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    pub rule: DuplicateRule,
    pub key: String,
    pub client: ClientId,
    pub contact: ContactId,
}

/// A page of a tenant's keys in key order, and the sort key to go on after.
pub struct KeyPage {
    pub keys: Vec<DuplicateKey>,
    pub last_sort_key: Option<String>,
}

fn key_of(item: &Item) -> StoreResult<DuplicateKey> {
    let text =
        |name: &str| item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str).unwrap_or_default();
    let corrupt = || StoreError::internal("a duplicate key item is not one");
    let rule = DuplicateRule::parse(text("rule")).ok_or_else(corrupt)?;
    let contact = ContactId::parse(text("contact_id")).ok_or_else(corrupt)?;
    let sk = text(keys::SK);
    let key = sk
        .strip_prefix(rule.as_str())
        .and_then(|rest| rest.strip_prefix('#'))
        .and_then(|rest| rest.strip_suffix(&format!("#{contact}")))
        .ok_or_else(corrupt)?;
    Ok(DuplicateKey {
        rule,
        key: key.to_owned(),
        client: ClientId::parse(text("client_id")).ok_or_else(corrupt)?,
        contact,
    })
}

impl Store {
    /// Takes a contact's duplicate keys from what `old` had to what `new` has (`None`: no
    /// contact), from one change's stream record: puts of keys new or changed, deletes of keys
    /// gone. A contact's records reach the stream's consumer in order per item, but a move's
    /// removal and insertion are two items: each key carries the contact's version, and a
    /// write goes only over a key of the same or an older version. Safe to repeat.
    pub async fn sync_duplicate_keys(
        &self,
        tenant: &TenantId,
        old: Option<&Contact>,
        new: Option<&Contact>,
    ) -> StoreResult<()> {
        let before = old.map(|c| duplicate_items(tenant, c)).unwrap_or_default();
        let after = new.map(|c| duplicate_items(tenant, c)).unwrap_or_default();
        let Some(version) = new.or(old).map(|c| n(c.audit.version)) else { return Ok(()) };
        for item in after.iter().filter(|(sk, item)| before.get(*sk) != Some(*item)).map(|(_, i)| i) {
            let mut item = item.clone();
            item.insert("version".into(), version.clone());
            let put = self.db.put_item().table_name(&self.table).set_item(Some(item));
            let put = put.condition_expression("attribute_not_exists(PK) OR version <= :v");
            // Refused: a newer change wrote the key.
            match put
                .expression_attribute_values(":v", version.clone())
                .send()
                .await
                .map_err(|e| e.into_service_error())
            {
                Err(e) if !e.is_conditional_check_failed_exception() => {
                    return Err(StoreError::failed("PutItem", e))
                }
                _ => {}
            }
        }
        for sk in before.keys().filter(|sk| !after.contains_key(*sk)) {
            let key = Self::key(duplicates_pk(tenant), sk.clone());
            let delete = self.db.delete_item().table_name(&self.table).set_key(Some(key));
            let delete = delete.condition_expression("version <= :v");
            match delete
                .expression_attribute_values(":v", version.clone())
                .send()
                .await
                .map_err(|e| e.into_service_error())
            {
                Err(e) if !e.is_conditional_check_failed_exception() => {
                    return Err(StoreError::failed("DeleteItem", e))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Up to `limit` of the tenant's keys (of `rule` only, when given) after the sort key
    /// `after`, in key order.
    pub async fn duplicate_key_page(
        &self,
        tenant: &TenantId,
        rule: Option<DuplicateRule>,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<KeyPage> {
        let prefix = rule.map(|r| format!("{}#", r.as_str()));
        let pk = duplicates_pk(tenant);
        let page = self.partition_page((&pk, prefix.as_deref()), limit, after, true).await?;
        let keys = page.items.iter().map(key_of).collect::<StoreResult<_>>()?;
        Ok(KeyPage { keys, last_sort_key: page.last_sort_key })
    }
}
