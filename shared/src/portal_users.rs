//! The portal user pool (Cognito): one user per contact that accepted an invitation, named
//! after its tenant and address (`domain::portal::portal_username`; the pool is shared by
//! every tenant, and an address is unique only within one) and carrying its tenant, client and
//! contact ids (immutable attributes). The service keeps no password: accepting sets it on
//! this user.
//!
//! Ending access (a revoke, the sweep, a deletion, an address change) disables the user and
//! signs it out everywhere, as a best effort after the table's change: a failure is a logged
//! warning and never undoes that change, because the pre token generation trigger and the
//! portal routes read the contact itself on every sign-in, refresh and request, so a revoked
//! contact, or a user whose address is no longer its contact's, is refused whether or not its
//! user could be disabled.

use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserError;
use aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput;
use aws_sdk_cognitoidentityprovider::primitives::{DateTime, DateTimeFormat};
use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
use aws_sdk_cognitoidentityprovider::Client;

use crate::domain::invite::Password;
use crate::domain::portal::portal_username;
use crate::domain::{ClientId, Contact, ContactId, DomainError, Email, PortalStatus, TenantId};
use crate::store::error::{StoreError, StoreResult};

/// The portal pool's users, administered with the pool's admin API.
#[derive(Clone)]
pub struct PortalUsers {
    /// The pool's client and `PORTAL_USER_POOL_ID`. Only the functions that administer users
    /// are given the id, and the others build no Cognito client at all.
    pool: Option<(Client, String)>,
}

/// A contact as its portal user: who it is and the address it signs in with.
pub struct PortalUser<'a> {
    pub email: &'a Email,
    pub tenant: &'a TenantId,
    pub client: ClientId,
    pub contact: ContactId,
}

impl<'a> PortalUser<'a> {
    /// The user `contact` may have, under its address: none without an address, and none if it
    /// was never invited (`Contact::may_have_portal_user`), so such a contact costs the pool no
    /// call.
    pub fn of(tenant: &'a TenantId, contact: &'a Contact) -> Option<Self> {
        let email = contact.fields.email.as_ref().filter(|_| contact.may_have_portal_user())?;
        Some(Self { email, tenant, client: contact.client_id, contact: contact.id })
    }

    /// Its name in the pool.
    pub fn username(&self) -> String {
        portal_username(self.tenant, self.email)
    }
}

/// Whose user has a name: no one's, the contact's, or another contact's.
#[derive(Debug, PartialEq, Eq)]
enum Holder {
    Nobody,
    Contact,
    Other,
}

impl PortalUsers {
    pub fn new(cognito: Client, pool_id: Option<String>) -> Self {
        Self { pool: pool_id.map(|id| (cognito, id)) }
    }

    /// The pool's users with a client built from `aws`, if this function is given a pool.
    pub(crate) fn from_config(aws: &aws_config::SdkConfig, pool_id: Option<String>) -> Self {
        Self { pool: pool_id.map(|id| (Client::new(aws), id)) }
    }

    fn pool(&self) -> StoreResult<(&Client, &str)> {
        let pool = self.pool.as_ref().map(|(cognito, id)| (cognito, id.as_str()));
        pool.ok_or_else(|| StoreError::internal("PORTAL_USER_POOL_ID is not set"))
    }

    /// Lets the contact sign in with `password`: creates its user (the address counts as
    /// verified: the invitation was read there), or enables the one it already has, then sets the password as permanent.
    /// A user of another contact under the name is stale: the name holds this tenant's
    /// address, which this contact holds now (the tenant's email claim is unique), so that
    /// user outlived an address change whose removal failed. It is replaced.
    pub(crate) async fn activate(&self, user: &PortalUser<'_>, password: &Password) -> StoreResult<()> {
        let (cognito, pool) = self.pool()?;
        let username = user.username();
        let created = Self::create(cognito, pool, &username, user).await;
        match created.map_err(|e| e.into_service_error()) {
            Ok(_) => {}
            Err(e) if e.is_username_exists_exception() => {
                if Self::holder(cognito, pool, &username, user).await? == Holder::Contact {
                    let enabled =
                        cognito.admin_enable_user().user_pool_id(pool).username(&username).send().await;
                    enabled.map_err(|e| StoreError::failed("AdminEnableUser", e.into_service_error()))?;
                } else {
                    tracing::warn!(contact = %user.contact, "replacing a stale portal user of another contact");
                    Self::delete(cognito, pool, &username).await?;
                    let again = Self::create(cognito, pool, &username, user).await;
                    again.map_err(|e| StoreError::failed("AdminCreateUser", e.into_service_error()))?;
                }
            }
            Err(e) => return Err(StoreError::failed("AdminCreateUser", e)),
        }
        let set = cognito
            .admin_set_user_password()
            .user_pool_id(pool)
            .username(&username)
            .password(password.expose())
            .permanent(true)
            .send()
            .await;
        match set.map_err(|e| e.into_service_error()) {
            Ok(_) => Ok(()),
            Err(e) if e.is_invalid_password_exception() => {
                tracing::info!(
                    detail = e.message().unwrap_or_default(),
                    "the portal pool refused the password"
                );
                Err(DomainError::invalid("password", "does not meet the portal's password policy").into())
            }
            Err(e) => Err(StoreError::failed("AdminSetUserPassword", e)),
        }
    }

