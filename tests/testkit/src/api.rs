//! Drives the real handlers in-process with API Gateway HTTP API v2 events.

mod callers;
mod event;
mod on_drop;
mod requests;
mod response;

use std::sync::Arc;

use shared::config::{Config, EmailConfig};
use shared::domain::PhoneRegion;
use shared::App;

use crate::clock::TestClock;
use crate::table::{create_table_with, dynamo_client, Stream};

pub use callers::Caller;
pub use response::TestResponse;

/// The `Authorization` header API Gateway leaves on a request whose token its authorizer
/// verified: functions never read it, and it must never reach a log line.
pub const VERIFIED_TOKEN: &str = "eyJraWQiOiJ0ZXN0In0.eyJ2ZXJpZmllZCI6dHJ1ZX0.verified-token-signature";
/// The group that makes a staff user an administrator of its tenant.
pub const ADMIN_GROUP: &str = "psa_admins";
const CURSOR_SECRET: &str = "test-cursor-secret-0123456789";
/// SES attempts per email in most tests: fewer than production's, so that tests whose SES is
/// unreachable fail fast instead of waiting out production's backoff (`behind_ses_proxy` keeps
/// production's).
const TEST_EMAIL_ATTEMPTS: u32 = 2;
/// Days before support ends that the reminder is due (`SUPPORT_REMINDER_DAYS`, production's
/// default); the invariant checker derives sweep keys with it.
pub const REMINDER_DAYS: u32 = 14;
/// Nothing listens on the discard port: an SES there is unreachable.
const UNREACHABLE: &str = "http://127.0.0.1:9";

pub struct TestApi {
    pub app: App,
    pub clock: Arc<TestClock>,
    pub table: String,
    pub db: aws_sdk_dynamodb::Client,
    /// Send `pathParameters` as API Gateway does; off = raw path only, as cargo lambda watch.
    pub path_parameters: bool,
}

impl TestApi {
    /// A fresh table in DynamoDB Local and an app bound to it, sending mail to the SES emulator.
    pub async fn new() -> Self {
        Self::with_ses(Self::ses(None, TEST_EMAIL_ATTEMPTS).await).await
    }

    /// Like `new`, but SES is unreachable: every send fails after its retries.
    pub async fn with_unreachable_email() -> Self {
        Self::with_ses(Self::ses(Some(UNREACHABLE), TEST_EMAIL_ATTEMPTS).await).await
    }

    /// Like `new`, but the app sends email through a proxy in front of the SES emulator that
    /// records every send and can fail chosen ones. Its SES client is production's: as many
    /// attempts as `EMAIL_MAX_ATTEMPTS` gives by default, with the same backoff.
    pub async fn behind_ses_proxy() -> (Self, crate::proxy::SesProxy) {
        let upstream = std::env::var("AWS_ENDPOINT_URL_SESV2").expect("AWS_ENDPOINT_URL_SESV2");
        let proxy = crate::proxy::SesProxy::start(&upstream).await;
        let attempts = EmailConfig::default().max_attempts;
        let mut api = Self::with_ses(Self::ses(Some(&proxy.url), attempts).await).await;
        api.app.email.max_attempts = attempts;
        (api, proxy)
    }

    /// Like `new`, but the app reaches DynamoDB through a proxy that counts its calls and can
    /// fail chosen ones.
    pub async fn behind_proxy() -> (Self, crate::proxy::DynamoProxy) {
        let mut api = Self::new().await;
        let upstream = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("AWS_ENDPOINT_URL_DYNAMODB");
        let proxy = crate::proxy::DynamoProxy::start(&upstream).await;
        let clock = api.app.clock.clone();
        let cognito = crate::cognito::client().await;
        api.app = App::new(&Self::config(&api.table), proxy.client().await, api.app.mailer.client(), cognito);
        api.app.clock = clock;
        (api, proxy)
    }

    /// Like `new`, but the portal pool cannot be reached: every call the app makes to it fails,
    /// and the app logs each one as a warning (`portal_users`), so a test sees which it made.
    pub async fn with_unreachable_portal_pool() -> Self {
        let mut api = Self::new().await;
        let cognito = local_cognito::client(UNREACHABLE).await;
        api.app.portal_users =
            shared::portal_users::PortalUsers::new(cognito, crate::cognito::portal_pool_id());
        api
    }

    /// The same app with `url` as its PORTAL_URL (empty: the pages on the API's own domain).
    pub fn with_portal_url(mut self, url: &str) -> Self {
        self.app.email.portal_url = url.to_owned();
        self
    }

    /// The same app with a quota of `limit` emails a day per tenant (`EMAIL_DAILY_QUOTA`).
    pub fn with_daily_email_quota(mut self, limit: u32) -> Self {
        self.app.email.daily_quota = limit;
        self
    }

    /// The app's configuration for `table` (the portal pool's id once a `TestApi` made it).
    pub fn config(table: &str) -> Config {
        Config {
            table_name: table.to_owned(),
            phone_region: PhoneRegion::parse("US").expect("US"),
            cursor_secret: CURSOR_SECRET.into(),
            reminder_days: REMINDER_DAYS,
            portal_user_pool_id: crate::cognito::portal_pool_id(),
            // A bucket of the test's own when it asks for one (`exports::ExportRun::of`).
            export_bucket: None,
            s3_path_style: true,
            email: EmailConfig {
                sender: "no-reply@acme-services.test".into(),
                sender_name: "Acme Services".into(),
                portal_url: "https://portal.test/".into(),
                invite_ttl_hours: 48,
                max_attempts: TEST_EMAIL_ATTEMPTS,
                // As deployed, every email names one (the emulator accepts and ignores it).
                configuration_set: Some("client-contacts-test-email".into()),
                ..EmailConfig::default()
            },
        }
    }

    /// From now on every email this app sends fails (SES unreachable), or works again.
    pub async fn set_email_reachable(&mut self, reachable: bool) {
        let endpoint = (!reachable).then_some(UNREACHABLE);
        self.app.mailer = shared::email::Mailer::new(
            Self::ses(endpoint, TEST_EMAIL_ATTEMPTS).await,
            "no-reply@acme-services.test",
            "Acme Services",
        )
        .with_configuration_set(self.app.email.configuration_set.clone());
    }

    async fn ses(endpoint: Option<&str>, attempts: u32) -> aws_sdk_sesv2::Client {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let mut ses_config = shared::app::ses_client(&aws, attempts).config().to_builder();
        if let Some(url) = endpoint {
            ses_config = ses_config.endpoint_url(url);
        }
        aws_sdk_sesv2::Client::from_conf(ses_config.build())
    }

    async fn with_ses(ses: aws_sdk_sesv2::Client) -> Self {
        crate::logs::install();
        let db = dynamo_client().await;
        let table = format!("test-{}", ulid::Ulid::new());
        // Without its stream until a test reads it (`events::EventStream::of` turns it on).
        create_table_with(&db, &table, Stream::Off).await.expect("create test table");
        crate::cognito::pools().await;
        let mut app = App::new(&Self::config(&table), db.clone(), ses, crate::cognito::client().await);
        let clock = Arc::new(TestClock::now_utc());
        app.clock = clock.clone();
        // A portal user's sign-in (through the emulator's trigger) finds its contact here.
        crate::sign_in::register_table(&table, clock.clone());
        Self { app, clock, table, db, path_parameters: true }
    }
}
