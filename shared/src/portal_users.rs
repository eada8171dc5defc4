//! The portal user pool (Cognito): one user per contact that accepted an invitation, signing
//! in with the contact's email and carrying its tenant, client and contact ids (immutable
//! attributes). The service keeps no password: accepting sets it on this user.
//!
//! Ending access (a revoke, the sweep, a deletion) disables the user and signs it out
//! everywhere, as a best effort after the table's change: a failure is a logged warning and
//! never undoes that change, because the pre token generation trigger and the portal routes
//! read the contact itself on every sign-in, refresh and request, so a revoked contact is
//! refused whether or not its user could be disabled.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
use aws_sdk_cognitoidentityprovider::Client;

use crate::domain::invite::Password;
use crate::domain::{ClientId, Contact, ContactId, DomainError, DomainResult, Email, PortalStatus, TenantId};

/// The portal pool's users, administered with the pool's admin API.
#[derive(Clone)]
pub struct PortalUsers {
    /// The pool's client and `PORTAL_USER_POOL_ID`. Only the functions that administer users
    /// are given the id, and the others build no Cognito client at all.
    pool: Option<(Client, String)>,
}

/// A contact as its portal user: who it is and the address it signs in with.
pub struct PortalUser<'a> {
    pub email: &'a str,
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
        Some(Self { email: email.as_str(), tenant, client: contact.client_id, contact: contact.id })
    }
}

