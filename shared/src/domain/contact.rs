//! A client's contact person and the rules every change to one must keep.

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;
use time::Date;

use super::address::Address;
use super::custom_field::CustomValues;
use super::dates::format_date;
use super::email::Email;
use super::error::{DomainError, FieldError};
use super::ids::{ClientId, ContactId};
use super::phone::PhoneNumber;
use super::text::Text;
use super::topics::{EmailStatus, NotificationTopic, Permission, PortalStatus};

/// The error of a contact without any way to reach it (`contact_patch.rs` reports it too).
pub(super) const NO_CHANNEL: &str = "at least one of email, mobile or phone is required";

pub use super::audit::{Audit, Stamp};
pub use super::contact_patch::ContactPatch;

/// The fields a user edits. Values of this type always satisfy the contact rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFields {
    pub salutation: Option<Text>,
    pub first_name: Option<Text>,
    pub last_name: Text,
    pub job_title: Option<Text>,
    pub department: Option<Text>,
    pub description: Option<Text>,
    pub email: Option<Email>,
    pub mobile: Option<PhoneNumber>,
    pub phone: Option<PhoneNumber>,
    pub secondary_phone: Option<PhoneNumber>,
    pub address: Option<Address>,
    pub line_manager_id: Option<ContactId>,
    pub notifications: Vec<NotificationTopic>,
    pub permissions: Vec<Permission>,
    pub support_start: Option<Date>,
    pub support_end: Option<Date>,
    /// The tenant's own fields' values as stored (`domain::custom_field`).
    pub custom: CustomValues,
}

/// Topics and permissions as a contact keeps them: sorted, each once.
pub(crate) fn sorted_unique<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

impl ContactFields {
    /// The fields of a new contact.
    pub fn create(patch: ContactPatch) -> Result<Self, DomainError> {
        Self::build(None, patch, None, true)
    }

    /// The fields after applying a merge patch to this contact (`id`).
    pub fn patched(&self, patch: ContactPatch, id: ContactId) -> Result<Self, DomainError> {
        Self::build(Some(self.clone()), patch, Some(id), false)
    }

    /// The fields of a new contact `id` copied from this one (Kafinea's "Duplicate"): all but
    /// the email address, which belongs to one contact of the tenant, and the support window,
    /// which goes with portal access; then `overrides` merged in and the add's rules checked.
    pub(crate) fn duplicated(&self, overrides: ContactPatch, id: ContactId) -> Result<Self, DomainError> {
        let copy = Self { email: None, support_start: None, support_end: None, ..self.clone() };
        Self::build(Some(copy), overrides, Some(id), true)
    }

    fn build(
        base: Option<ContactFields>,
        patch: ContactPatch,
        id: Option<ContactId>,
        creating: bool,
    ) -> Result<Self, DomainError> {
        let (mut last_name, mut b) = match base {
            Some(b) => (Some(b.last_name.clone()), b),
            None => (None, Self::blank()),
        };
        last_name = patch.last_name.apply(last_name);
        b.salutation = patch.salutation.apply(b.salutation);
        b.first_name = patch.first_name.apply(b.first_name);
        b.job_title = patch.job_title.apply(b.job_title);
        b.department = patch.department.apply(b.department);
        b.description = patch.description.apply(b.description);
        b.email = patch.email.apply(b.email);
        b.mobile = patch.mobile.apply(b.mobile);
        b.phone = patch.phone.apply(b.phone);
        b.secondary_phone = patch.secondary_phone.apply(b.secondary_phone);
        b.address = Address::patched(b.address, patch.address);
        b.line_manager_id = patch.line_manager_id.apply(b.line_manager_id);
        b.notifications = sorted_unique(patch.notifications.apply(Some(b.notifications)).unwrap_or_default());
        b.permissions = sorted_unique(patch.permissions.apply(Some(b.permissions)).unwrap_or_default());
        b.support_start = patch.support_start.apply(b.support_start);
        b.support_end = patch.support_end.apply(b.support_end);
        b.custom = b.custom.patched(&patch.custom);

        let mut errors = patch.custom.missing(creating, &b.custom);
        match last_name {
            Some(name) => b.last_name = name,
            None => errors.push(FieldError::new("last_name", "is required")),
        }
        if b.email.is_none() && b.mobile.is_none() && b.phone.is_none() {
            errors.push(FieldError::new("email", NO_CHANNEL));
        }
        if id.is_some() && b.line_manager_id == id {
            errors.push(FieldError::new("line_manager_id", "a contact cannot be its own line manager"));
        }
        if let (Some(start), Some(end)) = (b.support_start, b.support_end) {
            if end < start {
                errors.push(FieldError::new("portal.support_end", "must not be before support_start"));
            }
        }
        if errors.is_empty() {
            Ok(b)
        } else {
            Err(DomainError::Validation(errors))
        }
    }

