//! How contacts and clients are laid out as items. Writes that change user-editable fields
//! touch only those attributes, so attributes other flows own (report counts, invites, the
//! sweep index) are never overwritten by a concurrent edit.

use serde::{Deserialize, Serialize};
use serde_dynamo::{from_item, to_item};

use super::keys;
use super::tx::Item;
pub use super::update_expr::UpdateExpr;
use crate::domain::address::{Address, CountryCode};
use crate::domain::client::Website;
use crate::domain::dates::{format_date, parse_stored_date};
use crate::domain::{
    Audit, Client, ClientFields, ClientId, Contact, ContactFields, ContactId, DomainError, DomainResult,
    Email, NotificationTopic, Permission, PhoneNumber, PortalState, PortalStatus, TenantId, Text,
};
use aws_sdk_dynamodb::types::AttributeValue;

#[derive(Debug, Serialize, Deserialize, Default)]
pub struct AddressItem {
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
}

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
];

fn phone(p: &Option<PhoneNumber>) -> Option<String> {
    p.as_ref().map(|p| p.as_str().to_owned())
}

fn to_attrs<T: Serialize>(value: &T) -> DomainResult<Item> {
    to_item(value).map_err(DomainError::internal)
}

pub fn contact_editable_item(f: &ContactFields) -> DomainResult<Item> {
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
    })
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn audit_attrs(item: &mut Item, a: &Audit) {
    item.insert("version".into(), n(a.version));
    item.insert("created_at".into(), s(&a.created_at));
    item.insert("updated_at".into(), s(&a.updated_at));
    item.insert("created_by".into(), s(&a.created_by));
    item.insert("updated_by".into(), s(&a.updated_by));
}

/// The whole item of a new contact.
pub fn new_contact_item(t: &TenantId, c: &Contact) -> DomainResult<Item> {
    let mut item = contact_editable_item(&c.fields)?;
    item.insert(keys::PK.into(), s(keys::contacts_pk(t, c.client_id)));
    item.insert(keys::SK.into(), s(keys::contact_sk(c.id)));
    item.insert("entity".into(), s("contact"));
    item.insert("id".into(), s(c.id.to_string()));
    item.insert("client_id".into(), s(c.client_id.to_string()));
    item.insert("is_primary".into(), AttributeValue::Bool(c.is_primary));
    item.insert("portal_status".into(), s(c.portal.status.as_str()));
    audit_attrs(&mut item, &c.audit);
    Ok(item)
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
    /// The hash of the pending invitation's token, while one is pending.
    pub invite_hash: Option<String>,
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
    portal_status: Option<String>,
    invited_at: Option<String>,
    activated_at: Option<String>,
    version: u64,
    created_at: String,
    updated_at: String,
    created_by: String,
    updated_by: String,
}

fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored item has an invalid {what}"))
}

impl ContactRecord {
    pub fn from_item(item: Item) -> DomainResult<Self> {
        from_item(item).map_err(DomainError::internal)
    }

    pub fn reminded_for(&self) -> Option<time::Date> {
        self.reminded_for.as_deref().and_then(parse_stored_date)
    }

    pub fn into_contact(self) -> DomainResult<Contact> {
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
        };
        Ok(Contact {
            id: ContactId::parse(&self.id).ok_or_else(|| corrupt("id"))?,
            client_id: ClientId::parse(&self.client_id).ok_or_else(|| corrupt("client_id"))?,
            fields,
            is_primary: self.is_primary,
            portal: PortalState {
                status: self.portal_status.and_then(|s| s.parse().ok()).unwrap_or(PortalStatus::None),
                invited_at: self.invited_at,
                activated_at: self.activated_at,
            },
            audit: Audit {
                version: self.version,
                created_at: self.created_at,
                updated_at: self.updated_at,
                created_by: self.created_by,
                updated_by: self.updated_by,
            },
        })
    }
}

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
}

pub const CLIENT_EDITABLE: &[&str] = &["name", "email", "phone", "website", "address"];

pub fn client_editable_item(f: &ClientFields) -> DomainResult<Item> {
    to_attrs(&ClientEditable {
        name: f.name.as_str().to_owned(),
        email: f.email.as_ref().map(|e| e.as_str().to_owned()),
        phone: phone(&f.phone),
        website: f.website.as_ref().map(|w| w.as_str().to_owned()),
        address: f.address.as_ref().map(AddressItem::from_address),
    })
}

pub fn new_client_item(t: &TenantId, c: &Client) -> DomainResult<Item> {
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
    primary_contact_id: Option<String>,
    #[serde(default)]
    contact_count: u64,
    version: u64,
    created_at: String,
    updated_at: String,
    created_by: String,
    updated_by: String,
}

impl ClientRecord {
    pub fn from_item(item: Item) -> DomainResult<Self> {
        from_item(item).map_err(DomainError::internal)
    }

    pub fn into_client(self) -> DomainResult<Client> {
        Ok(Client {
            id: ClientId::parse(&self.id).ok_or_else(|| corrupt("id"))?,
            fields: ClientFields {
                name: Text::from_stored(self.name),
                email: self.email.map(Email::from_stored),
                phone: self.phone.map(PhoneNumber::from_stored),
                website: self.website.map(Website::from_stored),
                address: self.address.map(AddressItem::into_address),
            },
            primary_contact_id: self
                .primary_contact_id
                .map(|id| ContactId::parse(&id).ok_or_else(|| corrupt("primary_contact_id")))
                .transpose()?,
            contact_count: self.contact_count,
            audit: Audit {
                version: self.version,
                created_at: self.created_at,
                updated_at: self.updated_at,
                created_by: self.created_by,
                updated_by: self.updated_by,
            },
        })
    }
}
