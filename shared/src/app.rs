//! Everything a handler needs, built once per cold start and shared by every invocation.

use std::sync::Arc;

use crate::config::Config;
use crate::domain::dates::{Clock, SystemClock};
use crate::domain::PhoneRegion;
use crate::http::cursor::CursorSigner;
use crate::http::identity::Authenticator;
use crate::store::Store;

pub struct App {
    pub store: Store,
    pub auth: Authenticator,
    pub cursors: CursorSigner,
    pub phone_region: PhoneRegion,
    pub clock: Arc<dyn Clock>,
}

impl App {
    pub fn new(config: &Config, dynamo: aws_sdk_dynamodb::Client) -> Self {
        Self {
            store: Store::new(dynamo, &config.table_name),
            auth: Authenticator::new(config.local_jwt_secret.as_deref()),
            cursors: CursorSigner::new(config.cursor_secret.as_bytes()),
            phone_region: config.phone_region,
            clock: Arc::new(SystemClock),
        }
    }

    /// Reads the configuration and builds the AWS clients (endpoints, region and credentials
    /// come from the standard AWS environment, so local runs point at the emulators).
    pub async fn from_env() -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let config = Config::from_env()?;
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Ok(Self::new(&config, aws_sdk_dynamodb::Client::new(&aws)))
    }
}