    /// A placeholder whose `last_name` is always replaced or reported by `build`.
    fn blank() -> Self {
        Self {
            salutation: None,
            first_name: None,
            last_name: Text::from_stored(String::new()),
            job_title: None,
            department: None,
            description: None,
            email: None,
            mobile: None,
            phone: None,
            secondary_phone: None,
            address: None,
            line_manager_id: None,
            notifications: Vec::new(),
            permissions: Vec::new(),
            support_start: None,
            support_end: None,
            custom: CustomValues::default(),
        }
    }
}

/// Portal access as tracked by the invite flow and the support-expiry sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalState {
    pub status: PortalStatus,
    pub invited_at: Option<String>,
    pub activated_at: Option<String>,
}

impl Default for PortalState {
    fn default() -> Self {
        Self { status: PortalStatus::None, invited_at: None, activated_at: None }
    }
}

/// What SES last said of the contact's address: `ok` until a permanent bounce or a complaint
/// (`record-email-event`), with that event's time and reason; an email change resets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailDelivery {
    pub status: EmailStatus,
    pub at: Option<String>,
    pub reason: Option<String>,
}

impl Default for EmailDelivery {
    fn default() -> Self {
        Self { status: EmailStatus::Ok, at: None, reason: None }
    }
}

impl EmailDelivery {
    /// Notifications and the sweep's notices skip an address in this state.
    pub fn suppressed(&self) -> bool {
        self.status != EmailStatus::Ok
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: ContactId,
    pub client_id: ClientId,
    pub fields: ContactFields,
    pub is_primary: bool,
    /// How many projects it is linked to (`domain::project`); kept by the links, not edited.
    pub project_count: u64,
    /// Its tags' ids, in id order (`domain::tag`); kept by tagging, not edited.
    pub tag_ids: Vec<super::TagId>,
    pub portal: PortalState,
    pub email_delivery: EmailDelivery,
    pub audit: Audit,
}

impl Contact {
    /// A contact as it is first stored: not primary (the store decides), without portal
    /// access or projects, its address in good standing, at its first version.
    pub fn new(id: ContactId, client_id: ClientId, fields: ContactFields, stamp: &Stamp) -> Self {
        Self {
            id,
            client_id,
            fields,
            is_primary: false,
            project_count: 0,
            tag_ids: Vec::new(),
            portal: PortalState::default(),
            email_delivery: EmailDelivery::default(),
            audit: Audit::new(stamp),
        }
    }

    /// Whether the portal pool may hold a user of this contact. A user is made only by accepting
    /// an invitation, and `invited_at` is set when one is sent and kept from then on (only an
    /// invitation whose email failed is undone, and its link reached no one). So a contact
    /// never invited has no user, and its changes need not ask the pool.
    pub(crate) fn may_have_portal_user(&self) -> bool {
        self.portal.invited_at.is_some()
    }
}

impl Serialize for Contact {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Portal<'a> {
            status: PortalStatus,
            support_start: Option<String>,
            support_end: Option<String>,
            invited_at: &'a Option<String>,
            activated_at: &'a Option<String>,
        }
        let f = &self.fields;
        let a = &self.audit;
        let mut st = s.serialize_struct("Contact", 31)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("client_id", &self.client_id)?;
        st.serialize_field("salutation", &f.salutation)?;
        st.serialize_field("first_name", &f.first_name)?;
        st.serialize_field("last_name", &f.last_name)?;
        st.serialize_field("job_title", &f.job_title)?;
        st.serialize_field("department", &f.department)?;
        st.serialize_field("description", &f.description)?;
        st.serialize_field("email", &f.email)?;
        st.serialize_field("mobile", &f.mobile)?;
        st.serialize_field("phone", &f.phone)?;
        st.serialize_field("secondary_phone", &f.secondary_phone)?;
        st.serialize_field("address", &f.address)?;
        st.serialize_field("line_manager_id", &f.line_manager_id)?;
        st.serialize_field("is_primary", &self.is_primary)?;
        st.serialize_field("project_count", &self.project_count)?;
        st.serialize_field("tag_ids", &self.tag_ids)?;
        st.serialize_field("notifications", &f.notifications)?;
        st.serialize_field("permissions", &f.permissions)?;
        st.serialize_field("custom", &f.custom)?;
        st.serialize_field("email_status", &self.email_delivery.status)?;
        st.serialize_field("email_status_at", &self.email_delivery.at)?;
        st.serialize_field("email_status_reason", &self.email_delivery.reason)?;
        let portal = Portal {
            status: self.portal.status,
            support_start: f.support_start.map(format_date),
            support_end: f.support_end.map(format_date),
            invited_at: &self.portal.invited_at,
            activated_at: &self.portal.activated_at,
        };
        st.serialize_field("portal", &portal)?;
        st.serialize_field("version", &a.version)?;
        st.serialize_field("created_at", &a.created_at)?;
        st.serialize_field("updated_at", &a.updated_at)?;
        st.serialize_field("created_by", &a.created_by)?;
        st.serialize_field("updated_by", &a.updated_by)?;
        st.end()
    }
}

#[cfg(test)]
#[path = "contact_tests.rs"]
mod tests;
