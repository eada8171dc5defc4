//! Opaque list cursors. A cursor carries the sort key to continue after, and an HMAC over it
//! and the list it belongs to (tenant, route, parent, filters), so it cannot be forged, edited
//! or replayed on another list or by another tenant.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::{HttpError, HttpResult, RequestError};

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the MAC kept in the cursor: 128 bits.
const TAG_LEN: usize = 16;
const MAX_CURSOR_LEN: usize = 512;

pub struct CursorSigner {
    secret: Vec<u8>,
}

impl CursorSigner {
    pub fn new(secret: &[u8]) -> Self {
        Self { secret: secret.to_vec() }
    }

    fn mac(&self, scope: &str, position: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(scope.as_bytes());
        mac.update(&[0]);
        mac.update(position.as_bytes());
        mac
    }

    pub fn sign(&self, scope: &str, position: &str) -> String {
        let tag = &self.mac(scope, position).finalize().into_bytes()[..TAG_LEN];
        format!("{}.{}", URL_SAFE_NO_PAD.encode(position), URL_SAFE_NO_PAD.encode(tag))
    }

    /// Where a list resumes: at the start without a cursor, else after the position the cursor
    /// carries, which must have been made for `scope` and be a key starting with `prefix`.
    pub(crate) fn resume(
        &self,
        scope: &str,
        cursor: Option<&str>,
        prefix: &str,
    ) -> HttpResult<Option<String>> {
        let Some(cursor) = cursor else {
            return Ok(None);
        };
        let position = self.verify(scope, cursor)?;
        if !position.starts_with(prefix) {
            return Err(RequestError::BadRequest("invalid cursor".into()).into());
        }
        Ok(Some(position))
    }

    /// The position a cursor stands for, if it was made for `scope`.
    pub fn verify(&self, scope: &str, cursor: &str) -> HttpResult<String> {
        let invalid = || HttpError::from(RequestError::BadRequest("invalid cursor".into()));
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(invalid());
        }
        let (position, tag) = cursor.split_once('.').ok_or_else(invalid)?;
        let position = URL_SAFE_NO_PAD.decode(position).map_err(|_| invalid())?;
        let position = String::from_utf8(position).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        if tag.len() != TAG_LEN {
            return Err(invalid());
        }
        // Constant-time comparison of the truncated tag.
        self.mac(scope, &position).verify_truncated_left(&tag).map_err(|_| invalid())?;
        Ok(position)
    }
}

#[cfg(test)]
mod tests {
    use super::CursorSigner;

    #[test]
    fn a_cursor_opens_only_for_the_scope_it_was_made_for() {
        let signer = CursorSigner::new(b"0123456789abcdef");
        let cursor = signer.sign("contacts|t1|c1|||", "CONTACT#01J");
        assert_eq!(signer.verify("contacts|t1|c1|||", &cursor).unwrap(), "CONTACT#01J");
        assert!(signer.verify("contacts|t2|c1|||", &cursor).is_err());
        assert!(signer.verify("contacts|t1|c1|invoice||", &cursor).is_err());
    }

    #[test]
    fn an_edited_or_forged_cursor_is_refused() {
        let signer = CursorSigner::new(b"0123456789abcdef");
        let cursor = signer.sign("s", "CONTACT#01J");
        let (_, tag) = cursor.split_once('.').unwrap();
        let edited = format!(
            "{}.{tag}",
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, "CONTACT#02J")
        );
        assert!(signer.verify("s", &edited).is_err());
        assert!(CursorSigner::new(b"another-secret-0").verify("s", &cursor).is_err());
        for junk in ["", ".", "abc", "a.b.c", &"x".repeat(600)] {
            assert!(signer.verify("s", junk).is_err(), "{junk:?}");
        }
    }
}