    /// Creates the contact's user, without a message (the invitation was the message).
    async fn create(
        cognito: &Client,
        pool: &str,
        username: &str,
        user: &PortalUser<'_>,
    ) -> Result<(), SdkError<AdminCreateUserError>> {
        let attributes = [
            ("email", user.email.as_str().to_owned()),
            ("email_verified", "true".to_owned()),
            ("custom:tenant_id", user.tenant.as_str().to_owned()),
            ("custom:client_id", user.client.to_string()),
            ("custom:contact_id", user.contact.to_string()),
        ];
        let attributes =
            attributes.iter().map(|(name, value)| AttributeType::builder().name(*name).value(value).build());
        let created = cognito
            .admin_create_user()
            .user_pool_id(pool)
            .username(username)
            .message_action(MessageActionType::Suppress)
            .set_user_attributes(Some(
                attributes.collect::<Result<_, _>>().map_err(SdkError::construction_failure)?,
            ))
            .send()
            .await;
        created.map(|_| ())
    }

    async fn delete(cognito: &Client, pool: &str, username: &str) -> StoreResult<()> {
        let deleted = cognito.admin_delete_user().user_pool_id(pool).username(username).send().await;
        deleted.map(|_| ()).map_err(|e| StoreError::failed("AdminDeleteUser", e.into_service_error()))
    }

    /// Ends the contact's portal access in the pool: its user is disabled and signed out
    /// everywhere. No user (the contact never accepted), or a user of another contact under
    /// the name, is left alone. Best effort (see the module).
    pub async fn end_access(&self, user: &PortalUser<'_>) {
        if let Err(e) = self.try_end_access(user, false).await {
            warn(user, &e);
        }
    }

    /// Ends the access of a deleted contact, or of a contact whose address changed, and
    /// deletes its user: its name holds the old address. Best effort (see the module).
    pub async fn remove(&self, user: &PortalUser<'_>) {
        if let Err(e) = self.try_end_access(user, true).await {
            warn(user, &e);
        }
    }

    /// Signs the contact's user out everywhere, ending every session but the next: after a
    /// password reset, whoever knew the old password keeps no refresh token. Best effort.
    pub(crate) async fn sign_out_everywhere(&self, user: &PortalUser<'_>) {
        let signed_out = match self.pool() {
            Ok((cognito, pool)) => Self::sign_out(cognito, pool, &user.username()).await,
            Err(e) => Err(e),
        };
        if let Err(e) = signed_out {
            warn(user, &e);
        }
    }

    async fn sign_out(cognito: &Client, pool: &str, username: &str) -> StoreResult<()> {
        let signed_out =
            cognito.admin_user_global_sign_out().user_pool_id(pool).username(username).send().await;
        signed_out
            .map(|_| ())
            .map_err(|e| StoreError::failed("AdminUserGlobalSignOut", e.into_service_error()))
    }

    async fn try_end_access(&self, user: &PortalUser<'_>, delete: bool) -> StoreResult<()> {
        let (cognito, pool) = self.pool()?;
        let username = user.username();
        if Self::holder(cognito, pool, &username, user).await? != Holder::Contact {
            return Ok(());
        }
        let disabled = cognito.admin_disable_user().user_pool_id(pool).username(&username).send().await;
        disabled.map_err(|e| StoreError::failed("AdminDisableUser", e.into_service_error()))?;
        // Signing out ends its refresh tokens; disabled, it cannot sign in again anyway.
        if let Err(e) = Self::sign_out(cognito, pool, &username).await {
            warn(user, &e);
        }
        if delete {
            Self::delete(cognito, pool, &username).await?;
        }
        Ok(())
    }