/// Whose user signs in with an address: no one's, the contact's, or another contact's.
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
    pub fn from_config(aws: &aws_config::SdkConfig, pool_id: Option<String>) -> Self {
        Self { pool: pool_id.map(|id| (Client::new(aws), id)) }
    }

    fn pool(&self) -> DomainResult<(&Client, &str)> {
        let pool = self.pool.as_ref().map(|(cognito, id)| (cognito, id.as_str()));
        pool.ok_or_else(|| DomainError::internal("PORTAL_USER_POOL_ID is not set"))
    }

    /// Lets the contact sign in with `password`: creates its user (no welcome message: the
    /// invitation was the message), or enables the one it already has, then sets the password
    /// as permanent. An address whose user belongs to another contact is refused.
    pub async fn activate(&self, user: &PortalUser<'_>, password: &Password) -> DomainResult<()> {
        let (cognito, pool) = self.pool()?;
        let created = cognito
            .admin_create_user()
            .user_pool_id(pool)
            .username(user.email)
            .message_action(MessageActionType::Suppress)
            .user_attributes(attribute("email", user.email)?)
            .user_attributes(attribute("email_verified", "true")?)
            .user_attributes(attribute("custom:tenant_id", user.tenant.as_str())?)
            .user_attributes(attribute("custom:client_id", &user.client.to_string())?)
            .user_attributes(attribute("custom:contact_id", &user.contact.to_string())?)
            .send()
            .await;
        match created.map_err(|e| e.into_service_error()) {
            Ok(_) => {}
            Err(e) if e.is_username_exists_exception() => {
                if Self::holder(cognito, pool, user).await? != Holder::Contact {
                    return Err(DomainError::PortalUserTaken);
                }
                let enabled =
                    cognito.admin_enable_user().user_pool_id(pool).username(user.email).send().await;
                enabled.map_err(|e| DomainError::failed("AdminEnableUser", e.into_service_error()))?;
            }
            Err(e) => return Err(DomainError::failed("AdminCreateUser", e)),
        }
        let set = cognito
            .admin_set_user_password()
            .user_pool_id(pool)
            .username(user.email)
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
                Err(DomainError::invalid("password", "does not meet the portal's password policy"))
            }
            Err(e) => Err(DomainError::failed("AdminSetUserPassword", e)),
        }
    }

    /// Ends the contact's portal access in the pool: its user is disabled and signed out
    /// everywhere. No user (the contact never accepted), or a user of another contact under
    /// the address, is left alone. Best effort (see the module).
    pub async fn end_access(&self, user: &PortalUser<'_>) {
        if let Err(e) = self.try_end_access(user, false).await {
            warn(user, &e);
        }
    }

    /// Ends the access of a deleted contact and deletes its user, which frees its address for
    /// another contact's user. Best effort (see the module).
    pub async fn remove(&self, user: &PortalUser<'_>) {
        if let Err(e) = self.try_end_access(user, true).await {
            warn(user, &e);
        }
    }

    async fn try_end_access(&self, user: &PortalUser<'_>, delete: bool) -> DomainResult<()> {
        let (cognito, pool) = self.pool()?;
        if Self::holder(cognito, pool, user).await? != Holder::Contact {
            return Ok(());
        }
        let disabled = cognito.admin_disable_user().user_pool_id(pool).username(user.email).send().await;
        disabled.map_err(|e| DomainError::failed("AdminDisableUser", e.into_service_error()))?;
        // Signing out ends its refresh tokens; disabled, it cannot sign in again anyway.
        let signed_out =
            cognito.admin_user_global_sign_out().user_pool_id(pool).username(user.email).send().await;
        if let Err(e) = signed_out {
            warn(user, &DomainError::failed("AdminUserGlobalSignOut", e.into_service_error()));
        }
        if delete {
            let deleted = cognito.admin_delete_user().user_pool_id(pool).username(user.email).send().await;
            deleted.map_err(|e| DomainError::failed("AdminDeleteUser", e.into_service_error()))?;
        }
        Ok(())
    }

    /// What a change of a contact means for its user: access that ended ends in the pool too,
    /// and a new address becomes the one it signs in with (so the old one is free for others).
    pub async fn follow_change(&self, tenant: &TenantId, before: &Contact, after: &Contact) {
        let (Some(user), Some(old)) = (PortalUser::of(tenant, before), &before.fields.email) else {
            return;
        };
        if before.portal.status != PortalStatus::Revoked && after.portal.status == PortalStatus::Revoked {
            self.end_access(&user).await;
        }
        match &after.fields.email {
            Some(new) if new.key() != old.key() => {
                if let Err(e) = self.move_address(&user, new).await {
                    warn(&user, &e);
                }
            }
            _ => {}
        }
    }

    /// Moves the contact's user, if it has one, to its new address.
    async fn move_address(&self, user: &PortalUser<'_>, new: &Email) -> DomainResult<()> {
        let (cognito, pool) = self.pool()?;
        if Self::holder(cognito, pool, user).await? != Holder::Contact {
            return Ok(());
        }
        let moved = cognito
            .admin_update_user_attributes()
            .user_pool_id(pool)
            .username(user.email)
            .user_attributes(attribute("email", new.as_str())?)
            .user_attributes(attribute("email_verified", "true")?)
            .send()
            .await;
        moved
            .map(|_| ())
            .map_err(|e| DomainError::failed("AdminUpdateUserAttributes", e.into_service_error()))
    }

    /// Whose user, if any, signs in with `user.email`: the pool is shared by every tenant, so
    /// the same address may belong to another tenant's contact.
    async fn holder(cognito: &Client, pool: &str, user: &PortalUser<'_>) -> DomainResult<Holder> {
        let found = cognito.admin_get_user().user_pool_id(pool).username(user.email).send().await;
        let found = match found.map_err(|e| e.into_service_error()) {
            Ok(found) => found,
            Err(e) if e.is_user_not_found_exception() => return Ok(Holder::Nobody),
            Err(e) => return Err(DomainError::failed("AdminGetUser", e)),
        };
        let value = |name: &str| {
            found
                .user_attributes()
                .iter()
                .find(|a| a.name() == name)
                .and_then(|a| a.value())
                .map(str::to_owned)
        };
        let theirs = value("custom:tenant_id").as_deref() == Some(user.tenant.as_str())
            && value("custom:contact_id") == Some(user.contact.to_string());
        Ok(if theirs { Holder::Contact } else { Holder::Other })
    }
}

fn attribute(name: &str, value: &str) -> DomainResult<AttributeType> {
    AttributeType::builder().name(name).value(value).build().map_err(DomainError::internal)
}

fn warn(user: &PortalUser<'_>, error: &DomainError) {
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
