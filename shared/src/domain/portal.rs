//! The client portal's rules: who may use it today, and what a contact may change about
//! itself there. The sign-in gate (the service `portal::gate`) and the portal routes both decide
//! with `check_access`, so a token still valid after a revoke opens nothing.

use super::custom_field::CustomFields;
use std::fmt;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use time::Date;

use super::contact::{Contact, ContactPatch};
use super::email::Email;
use super::error::{DomainError, FieldError};
use super::ids::TenantId;
use super::invite::{support_window, Window};
use super::phone::PhoneRegion;
use super::topics::PortalStatus;

/// Why a contact may not use the portal now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalRefusal {
    /// The contact no longer exists.
    Gone,
    /// Its portal status is not `active` (none, invited or revoked).
    NotActive,
    /// Support starts on that day.
    SupportNotStarted(Date),
    /// Support ended on that day.
    SupportEnded(Date),
    /// The user signs in with an address that is no longer the contact's: an address change
    /// ends access until the new address accepts a new invitation.
    AddressChanged,
}

impl PortalRefusal {
    /// The problem code a portal route answers with (403), and the words Cognito shows when it
    /// refuses a sign-in; a deleted contact has no access, like one that never had it.
    pub fn code(self) -> &'static str {
        match self {
            PortalRefusal::Gone | PortalRefusal::NotActive | PortalRefusal::AddressChanged => {
                "portal-not-active"
            }
            PortalRefusal::SupportNotStarted(_) => "portal-support-not-started",
            PortalRefusal::SupportEnded(_) => "portal-support-ended",
        }
    }
}

/// The words Cognito shows a refused sign-in (and a portal route's 403 its `detail`): the
/// portal's pages tell the contact why from them, and the day support starts or ended.
impl fmt::Display for PortalRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortalRefusal::Gone => f.write_str("this contact no longer has portal access"),
            PortalRefusal::NotActive => f.write_str("portal access is not active for this contact"),
            PortalRefusal::SupportNotStarted(start) => {
                write!(f, "this contact's support has not started yet (it starts on {start})")
            }
            PortalRefusal::SupportEnded(end) => write!(f, "this contact's support has ended (on {end})"),
            PortalRefusal::AddressChanged => {
                f.write_str("this address no longer has portal access; ask for a new invitation")
            }
        }
    }
}

/// Whether `contact` (None: it is gone) may use the portal on `today`: its status is `active`
/// and today lies within its support window (both ends included; an open end is no limit).
pub(crate) fn check_access(contact: Option<&Contact>, today: Date) -> Result<&Contact, PortalRefusal> {
    let contact = contact.ok_or(PortalRefusal::Gone)?;
    if contact.portal.status != PortalStatus::Active {
        return Err(PortalRefusal::NotActive);
    }
    match support_window(&contact.fields, today) {
        Window::Within => Ok(contact),
        // The window names the day that decided it.
        Window::NotStarted => {
            Err(PortalRefusal::SupportNotStarted(contact.fields.support_start.unwrap_or(today)))
        }
        Window::Ended => Err(PortalRefusal::SupportEnded(contact.fields.support_end.unwrap_or(today))),
    }
}

/// Whether the portal user signing in with `user_email` may use the portal as `contact` on
/// `today`: `check_access`, and the address must still be the contact's. Accepting an invitation
/// makes a user for the contact's address, and an address change removes it; this refuses a user
/// that outlived such a change (a removal that failed), whatever its password.
pub(crate) fn check_sign_in<'a>(
    contact: Option<&'a Contact>,
    user_email: Option<&str>,
    today: Date,
) -> Result<&'a Contact, PortalRefusal> {
    let contact = check_access(contact, today)?;
    if is_current_address(contact, user_email) {
        Ok(contact)
    } else {
        Err(PortalRefusal::AddressChanged)
    }
}

/// Whether `address` (a portal user's, as Cognito holds it) is the contact's address now,
/// compared as the tenant's uniqueness claim compares them (`Email::key`).
pub fn is_current_address(contact: &Contact, address: Option<&str>) -> bool {
    let current = contact.fields.email.as_ref().map(Email::key);
    let given = address.and_then(|a| Email::parse(a).ok()).map(|a| a.key());
    current.is_some() && current == given
}

/// The portal pool's username of a tenant's contact with `email`: the tenant, a colon, and
/// the first 48 hex digits (192 bits) of the SHA-256 of the address's uniqueness key
/// (`Email::key`, the address in lower case). The pool is shared by every tenant, and an
/// address is unique only within one, so the tenant is part of the name: one person may use
/// the portal of each tenant it is a contact of, and no tenant can take an address from
/// another. A portal front end derives it the same way from the tenant in its URL and the
/// address typed in (docs/decisions.md). It names no address (CloudTrail logs usernames),
/// stays within Cognito's 128 characters for a 64-character tenant, and changes with the
/// address, so a new address needs a new user, made by accepting a new invitation.
pub fn portal_username(tenant: &TenantId, email: &Email) -> String {
    let digest = Sha256::digest(email.key().as_bytes());
    let hex: String = digest.iter().take(24).map(|b| format!("{b:02x}")).collect();
    format!("{}:{hex}", tenant.as_str())
}

/// The fields a contact changes about itself in the portal. Everything else (its email, which
/// is its sign-in name, its permissions, recipient lists, support window, role at the client)
/// is the service company's to set.
pub(crate) const SELF_SERVICE_FIELDS: &[&str] =
    &["salutation", "first_name", "last_name", "job_title", "mobile", "phone", "secondary_phone", "address"];

/// A portal user's merge patch of its own contact: every field outside `SELF_SERVICE_FIELDS`
/// is reported, together with any bad value of the allowed ones, in one 422.
pub(crate) fn self_service_patch(
    body: Map<String, Value>,
    region: PhoneRegion,
) -> Result<ContactPatch, DomainError> {
    let (allowed, refused): (Map<String, Value>, Map<String, Value>) =
        body.into_iter().partition(|(name, _)| SELF_SERVICE_FIELDS.contains(&name.as_str()));
    let mut errors: Vec<FieldError> = refused
        .keys()
        .map(|name| FieldError::new(name.as_str(), "cannot be changed in the portal"))
        .collect();
    match ContactPatch::parse(allowed, region, &CustomFields::default(), false) {
        Ok(patch) if errors.is_empty() => return Ok(patch),
        Ok(_) => {}
        Err(DomainError::Validation(bad)) => errors.extend(bad),
        Err(other) => return Err(other),
    }
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    Err(DomainError::Validation(errors))
}

#[cfg(test)]
#[path = "portal_tests.rs"]
mod tests;
