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
    pub email: EmailConfig,
    /// Days before support ends that contacts get a reminder (`SUPPORT_REMINDER_DAYS`).
    pub reminder_days: u32,
    /// The portal user pool (`PORTAL_USER_POOL_ID`), given only to the functions that
    /// administer its users (accepting an invitation, ending portal access).
    pub portal_user_pool_id: Option<String>,
    /// The export bucket (`EXPORT_BUCKET`), given only to the functions that write or hand out
    /// export files.
    pub export_bucket: Option<String>,
    /// Address S3 by path (`bucket` after the host) rather than by host name: set when
    /// `AWS_ENDPOINT_URL_S3` points at a local emulator, which has no per-bucket host names.
    pub s3_path_style: bool,
}

/// Outgoing email and the portal its links lead to.
#[derive(Clone)]
pub struct EmailConfig {
    pub sender: String,
    /// How emails sign off ("... has invited you").
    pub sender_name: String,
    pub portal_url: String,
    pub invite_ttl_hours: u32,
    /// Attempts per SES call, throttling and transient errors included (exponential backoff).
    pub max_attempts: u32,
    /// Keep `img` elements in notification HTML (`EMAIL_ALLOW_REMOTE_IMAGES`, default off):
    /// remote images tell the sender who opened the email and when.
    pub allow_remote_images: bool,
    /// Emails each tenant may send in any 24 hours (`EMAIL_DAILY_QUOTA`): invitations,
    /// notifications and the sweep's notices, so one tenant cannot spend the reputation of
    /// the sender all tenants share.
    pub daily_quota: u32,
    /// The SES configuration set every email names (`SES_CONFIGURATION_SET`), whose event
    /// destination reports deliveries, bounces and complaints.
    pub configuration_set: Option<String>,
    /// Days a contact's activity items are kept (`ACTIVITY_RETENTION_DAYS`, default 365).
    pub activity_retention_days: u32,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            sender: "no-reply@example.com".into(),
            sender_name: "Your account team".into(),
            // Empty: the portal pages the stack serves, on the API's domain (`Call::portal_url`).
            portal_url: String::new(),
            invite_ttl_hours: 48,
            max_attempts: 4,
            allow_remote_images: false,
            daily_quota: 1000,
            configuration_set: None,
            activity_retention_days: crate::domain::activity::DEFAULT_RETENTION_DAYS,
        }
    }
}

/// The `change-events` function's settings: where its events go and what they may carry.
#[derive(Clone, Debug)]
pub struct EventsConfig {
    pub table_name: String,
    /// The bus the domain events go to (`EVENT_BUS_NAME`).
    pub bus_name: String,
    /// Days a contact's activity items are kept (`ACTIVITY_RETENTION_DAYS`, default 365).
    pub activity_retention_days: u32,
    /// `EVENTS_PUBLISH_INTERNAL_NOTES` (default off).
    pub internal_notes: InternalNotes,
}

/// Whether change events carry the text of a contact's internal notes (`description`). Every
/// subscriber of the bus reads what it carries, and the notes are the service company's own,
/// which not even the contact's portal user sees; withheld, a change of them is still named.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InternalNotes {
    #[default]
    Withheld,
    Published,
}

impl EventsConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        let publish_notes = flag("EVENTS_PUBLISH_INTERNAL_NOTES", false)?;
        Ok(Self {
            table_name: var("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?,
            bus_name: var("EVENT_BUS_NAME").ok_or(ConfigError::Missing("EVENT_BUS_NAME"))?,
            activity_retention_days: number(
                "ACTIVITY_RETENTION_DAYS",
                crate::domain::activity::DEFAULT_RETENTION_DAYS,
            )?,
            internal_notes: if publish_notes { InternalNotes::Published } else { InternalNotes::Withheld },
        })
    }
}

fn number(name: &'static str, default: u32) -> Result<u32, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(ConfigError::Invalid(name, "expected a positive whole number")),
    }
}

fn flag(name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match var(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if v == "true" => Ok(true),
        Some(v) if v == "false" => Ok(false),
        Some(_) => Err(ConfigError::Invalid(name, "expected true or false")),
    }
}

