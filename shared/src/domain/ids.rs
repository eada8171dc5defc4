//! Identifiers. Resource ids are ULIDs (sortable by creation time, so lists come out in creation
//! order). Tenant ids come from the identity token and are restricted to a safe alphabet because
//! they are spliced into table keys: `#` in a tenant id could reach another tenant's items.

use std::fmt;

use serde::Serialize;
use ulid::Ulid;

macro_rules! ulid_id {
    ($name:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(#[serde(serialize_with = "serialize_ulid")] Ulid);

        impl $name {
            pub fn generate() -> Self {
                Self(Ulid::new())
            }

            /// Parses the canonical 26-character form (case-insensitive).
            pub fn parse(raw: &str) -> Option<Self> {
                if raw.len() != 26 {
                    return None;
                }
                Ulid::from_string(raw).ok().map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&raw).ok_or_else(|| serde::de::Error::custom("not an id"))
            }
        }
    };
}

ulid_id!(ClientId);
ulid_id!(ContactId);
ulid_id!(NoteId);
ulid_id!(ExportId);
ulid_id!(TagId);

impl NoteId {
    /// A new id whose time is `at` (to the millisecond): a note's place in the history, so its
    /// key follows from its id.
    pub fn at(at: time::OffsetDateTime) -> Self {
        Self(Ulid::from_datetime(std::time::SystemTime::from(at)))
    }

    /// The time the id was made at.
    pub fn written_at(&self) -> time::OffsetDateTime {
        let nanos = i128::from(self.0.timestamp_ms()) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }
}

fn serialize_ulid<S: serde::Serializer>(id: &Ulid, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(id)
}

/// A tenant id: 1-64 characters of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantId(String);

impl TenantId {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The acting user (`sub` claim), recorded as `created_by` / `updated_by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserId(String);

impl UserId {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty() && raw.len() <= 128 && !raw.chars().any(char::is_control);
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
