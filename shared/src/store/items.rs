//! How contacts and clients are laid out as items. Writes that change user-editable fields
//! touch only those attributes, so attributes other flows own (report counts, invites, the
//! sweep index) are never overwritten by a concurrent edit. The shapes of each are in
//! `items/contact.rs` and `items/client.rs`; what both use is here.

use serde::{Deserialize, Serialize};
use serde_dynamo::to_item;

use super::tx::Item;
use super::{n, s};
use crate::domain::address::{Address, CountryCode};
use crate::domain::{Audit, PhoneNumber, Text};
use crate::store::error::{StoreError, StoreResult};

mod client;
mod contact;

pub use client::{client_editable_item, client_plain_attrs, new_client_item, ClientRecord, CLIENT_EDITABLE};
pub use contact::{
    contact_editable_item, contact_of_item, contact_plain_attrs, new_contact_item, ContactRecord,
    CONTACT_EDITABLE, CONTACT_STAFF_ONLY, EMAIL_STATUS_ATTRIBUTES,
};

#[derive(Debug, Serialize, Deserialize, Default)]
pub(crate) struct AddressItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    line1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<String>,
}

fn text(t: &Option<Text>) -> Option<String> {
    t.as_ref().map(|t| t.as_str().to_owned())
}

fn stored_text(s: Option<String>) -> Option<Text> {
    s.map(Text::from_stored)
}

impl AddressItem {
    fn from_address(a: &Address) -> Self {
        Self {
            line1: text(&a.line1),
            line2: text(&a.line2),
            city: text(&a.city),
            region: text(&a.region),
            postal_code: text(&a.postal_code),
            country: a.country.as_ref().map(|c| c.as_str().to_owned()),
        }
    }

    fn into_address(self) -> Address {
        Address {
            line1: stored_text(self.line1),
            line2: stored_text(self.line2),
            city: stored_text(self.city),
            region: stored_text(self.region),
            postal_code: stored_text(self.postal_code),
            country: self.country.map(CountryCode::from_stored),
        }
    }
}

fn phone(p: &Option<PhoneNumber>) -> Option<String> {
    p.as_ref().map(|p| p.as_str().to_owned())
}

fn to_attrs<T: Serialize>(value: &T) -> StoreResult<Item> {
    to_item(value).map_err(StoreError::internal)
}

/// Writes an item's audit: its version and when and by whom it was created and last changed.
pub(crate) fn audit_attrs(item: &mut Item, a: &Audit) {
    item.insert("version".into(), n(a.version));
    item.insert("created_at".into(), s(&a.created_at));
    item.insert("updated_at".into(), s(&a.updated_at));
    item.insert("created_by".into(), s(&a.created_by));
    item.insert("updated_by".into(), s(&a.updated_by));
}

/// The audit of a stored item, from its `version` and its created/updated at/by attributes.
fn stored_audit(version: u64, [created_at, updated_at, created_by, updated_by]: [String; 4]) -> Audit {
    Audit { version, created_at, updated_at, created_by, updated_by }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::internal(format!("stored item has an invalid {what}"))
}

#[cfg(test)]
mod tests;