/// The `portal-pages` function's settings: where the client portal's pages find Cognito and
/// the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalPagesConfig {
    /// Cognito's endpoint, which the pages call to sign in and to refresh a session: the
    /// region's, or `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` where an emulator stands in.
    pub cognito_endpoint: String,
    /// The portal pool's app client (`PORTAL_CLIENT_ID`).
    pub client_id: String,
    /// The API's base URL (`PORTAL_API_URL`); by default `..`, relative to the pages, which the
    /// API itself serves.
    pub api_base: String,
}

impl PortalPagesConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        let cognito_endpoint = match var("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER") {
            Some(endpoint) => endpoint,
            None => {
                let region = var("AWS_REGION").ok_or(ConfigError::Missing("AWS_REGION"))?;
                format!("https://cognito-idp.{region}.amazonaws.com/")
            }
        };
        Ok(Self {
            cognito_endpoint,
            client_id: var("PORTAL_CLIENT_ID").ok_or(ConfigError::Missing("PORTAL_CLIENT_ID"))?,
            api_base: var("PORTAL_API_URL").unwrap_or_else(|| "..".into()),
        })
    }
}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl EmailConfig {
    /// The email settings of the environment, each defaulting to `EmailConfig::default()`'s.
    pub fn from_env() -> Result<Self, ConfigError> {
        let d = EmailConfig::default();
        Ok(EmailConfig {
            sender: var("SENDER_EMAIL").unwrap_or(d.sender),
            sender_name: var("SENDER_NAME").unwrap_or(d.sender_name),
            portal_url: var("PORTAL_URL").unwrap_or(d.portal_url),
            invite_ttl_hours: number("INVITE_TTL_HOURS", d.invite_ttl_hours)?,
            max_attempts: number("EMAIL_MAX_ATTEMPTS", d.max_attempts)?,
            allow_remote_images: flag("EMAIL_ALLOW_REMOTE_IMAGES", d.allow_remote_images)?,
            daily_quota: number("EMAIL_DAILY_QUOTA", d.daily_quota)?,
            configuration_set: var("SES_CONFIGURATION_SET"),
            activity_retention_days: number("ACTIVITY_RETENTION_DAYS", d.activity_retention_days)?,
        })
    }
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
            reminder_days: number("SUPPORT_REMINDER_DAYS", 14)?,
            portal_user_pool_id: var("PORTAL_USER_POOL_ID"),
            export_bucket: var("EXPORT_BUCKET"),
            s3_path_style: var("AWS_ENDPOINT_URL_S3").is_some(),
            email: EmailConfig::from_env()?,
        })
    }
}

/// The portal sign-in trigger's view of the pools: the portal pool's id if it is given one
/// (`PORTAL_USER_POOL_ID`; an event of any other pool is then refused), and the pool the local
/// emulator's build passes through (`LOCAL_PASS_THROUGH_POOL_ID`: the staff pool, since the
/// emulator calls one trigger for both pools). The trigger reads the second only when built
/// with its `local-emulator` feature, so nothing passes ungated in AWS.
pub struct SignInPools {
    pub portal: Option<String>,
    pub pass_through: Option<String>,
}

impl SignInPools {
    pub fn from_env(local_emulator: bool) -> Self {
        Self {
            portal: var("PORTAL_USER_POOL_ID"),
            pass_through: if local_emulator { var("LOCAL_PASS_THROUGH_POOL_ID") } else { None },
        }
    }
}

/// The CloudWatch namespace of the service's metrics (`METRICS_NAMESPACE`, which the template
/// sets per stack; `ClientContacts` without one).
pub(crate) fn metrics_namespace() -> String {
    std::env::var("METRICS_NAMESPACE").ok().filter(|n| !n.is_empty()).unwrap_or("ClientContacts".into())
}

/// The application log level Lambda passes from the function's logging configuration
/// (`AWS_LAMBDA_LOG_LEVEL`), if any.
pub(crate) fn lambda_log_level() -> Option<String> {
    std::env::var("AWS_LAMBDA_LOG_LEVEL").ok()
}
