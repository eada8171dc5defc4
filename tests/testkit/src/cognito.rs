//! The portal user pool on the local Cognito emulator (started by `scripts/stack up`): made
//! from template.yaml once per process, then found by name, so every test's app administers
//! the same pool as the portal signs in to.

use local_api::{LocalPools, Template};
use tokio::sync::OnceCell;

static POOLS: OnceCell<LocalPools> = OnceCell::const_new();

fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
        .expect("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER is not set: source scripts/env.sh and run scripts/stack up")
}

/// Both pools of template.yaml on the emulator.
pub async fn pools() -> &'static LocalPools {
    POOLS
        .get_or_init(|| async {
            let endpoint = endpoint();
            let client = local_cognito::client(&endpoint).await;
            local_cognito::pools::ensure(&client, &Template::of_repo(), &endpoint)
                .await
                .expect("both user pools")
        })
        .await
}

/// The portal pool's id, once `pools` has made it.
pub fn portal_pool_id() -> Option<String> {
    POOLS.get().map(|pools| pools.portal.pool_id.clone())
}

/// An administrator's client of the emulator.
pub async fn client() -> aws_sdk_cognitoidentityprovider::Client {
    local_cognito::client(&endpoint()).await
}
