//! A client company of the tenant: the owner of contacts.

use serde::Serialize;
use serde_json::{Map, Value};

use super::address::{Address, AddressPatch};
use super::contact::Audit;
use super::email::Email;
use super::error::{DomainError, FieldError};
use super::fields::FieldReader;
use super::ids::{ClientId, ContactId};
use super::patch::Patch;
use super::phone::{PhoneNumber, PhoneRegion};
use super::sla::{Sla, SlaPatch};
use super::text::Text;
use super::topics::ClientStatus;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientFields {
    pub name: Text,
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub website: Option<Website>,
    pub address: Option<Address>,
    /// `active` unless set otherwise; clients stored before statuses existed are active.
    pub status: ClientStatus,
    pub sla: Sla,
}

/// An `http(s)://` URL of at most 2,000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Website(String);

impl Website {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = raw.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or("must start with http:// or https://")?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        // Characters, as openapi.yaml's `maxLength` counts them (not UTF-8 bytes).
        if host.is_empty()
            || url.chars().count() > 2000
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err("must be a web address".to_owned());
        }
        Ok(Self(url.to_owned()))
    }

    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name as searches compare it: accents and other marks dropped (transliterated to ASCII),
/// lower case, trimmed; `Société Générale` and `societe` share the prefix `societe`.
pub(crate) fn search_key(name: &str) -> String {
    deunicode::deunicode(name.trim()).to_lowercase()
}

#[derive(Debug, Clone, Default)]
pub struct ClientPatch {
    pub name: Patch<Text>,
    pub email: Patch<Email>,
    pub phone: Patch<PhoneNumber>,
    pub website: Patch<Website>,
    pub address: Patch<AddressPatch>,
    /// `null` returns the client to `active`.
    pub status: Patch<ClientStatus>,
    pub sla: Patch<SlaPatch>,
}

impl ClientPatch {
    /// Whether the patch's rules can be checked by a condition on the stored client instead of
    /// on a read of it: it changes something, keeps the name, leaves the status and service
    /// levels alone (levels merge into the current ones), and at most clears the address
    /// (merging one into the current needs the current).
    pub(crate) fn is_plain(&self) -> bool {
        let changes = !(self.name.is_absent()
            && self.email.is_absent()
            && self.phone.is_absent()
            && self.website.is_absent()
            && self.address.is_absent());
        changes
            && !matches!(self.name, Patch::Null)
            && !self.address.is_set()
            && self.status.is_absent()
            && self.sla.is_absent()
    }

    /// Reads a JSON object; for a new client (`creating`) a missing name is reported with the rest.
    pub fn parse(body: Map<String, Value>, region: PhoneRegion, creating: bool) -> Result<Self, DomainError> {
        let mut r = FieldReader::new(body);
        let patch = Self {
            name: r.text("name", 200),
            email: r.parsed("email", Email::parse),
            phone: r.parsed("phone", |s| PhoneNumber::parse(s, region)),
            website: r.parsed("website", Website::parse),
            address: r.object("address", AddressPatch::read),
            status: r.parsed("status", |s| ClientStatus::parse(s.trim())),
            sla: r.object("sla", SlaPatch::read),
        };
        let mut errors = r.finish();
        if creating && !patch.name.is_set() && !errors.iter().any(|e| e.field == "name") {
            errors.push(FieldError::new("name", "is required"));
        }
        if errors.is_empty() {
            Ok(patch)
        } else {
            Err(DomainError::Validation(errors))
        }
    }
}

impl ClientFields {
    pub fn create(patch: ClientPatch) -> Result<Self, DomainError> {
        Self::build(None, patch)
    }

    pub fn patched(&self, patch: ClientPatch) -> Result<Self, DomainError> {
        Self::build(Some(self.clone()), patch)
    }

    fn build(base: Option<ClientFields>, patch: ClientPatch) -> Result<Self, DomainError> {
        let (name, email, phone, website, address, status, sla) = match base {
            Some(b) => (Some(b.name), b.email, b.phone, b.website, b.address, b.status, b.sla),
            None => (None, None, None, None, None, ClientStatus::Active, Sla::default()),
        };
        let name = patch.name.apply(name);
        let sla = sla.patched(patch.sla);
        let (name, sla) = match (name, sla) {
            (Some(name), Ok(sla)) => (name, sla),
            (name, sla) => {
                let mut errors = sla.err().unwrap_or_default();
                if name.is_none() {
                    errors.insert(0, FieldError::new("name", "is required"));
                }
                return Err(DomainError::Validation(errors));
            }
        };
        Ok(Self {
            name,
            email: patch.email.apply(email),
            phone: patch.phone.apply(phone),
            website: patch.website.apply(website),
            address: Address::patched(address, patch.address),
            status: patch.status.apply(Some(status)).unwrap_or(ClientStatus::Active),
            sla,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: ClientId,
    pub fields: ClientFields,
    pub primary_contact_id: Option<ContactId>,
    pub contact_count: u64,
    /// Its archived contacts (`contact_count` counts the others), kept until restored or erased.
    pub archived_count: u64,
    pub audit: Audit,
}

impl Serialize for Client {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            id: ClientId,
            name: &'a Text,
            email: &'a Option<Email>,
            phone: &'a Option<PhoneNumber>,
            website: &'a Option<Website>,
            address: &'a Option<Address>,
            status: ClientStatus,
            sla: &'a Sla,
            primary_contact_id: Option<ContactId>,
            contact_count: u64,
            archived_count: u64,
            version: u64,
            created_at: &'a str,
            updated_at: &'a str,
            created_by: &'a str,
            updated_by: &'a str,
        }
        let f = &self.fields;
        View {
            id: self.id,
            name: &f.name,
            email: &f.email,
            phone: &f.phone,
            website: &f.website,
            address: &f.address,
            status: f.status,
            sla: &f.sla,
            primary_contact_id: self.primary_contact_id,
            contact_count: self.contact_count,
            archived_count: self.archived_count,
            version: self.audit.version,
            created_at: &self.audit.created_at,
            updated_at: &self.audit.updated_at,
            created_by: &self.audit.created_by,
            updated_by: &self.audit.updated_by,
        }
        .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::Website;

    #[test]
    fn a_website_of_2000_characters_is_taken_whatever_their_utf8_length() {
        let at_limit = format!("https://x.test/{}", "é".repeat(2000 - 15));
        assert_eq!(at_limit.chars().count(), 2000);
        assert!(Website::parse(&at_limit).is_ok());
        assert!(Website::parse(&format!("{at_limit}é")).is_err(), "2,001 characters");
    }

    #[test]
    fn a_website_needs_a_scheme_a_host_and_no_white_space() {
        for bad in
            ["x.test", "HTTPS://x.test", "ftp://x.test", "https://", "https:///p", "https://x.test/a b"]
        {
            assert!(Website::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(Website::parse(" https://x.test/p?q#f ").unwrap().as_str(), "https://x.test/p?q#f");
    }
}