    /// What a change of a contact means for its user. A new address, or none, ends access:
    /// the user signs in with the old one, so it is removed, and the contact needs a new
    /// invitation to the new one (the store has made its portal status say so). A revoke
    /// disables the user.
    pub(crate) async fn follow_change(&self, tenant: &TenantId, before: &Contact, after: &Contact) {
        let Some(user) = PortalUser::of(tenant, before) else {
            return;
        };
        let address_moved =
            before.fields.email.as_ref().map(Email::key) != after.fields.email.as_ref().map(Email::key);
        if address_moved {
            self.remove(&user).await;
        } else if before.portal.status != PortalStatus::Revoked
            && after.portal.status == PortalStatus::Revoked
        {
            self.end_access(&user).await;
        }
    }

    /// What the pool holds about the contact's user (for a person's data on request): none
    /// when the contact may have no user, or when the name holds no user or another contact's.
    pub async fn record(
        &self,
        tenant: &TenantId,
        contact: &Contact,
    ) -> StoreResult<Option<PortalUserRecord>> {
        let Some(user) = PortalUser::of(tenant, contact) else {
            return Ok(None);
        };
        let (cognito, pool) = self.pool()?;
        let username = user.username();
        let Some(found) = Self::get(cognito, pool, &username).await? else {
            return Ok(None);
        };
        if !Self::is_theirs(&found, &user) {
            return Ok(None);
        }
        let date = |d: Option<&DateTime>| d.and_then(|d| d.fmt(DateTimeFormat::DateTime).ok());
        Ok(Some(PortalUserRecord {
            username,
            enabled: found.enabled(),
            status: found.user_status().map(|s| s.as_str().to_owned()),
            created_at: date(found.user_create_date()),
            updated_at: date(found.user_last_modified_date()),
            attributes: found
                .user_attributes()
                .iter()
                .filter_map(|a| a.value().map(|v| (a.name().to_owned(), v.to_owned())))
                .collect(),
        }))
    }

    /// The user named `username`, if there is one.
    async fn get(cognito: &Client, pool: &str, username: &str) -> StoreResult<Option<AdminGetUserOutput>> {
        let found = cognito.admin_get_user().user_pool_id(pool).username(username).send().await;
        match found.map_err(|e| e.into_service_error()) {
            Ok(found) => Ok(Some(found)),
            Err(e) if e.is_user_not_found_exception() => Ok(None),
            Err(e) => Err(StoreError::failed("AdminGetUser", e)),
        }
    }

    /// Whether a user found under the contact's name carries the contact's own ids.
    fn is_theirs(found: &AdminGetUserOutput, user: &PortalUser<'_>) -> bool {
        let value =
            |name: &str| found.user_attributes().iter().find(|a| a.name() == name).and_then(|a| a.value());
        let contact = user.contact.to_string();
        value("custom:tenant_id") == Some(user.tenant.as_str())
            && value("custom:contact_id") == Some(contact.as_str())
    }

    /// Whose user, if any, is named `username`.
    async fn holder(
        cognito: &Client,
        pool: &str,
        username: &str,
        user: &PortalUser<'_>,
    ) -> StoreResult<Holder> {
        Ok(match Self::get(cognito, pool, username).await? {
            None => Holder::Nobody,
            Some(found) if Self::is_theirs(&found, user) => Holder::Contact,
            Some(_) => Holder::Other,
        })
    }
}

/// A contact's portal user as the pool holds it: its name, whether it may sign in, Cognito's
/// status and dates, and its attributes (address, tenant, client and contact ids). The pool
/// keeps no password the service can read.
#[derive(Debug, serde::Serialize)]
pub struct PortalUserRecord {
    pub username: String,
    pub enabled: bool,
    pub status: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub attributes: std::collections::BTreeMap<String, String>,
}

fn warn(user: &PortalUser<'_>, error: &StoreError) {
    tracing::warn!(
        contact = %user.contact,
        error = %crate::telemetry::chain(error),
        "portal user not updated; the contact's own state still governs its access"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws() -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build()
    }

    #[test]
    fn a_function_not_given_the_portal_pool_builds_no_cognito_client() {
        // Given a function's configuration without PORTAL_USER_POOL_ID
        // When its portal users are built
        let users = PortalUsers::from_config(&aws(), None);
        // Then it holds no client, and any use is an internal error naming the missing pool
        assert!(users.pool.is_none());
        let refused = users.pool().err().map(|e| crate::telemetry::chain(&e)).unwrap_or_default();
        assert!(refused.contains("PORTAL_USER_POOL_ID"), "{refused}");
    }

    #[test]
    fn a_function_given_the_portal_pool_administers_that_pool() {
        // Given a function's configuration with PORTAL_USER_POOL_ID
        // When its portal users are built
        let users = PortalUsers::from_config(&aws(), Some("eu-west-1_pool".into()));
        // Then its calls name that pool
        assert_eq!(users.pool().map(|(_, id)| id.to_owned()).ok(), Some("eu-west-1_pool".to_owned()));
    }
}
