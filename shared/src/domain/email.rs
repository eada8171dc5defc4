//! Email addresses: validated by RFC 5322 rules (the `email_address` crate), stored as entered
//! (trimmed), compared case-insensitively through `key()`.

use email_address::{EmailAddress, Options};
use serde::Serialize;

const MAX_LEN: usize = 254;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.len() > MAX_LEN {
            return Err(format!("at most {MAX_LEN} characters"));
        }
        // Control characters would allow header injection in outgoing mail.
        if trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err("must be a valid email address".to_owned());
        }
        let options = Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
        };
        EmailAddress::parse_with_options(trimmed, options)
            .map(|_| Self(trimmed.to_owned()))
            .map_err(|_| "must be a valid email address".to_owned())
    }

    /// For values read back from the table, which were validated when written.
    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uniqueness key: two addresses that differ only in case or surrounding blanks clash.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}
