//! Everything a handler needs, built once per cold start and shared by every invocation.

use std::sync::Arc;

use crate::config::{Config, EmailConfig};
use crate::domain::dates::{Clock, SystemClock};
use crate::domain::PhoneRegion;
use crate::email::{Mailer, Mailing};
use crate::exports::ExportBucket;
use crate::feedback::Feedback;
use crate::http::cursor::CursorSigner;
use crate::http::identity::Authenticator;
use crate::import::Importer;
use crate::invites::Acceptance;
use crate::portal_users::PortalUsers;
use crate::store::Store;
use crate::sweep::Sweeping;

pub struct App {
    pub store: Store,
    pub auth: Authenticator,
    pub cursors: CursorSigner,
    pub phone_region: PhoneRegion,
    pub clock: Arc<dyn Clock>,
    pub mailer: Mailer,
    pub email: EmailConfig,
    /// The portal pool's users: accepting sets their passwords, ending access disables them.
    pub portal_users: PortalUsers,
    /// How long a notification starts new sends (`notify::SEND_BUDGET`).
    pub notify_budget: std::time::Duration,
    /// The export bucket, for the functions given one (`EXPORT_BUCKET`).
    pub exports: Option<ExportBucket>,
}

impl crate::http::Context for App {
    fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    fn configured_portal_url(&self) -> &str {
        &self.email.portal_url
    }
}

impl<'a> From<&'a App> for Mailing<'a> {
    fn from(app: &'a App) -> Self {
        Mailing {
            store: &app.store,
            clock: app.clock.as_ref(),
            mailer: &app.mailer,
            email: &app.email,
            portal_url: &app.email.portal_url,
        }
    }
}

impl<'a> From<&'a App> for Sweeping<'a> {
    fn from(app: &'a App) -> Self {
        Sweeping { mail: app.into(), users: &app.portal_users }
    }
}

impl App {
    /// What the invitation, notification and sweep services use of this wiring.
    pub fn mailing(&self) -> Mailing<'_> {
        self.into()
    }

    /// What accepting an invitation uses of this wiring.
    pub fn acceptance(&self) -> Acceptance<'_> {
        Acceptance { store: &self.store, clock: self.clock.as_ref(), users: &self.portal_users }
    }

    /// What recording SES's delivery events uses of this wiring.
    pub fn feedback(&self) -> Feedback<'_> {
        Feedback { store: &self.store, retention_days: self.email.activity_retention_days }
    }

    /// What the imports use of this wiring.
    pub(crate) fn importer(&self) -> Importer<'_> {
        Importer { store: &self.store, phone_region: self.phone_region }
    }

    pub fn new(
        config: &Config,
        dynamo: aws_sdk_dynamodb::Client,
        ses: aws_sdk_sesv2::Client,
        cognito: aws_sdk_cognitoidentityprovider::Client,
    ) -> Self {
        let portal_users = PortalUsers::new(cognito, config.portal_user_pool_id.clone());
        Self::with_portal_users(config, dynamo, ses, portal_users)
    }

    fn with_portal_users(
        config: &Config,
        dynamo: aws_sdk_dynamodb::Client,
        ses: aws_sdk_sesv2::Client,
        portal_users: PortalUsers,
    ) -> Self {
        Self {
            store: Store::new(dynamo, &config.table_name).with_reminder_days(config.reminder_days),
            auth: Authenticator::new(),
            cursors: CursorSigner::new(config.cursor_secret.as_bytes()),
            phone_region: config.phone_region,
            clock: Arc::new(SystemClock),
            mailer: Mailer::new(ses, &config.email.sender, &config.email.sender_name)
                .with_configuration_set(config.email.configuration_set.clone()),
            email: config.email.clone(),
            portal_users,
            notify_budget: crate::notify::SEND_BUDGET,
            exports: None,
        }
    }

    /// Reads the configuration and builds the AWS clients (endpoints, region and credentials
    /// come from the standard AWS environment, so local runs point at the emulators).
    pub async fn from_env() -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let config = Config::from_env()?;
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let ses = ses_client(&aws, config.email.max_attempts);
        // Only the functions given the portal pool build a Cognito client (`PortalUsers`).
        let portal_users = PortalUsers::from_config(&aws, config.portal_user_pool_id.clone());
        let app = Self::with_portal_users(&config, aws_sdk_dynamodb::Client::new(&aws), ses, portal_users);
        let exports = config
            .export_bucket
            .as_ref()
            .map(|name| ExportBucket::from_config(&aws, name, config.s3_path_style));
        Ok(Self { exports, ..app })
    }
}

/// An SES client that retries throttling and transient failures `attempts` times in all, with
/// the SDK's exponential backoff and jitter, and gives up on one send after
/// `email::SEND_TIMEOUT` (see there why).
pub fn ses_client(aws: &aws_config::SdkConfig, attempts: u32) -> aws_sdk_sesv2::Client {
    let retry = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(crate::email::INITIAL_BACKOFF);
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .operation_attempt_timeout(crate::email::ATTEMPT_TIMEOUT)
        .operation_timeout(crate::email::SEND_TIMEOUT)
        .build();
    let config = aws_sdk_sesv2::config::Builder::from(aws).retry_config(retry).timeout_config(timeouts);
    aws_sdk_sesv2::Client::from_conf(config.build())
}
