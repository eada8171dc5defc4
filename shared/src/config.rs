//! Settings read once from the environment at cold start.

use crate::domain::PhoneRegion;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("environment variable {0} is invalid: {1}")]
    Invalid(&'static str, &'static str),
}

#[derive(Clone)]
pub struct Config {
    pub table_name: String,
    pub phone_region: PhoneRegion,
    /// Key of the HMAC that makes list cursors tamper-proof.
    pub cursor_secret: String,
    /// Only for local runs and tests: verify HS256 Bearer tokens when no authorizer ran.
    pub local_jwt_secret: Option<String>,
}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let phone_region = match var("DEFAULT_PHONE_REGION") {
            None => PhoneRegion::default(),
            Some(code) => PhoneRegion::parse(&code)
                .ok_or(ConfigError::Invalid("DEFAULT_PHONE_REGION", "expected a region code such as US"))?,
        };
        let cursor_secret = var("CURSOR_SECRET").ok_or(ConfigError::Missing("CURSOR_SECRET"))?;
        if cursor_secret.len() < 16 {
            return Err(ConfigError::Invalid("CURSOR_SECRET", "use at least 16 characters"));
        }
        Ok(Self {
            table_name: var("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?,
            phone_region,
            cursor_secret,
            local_jwt_secret: var("LOCAL_JWT_SECRET"),
        })
    }
}
