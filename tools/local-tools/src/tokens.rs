//! HS256 tokens shaped like Cognito's, for local runs and tests.

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;

pub const ADMIN_GROUP: &str = "psa_admins";

pub struct TokenSpec<'a> {
    pub tenant: &'a str,
    pub user: &'a str,
    pub groups: &'a [&'a str],
    pub privileges: &'a [&'a str],
    /// Seconds from now until expiry; negative for an expired token.
    pub expires_in: i64,
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock after 1970").as_secs()
        as i64
}

pub fn mint(secret: &str, spec: &TokenSpec) -> String {
    let now = now();
    let claims = json!({
        "sub": spec.user,
        "custom:tenant_id": spec.tenant,
        "cognito:groups": spec.groups,
        "custom:privileges": spec.privileges.join(" "),
        "iat": now,
        "exp": now + spec.expires_in,
    });
    encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).expect("encode token")
}

/// A token with exactly these claims, for claim shapes `mint` does not produce.
pub fn mint_claims(secret: &str, claims: serde_json::Value) -> String {
    encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).expect("encode token")
}
