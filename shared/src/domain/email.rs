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
        let options =
            Options { minimum_sub_domains: 2, allow_domain_literal: false, allow_display_text: false };
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

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn a_valid_address_is_kept_as_entered_but_trimmed() {
        let email = Email::parse("  Ada.Lovelace@Example.com ").unwrap();
        assert_eq!(email.as_str(), "Ada.Lovelace@Example.com");
    }

    #[test]
    fn addresses_differing_only_in_case_share_a_key() {
        assert_eq!(Email::parse("ADA@x.test").unwrap().key(), Email::parse("ada@X.TEST").unwrap().key());
    }

    #[test]
    fn invalid_addresses_are_refused() {
        for bad in
            ["", "ada", "ada@", "@x.test", "ada@x", "Ada <ada@x.test>", "ada@[127.0.0.1]", "a b@x.test"]
        {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn line_breaks_cannot_smuggle_mail_headers() {
        assert!(Email::parse("ada@x.test\r\nBcc: victim@y.test").is_err());
        assert!(Email::parse("ada@x.test\nBcc:v@y.test").is_err());
    }

    #[test]
    fn overlong_addresses_are_refused() {
        let long = format!("{}@x.test", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }
}
