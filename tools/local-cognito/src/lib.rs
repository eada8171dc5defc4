//! The template's two user pools on the local Cognito emulator (cognito-local), made from the
//! template's own settings, and staff users with ID tokens, so that locally every token is a
//! real Cognito token (RS256, verified against the pool's JWKS by the local API) and nothing
//! in the functions knows it runs locally.

pub mod pools;
pub mod users;

pub use local_api::authorizer::{LocalPool, LocalPools};

/// What went wrong, with the emulator's own words.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A client for the emulator at `endpoint` (the same settings the SDK reads from the standard
/// AWS environment; the endpoint is explicit so that tests can point anywhere).
pub async fn client(endpoint: &str) -> aws_sdk_cognitoidentityprovider::Client {
    let aws = aws_config::defaults(aws_config::BehaviorVersion::latest()).endpoint_url(endpoint).load().await;
    aws_sdk_cognitoidentityprovider::Client::new(&aws)
}
