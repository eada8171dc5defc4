//! Portal users of a pool made before tenant-scoped usernames (docs/decisions.md): that pool
//! named its users by email, which Cognito cannot change on a pool, so the stack update gives
//! the portal a new pool, and Cognito cannot export passwords. Each contact that still uses the
//! portal at the address its old user signed in with is sent a password reset link through the
//! service (the tenant's quota and the contact's activity history as for any reset); accepting
//! it makes the contact's user in the new pool. Everyone else is skipped, with the reason.

use aws_sdk_cognitoidentityprovider::types::UserType;
use aws_sdk_cognitoidentityprovider::Client;
use shared::domain::dates::format_timestamp;
use shared::domain::portal::is_current_address;
use shared::domain::{ClientId, ContactId, DomainError, PortalStatus, Stamp, TenantId};
use shared::store::StoreError;
use shared::App;

/// A user of the old pool, as its attributes name its contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldUser {
    pub username: String,
    pub tenant: Option<TenantId>,
    pub client: Option<ClientId>,
    pub contact: Option<ContactId>,
    pub email: Option<String>,
}

/// What the migration does, or did, for one old user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The contact uses the portal at that address: a reset link is due (sent with `--send`).
    ResetDue,
    ResetSent,
    Skipped(&'static str),
    Failed(String),
}

/// Every user of `pool`, page by page.
pub async fn old_users(cognito: &Client, pool: &str) -> Result<Vec<OldUser>, StoreError> {
    let mut users = Vec::new();
    let mut token = None;
    loop {
        let page = cognito.list_users().user_pool_id(pool).set_pagination_token(token).send().await;
        let page = page.map_err(|e| StoreError::failed("ListUsers", e.into_service_error()))?;
        users.extend(page.users().iter().map(old_user));
        token = page.pagination_token().map(str::to_owned);
        if token.is_none() {
            return Ok(users);
        }
    }
}

fn old_user(user: &UserType) -> OldUser {
    let value = |name: &str| {
        user.attributes().iter().find(|a| a.name() == name).and_then(|a| a.value()).map(str::to_owned)
    };
    OldUser {
        username: user.username().unwrap_or_default().to_owned(),
        tenant: value("custom:tenant_id").as_deref().and_then(TenantId::parse),
        client: value("custom:client_id").as_deref().and_then(ClientId::parse),
        contact: value("custom:contact_id").as_deref().and_then(ContactId::parse),
        email: value("email"),
    }
}

/// What `user` needs: a reset if its contact still uses the portal at the user's address.
pub async fn plan(app: &App, user: &OldUser) -> Outcome {
    let (Some(tenant), Some(client), Some(contact)) = (&user.tenant, user.client, user.contact) else {
        return Outcome::Skipped("not a contact's user (no tenant, client and contact attributes)");
    };
    let contact = match app.store.get_contact(tenant, client, contact).await {
        Ok(contact) => contact,
        Err(StoreError::Refused(DomainError::NotFound(_))) => {
            return Outcome::Skipped("its contact was deleted")
        }
        Err(e) => return Outcome::Failed(shared::telemetry::chain(&e)),
    };
    if contact.portal.status != PortalStatus::Active {
        return Outcome::Skipped("its contact no longer uses the portal");
    }
    if !is_current_address(&contact, user.email.as_deref()) {
        return Outcome::Skipped("its contact's address changed");
    }
    Outcome::ResetDue
}

/// `plan` for `user`, and with `send` the reset it calls for.
pub async fn migrate(app: &App, user: &OldUser, send: bool) -> Outcome {
    let due = plan(app, user).await;
    let (Outcome::ResetDue, true, Some(tenant), Some(client), Some(contact)) =
        (&due, send, &user.tenant, user.client, user.contact)
    else {
        return due;
    };
    let stamp = Stamp { at: format_timestamp(app.clock.now()), by: "migration:portal-users".into() };
    match shared::invites::reset(&app.mailing(), tenant, client, contact, &stamp).await {
        Ok(_) => Outcome::ResetSent,
        Err(e) => Outcome::Failed(shared::telemetry::chain(&e)),
    }
}
