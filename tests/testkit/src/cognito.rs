//! The local Cognito emulator's user pools (started by `scripts/test` or `scripts/stack`),
//! made once per test binary from template.yaml (later found by name, so every test's app
//! administers the pool the portal signs in to), and real ID tokens of staff users: what the
//! specs that go through the local API's JWT authorizer need.

use local_api::{Authorizers, LocalPools, Template};
use local_cognito::users::{staff_token, Role, StaffUser};
use tokio::sync::OnceCell;

/// The password every staff user made here gets (the staff pool's policy accepts it).
pub const STAFF_PASSWORD: &str = "Testkit-staff-password-1";

fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
        .expect("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER (source scripts/env.sh)")
}

/// An admin client of the emulator.
pub async fn client() -> aws_sdk_cognitoidentityprovider::Client {
    local_cognito::client(&endpoint()).await
}

static POOLS: OnceCell<LocalPools> = OnceCell::const_new();

/// Both pools (later runs find them by name). Signing in needs more: `sign_in::pools`.
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

/// The local API's authorizers on those pools.
pub async fn authorizers() -> Authorizers {
    Authorizers::new(pools().await)
}

/// A real ID token of a staff user of `tenant` with `role` (the user is made if missing).
pub async fn staff_id_token(tenant: &str, role: Role) -> String {
    let email = format!("{role:?}-{tenant}@staff.test").to_lowercase();
    let user = StaffUser { email: &email, tenant, role, password: STAFF_PASSWORD };
    // Every sign-in reaches the emulator's trigger, so the gate must listen.
    let pools = crate::sign_in::pools().await;
    staff_token(&client().await, &pools.staff, &user).await.expect("a staff token")
}

/// An administrator's ID token.
pub async fn admin_id_token(tenant: &str) -> String {
    staff_id_token(tenant, Role::Admin).await
}
