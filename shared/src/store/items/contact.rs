//! A contact's item: the attributes a user edits, and the whole item as stored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_dynamo::from_item;

use super::{audit_attrs, corrupt, phone, s, stored_audit, stored_text, text, to_attrs, AddressItem};
use crate::domain::contact::{sorted_unique, EmailDelivery};
use crate::domain::custom_field::CustomValues;
use crate::domain::dates::{format_date, parse_stored_date};
use crate::domain::{
    ClientId, Contact, ContactFields, ContactId, ContactPatch, Email, EmailStatus, NotificationTopic, Patch,
    Permission, PhoneNumber, PortalState, PortalStatus, TagId, TenantId, Text,
};
use crate::store::error::{StoreError, StoreResult};
use crate::store::keys;
use crate::store::tx::Item;
use aws_sdk_dynamodb::types::AttributeValue;

/// The user-editable attributes of a contact; absent ones are removed on update.
#[derive(Serialize)]
struct ContactEditable {
    #[serde(skip_serializing_if = "Option::is_none")]
    salutation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    last_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    job_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secondary_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<AddressItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line_manager_id: Option<String>,
    notifications: Vec<String>,
    permissions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    support_start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    support_end: Option<String>,
    /// The tenant's own fields' values, a map by key (absent when there are none).
    #[serde(skip_serializing_if = "CustomValues::is_empty")]
    custom: CustomValues,
    /// The name sort key (`GSI2`, `domain::lookup::name_key`), derived from the names, so it
    /// changes in the write that changes them.
    #[serde(rename = "GSI2SK")]
    name_key: String,
}

/// The editable attributes only the service company's staff see: its internal notes, which
/// neither the contact's portal user nor a change event's subscriber reads (unless the
/// deployment publishes them: `shared::config::InternalNotes`).
pub const CONTACT_STAFF_ONLY: &[&str] = &["description"];

/// Every attribute `ContactEditable` may write.
pub const CONTACT_EDITABLE: &[&str] = &[
    "salutation",
    "first_name",
    "last_name",
    "job_title",
    "department",
    "description",
    "email",
    "mobile",
    "phone",
    "secondary_phone",
    "address",
    "line_manager_id",
    "notifications",
    "permissions",
    "support_start",
    "support_end",
    "custom",
    "GSI2SK",
];

/// The attributes SES events set on a contact (`email_status` absent = `ok`).
pub const EMAIL_STATUS_ATTRIBUTES: [&str; 3] = ["email_status", "email_status_at", "email_status_reason"];

pub fn contact_editable_item(f: &ContactFields) -> StoreResult<Item> {
    to_attrs(&ContactEditable {
        salutation: text(&f.salutation),
        first_name: text(&f.first_name),
        last_name: f.last_name.as_str().to_owned(),
        job_title: text(&f.job_title),
        department: text(&f.department),
        description: text(&f.description),
        email: f.email.as_ref().map(|e| e.as_str().to_owned()),
        mobile: phone(&f.mobile),
        phone: phone(&f.phone),
        secondary_phone: phone(&f.secondary_phone),
        address: f.address.as_ref().map(AddressItem::from_address),
        line_manager_id: f.line_manager_id.map(|id| id.to_string()),
        notifications: f.notifications.iter().map(|t| t.as_str().to_owned()).collect(),
        permissions: f.permissions.iter().map(|p| p.as_str().to_owned()).collect(),
        support_start: f.support_start.map(format_date),
        support_end: f.support_end.map(format_date),
        custom: f.custom.clone(),
        name_key: crate::domain::lookup::name_key(f),
    })
}

