//! A client's item: the attributes a user edits, and the whole item as stored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_dynamo::from_item;

use super::{audit_attrs, corrupt, n, phone, s, stored_audit, to_attrs, AddressItem};
use crate::domain::client::Website;
use crate::domain::sla::{Sla, SlaTimes};
use crate::domain::{
    Client, ClientFields, ClientId, ClientPatch, ClientStatus, ContactId, Email, Patch, PhoneNumber,
    Priority, TenantId, Text,
};
use crate::store::error::{StoreError, StoreResult};
use crate::store::keys;
use crate::store::tx::Item;
use aws_sdk_dynamodb::types::AttributeValue;

/// The user-editable attributes of a client.
#[derive(Serialize)]
struct ClientEditable {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    website: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<AddressItem>,
    status: &'static str,
    /// Priority name to its times; absent when the client has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    sla: Option<BTreeMap<&'static str, SlaItem>>,
}

#[derive(Serialize, Deserialize)]
struct SlaItem {
    response_minutes: u32,
    resolution_minutes: u32,
}

pub const CLIENT_EDITABLE: &[&str] = &["name", "email", "phone", "website", "address", "status", "sla"];

fn sla_item(sla: &Sla) -> Option<BTreeMap<&'static str, SlaItem>> {
    let levels = sla.0.iter().map(|(p, t)| {
        (
            p.as_str(),
            SlaItem { response_minutes: t.response_minutes, resolution_minutes: t.resolution_minutes },
        )
    });
    (!sla.0.is_empty()).then(|| levels.collect())
}

fn stored_sla(item: Option<BTreeMap<String, SlaItem>>) -> StoreResult<Sla> {
    let mut sla = Sla::default();
    for (name, t) in item.unwrap_or_default() {
        let priority = Priority::parse(&name).map_err(|_| corrupt("sla priority"))?;
        sla.0.insert(
            priority,
            SlaTimes { response_minutes: t.response_minutes, resolution_minutes: t.resolution_minutes },
        );
    }
    Ok(sla)
}

pub fn client_editable_item(f: &ClientFields) -> StoreResult<Item> {
    to_attrs(&ClientEditable {
        name: f.name.as_str().to_owned(),
        email: f.email.as_ref().map(|e| e.as_str().to_owned()),
        phone: phone(&f.phone),
        website: f.website.as_ref().map(|w| w.as_str().to_owned()),
        address: f.address.as_ref().map(AddressItem::from_address),
        status: f.status.as_str(),
        sla: sla_item(&f.sla),
    })
}

/// What a plain merge patch (`ClientPatch::is_plain`) writes, attribute by attribute: `Some`
/// to set, `None` to remove; as `client_editable_item` writes the same fields.
pub fn client_plain_attrs(p: &ClientPatch) -> Vec<(&'static str, Option<AttributeValue>)> {
    fn value<T>(
        name: &'static str,
        patch: &Patch<T>,
        as_str: fn(&T) -> &str,
    ) -> Option<(&'static str, Option<AttributeValue>)> {
        match patch {
            Patch::Absent => None,
            Patch::Null => Some((name, None)),
            Patch::Set(v) => Some((name, Some(s(as_str(v))))),
        }
    }
    let mut attrs: Vec<_> = [
        value("name", &p.name, Text::as_str),
        value("email", &p.email, Email::as_str),
        value("phone", &p.phone, PhoneNumber::as_str),
        value("website", &p.website, Website::as_str),
    ]
    .into_iter()
    .flatten()
    .collect();
    if matches!(p.address, Patch::Null) {
        attrs.push(("address", None));
    }
    attrs
}

pub fn new_client_item(t: &TenantId, c: &Client) -> StoreResult<Item> {
    let mut item = client_editable_item(&c.fields)?;
    item.insert(keys::PK.into(), s(keys::tenant_pk(t)));
    item.insert(keys::SK.into(), s(keys::client_sk(c.id)));
    item.insert("entity".into(), s("client"));
    item.insert("id".into(), s(c.id.to_string()));
    item.insert("contact_count".into(), n(c.contact_count));
    audit_attrs(&mut item, &c.audit);
    Ok(item)
}

#[derive(Deserialize)]
pub struct ClientRecord {
    id: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    website: Option<String>,
    address: Option<AddressItem>,
    /// Absent on clients stored before statuses existed: active.
    status: Option<String>,
    sla: Option<BTreeMap<String, SlaItem>>,
    primary_contact_id: Option<String>,
    #[serde(default)]
    contact_count: u64,
    #[serde(default)]
    archived_count: u64,
    version: u64,
    created_at: String,
    updated_at: String,
    created_by: String,
    updated_by: String,
}

impl ClientRecord {
    pub(crate) fn from_item(item: Item) -> StoreResult<Self> {
        from_item(item).map_err(StoreError::internal)
    }

    pub(crate) fn into_client(self) -> StoreResult<Client> {
        Ok(Client {
            id: ClientId::parse(&self.id).ok_or_else(|| corrupt("id"))?,
            fields: ClientFields {
                name: Text::from_stored(self.name),
                email: self.email.map(Email::from_stored),
                phone: self.phone.map(PhoneNumber::from_stored),
                website: self.website.map(Website::from_stored),
                address: self.address.map(AddressItem::into_address),
                status: match self.status.as_deref() {
                    None => ClientStatus::Active,
                    Some(s) => ClientStatus::parse(s).map_err(|_| corrupt("status"))?,
                },
                sla: stored_sla(self.sla)?,
            },
            primary_contact_id: self
                .primary_contact_id
                .map(|id| ContactId::parse(&id).ok_or_else(|| corrupt("primary_contact_id")))
                .transpose()?,
            contact_count: self.contact_count,
            archived_count: self.archived_count,
            audit: stored_audit(
                self.version,
                [self.created_at, self.updated_at, self.created_by, self.updated_by],
            ),
        })
    }
}
