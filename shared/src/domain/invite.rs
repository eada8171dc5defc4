//! Portal invitations: the secret token, the password a contact chooses, the support window,
//! and the address a link may be sent to.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use time::Date;

use super::contact::EmailDelivery;
use super::error::{DomainError, FieldError};
use super::{ContactFields, EmailStatus};

/// A fresh invitation token: 256 random bits, shown once (in the email link) and stored only
/// as its SHA-256 hash.
pub(crate) struct InviteToken(String);

impl InviteToken {
    /// Fails only when the system has no randomness to give.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

/// The stored form of a token: lowercase hex SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHash(String);

impl TokenHash {
    /// The hash of whatever a caller presents; unknown tokens simply match nothing.
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.trim().as_bytes()).iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the portal pool's policy (12 to 256 characters, no leading or trailing
/// white space) and is not the email address.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub(crate) const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str, email: &str) -> Result<Self, FieldError> {
        Self::check_policy(raw).map_err(|m| FieldError::new("password", m))?;
        if raw.trim().eq_ignore_ascii_case(email.trim()) {
            return Err(FieldError::new("password", "must not be the email address"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The pool's policy alone, which needs no invitation: checked as the request is read,
    /// so a password it refuses is 422 whatever the token (used, expired or unknown).
    pub(crate) fn check_policy(raw: &str) -> Result<(), &'static str> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err("must be at least 12 characters");
        }
        if chars > Self::MAX_CHARS {
            return Err("must be at most 256 characters");
        }
        // Cognito refuses a password that starts or ends with white space.
        if raw.trim() != raw {
            return Err("must not begin or end with a space");
        }
        Ok(())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Where a day lies against a contact's support window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Window {
    Within,
    NotStarted,
    Ended,
}

/// Where `today` lies against the contact's support window: both ends included, an open end is
/// no limit. Inviting, accepting and the portal's own checks all decide with this.
pub(crate) fn support_window(fields: &ContactFields, today: Date) -> Window {
    if fields.support_start.is_some_and(|start| today < start) {
        Window::NotStarted
    } else if fields.support_end.is_some_and(|end| today > end) {
        Window::Ended
    } else {
        Window::Within
    }
}

/// Whether portal access may be granted today, given the contact's support window.
pub(crate) fn check_support_window(fields: &ContactFields, today: Date) -> Result<(), DomainError> {
    match support_window(fields, today) {
        Window::Within => Ok(()),
        Window::NotStarted => Err(DomainError::SupportNotStarted),
        Window::Ended => Err(support_ended()),
    }
}

pub(crate) fn support_ended() -> DomainError {
    DomainError::SupportEnded
}

/// Whether a link (an invitation or a new password) may be emailed to the contact's address:
/// not once SES reported it bouncing or complained, since every such email counts against the
/// reputation of the sender all tenants share. A new address is `ok` again.
pub(crate) fn check_deliverable(delivery: &EmailDelivery) -> Result<(), DomainError> {
    match delivery.status {
        EmailStatus::Ok => Ok(()),
        refused => Err(DomainError::EmailSuppressed(refused)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed_for_storage() {
        let a = InviteToken::generate().unwrap();
        let b = InviteToken::generate().unwrap();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.as_str().len(), 43, "256 bits in unpadded base64url");
        assert_eq!(a.hash(), TokenHash::of(a.as_str()));
        assert_eq!(a.hash().as_str().len(), 64);
        assert!(!a.hash().as_str().contains(a.as_str()));
    }

    fn delivery(status: EmailStatus) -> EmailDelivery {
        EmailDelivery { status, ..EmailDelivery::default() }
    }

    #[test]
    fn a_link_may_go_to_an_address_ses_has_not_reported() {
        assert!(check_deliverable(&delivery(EmailStatus::Ok)).is_ok());
    }

    #[test]
    fn no_link_goes_to_an_address_that_bounced_or_complained() {
        for status in [EmailStatus::Bouncing, EmailStatus::Complained] {
            let refusal = check_deliverable(&delivery(status)).unwrap_err();

            assert_eq!(refusal.code(), "email-suppressed", "{status:?}");
        }
    }

    #[test]
    fn a_password_must_be_long_untrimmed_and_not_the_email() {
        assert!(Password::parse("correct horse battery", "ada@x.test").is_ok());
        assert!(Password::parse("short", "ada@x.test").is_err());
        assert!(Password::parse("ADA@longdomain.test", "ada@longdomain.test").is_err());
        assert!(Password::parse(&"x".repeat(257), "ada@x.test").is_err());
        assert!(Password::parse(" correct horse battery", "ada@x.test").is_err());
        assert!(Password::parse("correct horse battery ", "ada@x.test").is_err());
    }
}
