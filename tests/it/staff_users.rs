//! Staff users on the local Cognito emulator's staff pool, made from template.yaml's settings:
//! what a signed-in user can do to its own identity.

use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType};
use local_cognito::users::{staff_token, Role, StaffUser};

const PASSWORD: &str = "Staff-users-spec-password-1";

#[tokio::test]
async fn a_signed_in_user_cannot_move_itself_to_another_tenant() {
    // Given a reader of tenant acme, signed in with its own access token
    let pools = testkit::sign_in::pools().await;
    let cognito = testkit::cognito::client().await;
    let email = format!("reader-{}@staff-users.test", ulid::Ulid::new()).to_lowercase();
    let user = StaffUser { email: &email, tenant: "acme", role: Role::Reader, password: PASSWORD };
    staff_token(&cognito, &pools.staff, &user).await.unwrap();
    let signed_in = cognito
        .initiate_auth()
        .client_id(&pools.staff.client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", &email)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    let access = signed_in.authentication_result().and_then(|r| r.access_token()).unwrap().to_owned();

    // When it writes its own tenant attribute
    let tenant = AttributeType::builder().name("custom:tenant_id").value("victim").build().unwrap();
    let written = cognito.update_user_attributes().access_token(access).user_attributes(tenant).send().await;

    // Then the pool refuses, and the user is still of acme
    assert!(written.is_err(), "the pool let a user change its own tenant");
    let stored =
        cognito.admin_get_user().user_pool_id(&pools.staff.pool_id).username(&email).send().await.unwrap();
    let tenant =
        stored.user_attributes().iter().find(|a| a.name() == "custom:tenant_id").and_then(|a| a.value());
    assert_eq!(tenant, Some("acme"));
}