/// What a plain merge patch (`ContactPatch::is_plain`) writes, attribute by attribute: `Some`
/// to set, `None` to remove; as `contact_editable_item` writes the same fields (lists sorted,
/// each value once, and kept when cleared, as empty lists).
pub fn contact_plain_attrs(p: &ContactPatch) -> Vec<(&'static str, Option<AttributeValue>)> {
    fn value<T>(patch: &Patch<T>, as_str: impl Fn(&T) -> &str) -> Option<Option<AttributeValue>> {
        match patch {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Set(v) => Some(Some(s(as_str(v)))),
        }
    }
    fn list<T: Ord + Clone>(
        patch: &Patch<Vec<T>>,
        as_str: fn(&T) -> &'static str,
    ) -> Option<Option<AttributeValue>> {
        let items = match patch {
            Patch::Absent => return None,
            Patch::Null => Vec::new(),
            Patch::Set(items) => sorted_unique(items.clone()),
        };
        Some(Some(AttributeValue::L(items.iter().map(|t| s(as_str(t))).collect())))
    }
    let texts = [
        ("salutation", &p.salutation),
        ("first_name", &p.first_name),
        ("last_name", &p.last_name),
        ("job_title", &p.job_title),
        ("department", &p.department),
        ("description", &p.description),
    ];
    let phones = [("mobile", &p.mobile), ("phone", &p.phone), ("secondary_phone", &p.secondary_phone)];
    let mut attrs: Vec<_> =
        texts.into_iter().filter_map(|(name, t)| Some((name, value(t, Text::as_str)?))).collect();
    attrs.extend(phones.into_iter().filter_map(|(name, t)| Some((name, value(t, PhoneNumber::as_str)?))));
    attrs.extend(list(&p.notifications, |t| t.as_str()).map(|v| ("notifications", v)));
    attrs.extend(list(&p.permissions, |p| p.as_str()).map(|v| ("permissions", v)));
    if matches!(p.address, Patch::Null) {
        attrs.push(("address", None));
    }
    attrs
}

/// The whole item of a new contact.
pub fn new_contact_item(t: &TenantId, c: &Contact) -> StoreResult<Item> {
    let mut item = contact_editable_item(&c.fields)?;
    item.insert(keys::PK.into(), s(keys::contacts_pk(t, c.client_id)));
    item.insert(keys::SK.into(), s(keys::contact_sk(c.id)));
    item.insert(keys::TENANT_CONTACTS.into(), s(keys::tenant_contacts_pk(t)));
    item.insert("entity".into(), s("contact"));
    item.insert("id".into(), s(c.id.to_string()));
    item.insert("client_id".into(), s(c.client_id.to_string()));
    item.insert("is_primary".into(), AttributeValue::Bool(c.is_primary));
    item.insert("portal_status".into(), s(c.portal.status.as_str()));
    audit_attrs(&mut item, &c.audit);
    Ok(item)
}

/// The contact a stored item (or a stream image of one) holds.
pub fn contact_of_item(item: Item) -> StoreResult<Contact> {
    ContactRecord::from_item(item)?.into_contact()
}

#[derive(Deserialize)]
pub struct ContactRecord {
    id: String,
    client_id: String,
    salutation: Option<String>,
    first_name: Option<String>,
    last_name: String,
    job_title: Option<String>,
    department: Option<String>,
    description: Option<String>,
    email: Option<String>,
    mobile: Option<String>,
    phone: Option<String>,
    secondary_phone: Option<String>,
    address: Option<AddressItem>,
    line_manager_id: Option<String>,
    #[serde(default)]
    pub report_count: u64,
    /// The ids of the contacts it manages (kept with `report_count`; absent on items from
    /// before they were kept).
    #[serde(default)]
    pub report_ids: Vec<String>,
    /// How many projects it is linked to, and their ids (a string set, absent when empty;
    /// `store::contacts::projects`).
    #[serde(default)]
    pub project_count: u64,
    #[serde(default)]
    pub project_ids: Vec<String>,
    /// How many tags it has, and their ids (a string set, absent when empty;
    /// `store::tags`).
    #[serde(default)]
    pub tag_count: u64,
    #[serde(default)]
    pub tag_ids: Vec<String>,
    /// The hash of the pending invitation's token, while one is pending.
    pub invite_hash: Option<String>,
    /// The idempotency record the contact was created by, while it may exist.
    pub idempotency_pk: Option<String>,
    pub idempotency_expires_at: Option<i64>,
    /// The support end date the last reminder was sent for.
    reminded_for: Option<String>,
    #[serde(default)]
    is_primary: bool,
    #[serde(default)]
    notifications: Vec<String>,
    #[serde(default)]
    permissions: Vec<String>,
    support_start: Option<String>,
    support_end: Option<String>,
    #[serde(default)]
    custom: BTreeMap<String, serde_json::Value>,
    portal_status: Option<String>,
    invited_at: Option<String>,
    activated_at: Option<String>,
    /// Set by SES events (`store::activity`); absent = `ok`.
    email_status: Option<String>,
    email_status_at: Option<String>,
    email_status_reason: Option<String>,
    version: u64,
    created_at: String,
    updated_at: String,
    created_by: String,
    updated_by: String,
}

