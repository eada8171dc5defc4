//! Staff users on the local staff pool: created (or found) with their tenant, put in the group
//! of their role, given a password and signed in, as an administrator would set them up in
//! AWS. The result is a real ID token of that pool.

use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType, MessageActionType};
use aws_sdk_cognitoidentityprovider::Client;

use crate::{Error, LocalPool};

/// What a staff user may do, as the groups of template.yaml grant it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `psa_admins`: writes every client of its tenant.
    Admin,
    /// `manage_all_clients`: the privilege of the same name.
    Manager,
    /// No group: reads only.
    Reader,
}

impl Role {
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text {
            "admin" => Ok(Role::Admin),
            "manager" => Ok(Role::Manager),
            "reader" => Ok(Role::Reader),
            other => Err(format!("unknown role {other:?} (admin, manager or reader)").into()),
        }
    }

    fn group(self) -> Option<&'static str> {
        match self {
            Role::Admin => Some("psa_admins"),
            Role::Manager => Some("manage_all_clients"),
            Role::Reader => None,
        }
    }
}

pub struct StaffUser<'a> {
    pub email: &'a str,
    pub tenant: &'a str,
    pub role: Role,
    pub password: &'a str,
}

/// Creates the user unless it exists (its tenant cannot change: a user of another tenant under
/// the same email is an error), sets its password, adds it to its role's group and signs it in.
pub async fn staff_token(client: &Client, pool: &LocalPool, user: &StaffUser<'_>) -> Result<String, Error> {
    let created = client
        .admin_create_user()
        .user_pool_id(&pool.pool_id)
        .username(user.email)
        .message_action(MessageActionType::Suppress)
        .user_attributes(attribute("email", user.email))
        .user_attributes(attribute("custom:tenant_id", user.tenant))
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|s| s.is_username_exists_exception()) => {
            check_tenant(client, pool, user).await?;
        }
        Err(e) => return Err(e.into()),
    }
    client
        .admin_set_user_password()
        .user_pool_id(&pool.pool_id)
        .username(user.email)
        .password(user.password)
        .permanent(true)
        .send()
        .await?;
    if let Some(group) = user.role.group() {
        client
            .admin_add_user_to_group()
            .user_pool_id(&pool.pool_id)
            .username(user.email)
            .group_name(group)
            .send()
            .await?;
    }
    sign_in(client, pool, user.email, user.password).await
}

/// An ID token for `username` and `password` (`USER_PASSWORD_AUTH`).
pub async fn sign_in(
    client: &Client,
    pool: &LocalPool,
    username: &str,
    password: &str,
) -> Result<String, Error> {
    let signed_in = client
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await?;
    let result = signed_in.authentication_result().ok_or("InitiateAuth returned a challenge, not tokens")?;
    Ok(result.id_token().ok_or("InitiateAuth returned no ID token")?.to_owned())
}

async fn check_tenant(client: &Client, pool: &LocalPool, user: &StaffUser<'_>) -> Result<(), Error> {
    let existing = client.admin_get_user().user_pool_id(&pool.pool_id).username(user.email).send().await?;
    let tenant =
        existing.user_attributes().iter().find(|a| a.name() == "custom:tenant_id").and_then(|a| a.value());
    if tenant != Some(user.tenant) {
        return Err(format!("{} is a user of tenant {tenant:?}, not {:?}", user.email, user.tenant).into());
    }
    Ok(())
}

fn attribute(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().expect("name is set")
}

/// A password the staff pool's policy accepts (12+ characters, upper and lower case, digits),
/// from the operating system's randomness.
pub fn new_password() -> Result<String, Error> {
    let mut bytes = [0u8; 12];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("Local-{hex}-A1"))
}
