//! Tags: a tenant's own labels for contacts (a name and, if given, a colour). A contact holds
//! the ids of its tags, at most `MAX_TAGS_PER_CONTACT`, so renaming a tag changes the tag alone.
//! Names are unique in a tenant, compared by `name_key` (case and surrounding blanks aside).

use serde::Serialize;
use serde_json::{Map, Value};

use super::audit::{etag_of, Audit};
use super::fields::FieldReader;
use super::ids::TagId;
use super::{DomainError, FieldError, Patch, Stamp, Text};

pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_TAGS_PER_CONTACT: u64 = 20;

/// A tag as stored and answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    pub id: TagId,
    pub name: Text,
    /// `#rrggbb`, lower case; none unless given.
    pub colour: Option<String>,
    /// Set while its deletion removes it from its contacts (`DELETE /tags/{id}` again goes on).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deleting: bool,
    #[serde(flatten)]
    pub audit: Audit,
}

/// What a request sets on a tag: the whole of a new one (`creating`), or a JSON merge patch.
#[derive(Debug, Default, Clone)]
pub struct TagPatch {
    pub name: Patch<Text>,
    pub colour: Patch<String>,
}

/// `#rrggbb` (hex digits in either case), kept in lower case.
pub fn parse_colour(raw: &str) -> Result<String, String> {
    let hex = raw.strip_prefix('#').filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    match hex {
        Some(hex) => Ok(format!("#{}", hex.to_ascii_lowercase())),
        None => Err("must be a colour as #rrggbb".to_owned()),
    }
}

/// What makes two names the same tag: lower case, blanks inside collapsed to one space.
pub fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

impl TagPatch {
    /// Reads a JSON object; every bad or unknown field is reported at once.
    pub fn parse(body: Map<String, Value>, creating: bool) -> Result<Self, DomainError> {
        let mut r = FieldReader::new(body);
        let patch = Self { name: r.text("name", MAX_NAME_CHARS), colour: r.exact("colour", parse_colour) };
        let mut errors = r.finish();
        let named = errors.iter().any(|e| e.field == "name");
        match (&patch.name, creating) {
            (Patch::Set(_), _) | (Patch::Absent, false) => {}
            (Patch::Absent | Patch::Null, true) if !named => {
                errors.push(FieldError::new("name", "is required"))
            }
            (Patch::Null, false) if !named => errors.push(FieldError::new("name", "cannot be removed")),
            _ => {}
        }
        match errors.is_empty() {
            true => Ok(patch),
            false => Err(DomainError::Validation(errors)),
        }
    }
}

impl Tag {
    pub fn create(id: TagId, patch: TagPatch, stamp: &Stamp) -> Result<Self, DomainError> {
        let Patch::Set(name) = patch.name else {
            return Err(DomainError::invalid("name", "is required"));
        };
        Ok(Self { id, name, colour: patch.colour.apply(None), deleting: false, audit: Audit::new(stamp) })
    }

    /// The tag with `patch` applied; a new version only when something changed.
    pub fn patched(&self, patch: TagPatch, stamp: &Stamp) -> Self {
        let mut next = self.clone();
        if let Patch::Set(name) = patch.name {
            next.name = name;
        }
        next.colour = patch.colour.apply(next.colour);
        if next != *self {
            next.audit = self.audit.next(stamp);
        }
        next
    }

    pub fn name_key(&self) -> String {
        name_key(self.name.as_str())
    }

    pub fn etag(&self) -> String {
        etag_of(self.audit.version)
    }
}

#[cfg(test)]
#[path = "tag_tests.rs"]
mod tests;