impl ContactRecord {
    pub(crate) fn from_item(item: Item) -> StoreResult<Self> {
        from_item(item).map_err(StoreError::internal)
    }

    pub fn created_by(&self) -> Option<crate::store::idempotency::CreatedBy> {
        let (pk, expires_at) = (self.idempotency_pk.clone()?, self.idempotency_expires_at?);
        Some(crate::store::idempotency::CreatedBy { pk, expires_at })
    }

    pub fn reminded_for(&self) -> Option<time::Date> {
        self.reminded_for.as_deref().and_then(parse_stored_date)
    }

    pub(crate) fn into_contact(self) -> StoreResult<Contact> {
        let date =
            |d: Option<String>| d.map(|d| parse_stored_date(&d).ok_or_else(|| corrupt("date"))).transpose();
        let fields = ContactFields {
            salutation: stored_text(self.salutation),
            first_name: stored_text(self.first_name),
            last_name: Text::from_stored(self.last_name),
            job_title: stored_text(self.job_title),
            department: stored_text(self.department),
            description: stored_text(self.description),
            email: self.email.map(Email::from_stored),
            mobile: self.mobile.map(PhoneNumber::from_stored),
            phone: self.phone.map(PhoneNumber::from_stored),
            secondary_phone: self.secondary_phone.map(PhoneNumber::from_stored),
            address: self.address.map(AddressItem::into_address),
            line_manager_id: self
                .line_manager_id
                .map(|id| ContactId::parse(&id).ok_or_else(|| corrupt("line_manager_id")))
                .transpose()?,
            notifications: self
                .notifications
                .iter()
                .filter_map(|t| t.parse::<NotificationTopic>().ok())
                .collect(),
            permissions: self.permissions.iter().filter_map(|p| p.parse::<Permission>().ok()).collect(),
            support_start: date(self.support_start)?,
            support_end: date(self.support_end)?,
            custom: CustomValues::from_stored(self.custom),
        };
        Ok(Contact {
            id: ContactId::parse(&self.id).ok_or_else(|| corrupt("id"))?,
            client_id: ClientId::parse(&self.client_id).ok_or_else(|| corrupt("client_id"))?,
            fields,
            is_primary: self.is_primary,
            project_count: self.project_count,
            tag_ids: {
                let mut ids = (self.tag_ids.iter())
                    .map(|id| TagId::parse(id).ok_or_else(|| corrupt("tag_ids")))
                    .collect::<StoreResult<Vec<_>>>()?;
                ids.sort_unstable();
                ids
            },
            portal: PortalState {
                status: self.portal_status.and_then(|s| s.parse().ok()).unwrap_or(PortalStatus::None),
                invited_at: self.invited_at,
                activated_at: self.activated_at,
            },
            email_delivery: EmailDelivery {
                status: self.email_status.and_then(|s| s.parse().ok()).unwrap_or(EmailStatus::Ok),
                at: self.email_status_at,
                reason: self.email_status_reason,
            },
            audit: stored_audit(
                self.version,
                [self.created_at, self.updated_at, self.created_by, self.updated_by],
            ),
        })
    }
}
