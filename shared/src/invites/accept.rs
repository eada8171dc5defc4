//! Accepting an invitation or a password reset link: single use, and the password goes to the
//! contact's portal user in Cognito, never to the table.

use crate::domain::dates::{format_timestamp, Clock};
use crate::domain::invite::{Password, TokenHash};
use crate::domain::{DomainError, Email, Stamp};
use crate::error::ServiceResult;
use crate::portal_users::{PortalUser, PortalUsers};
use crate::store::retry::{contended, retry_from, Attempt, Retry};
use crate::store::{gone, Gone, Store, StoreError};

/// What accepting an invitation uses: the table, the time and the portal's users.
#[derive(Clone, Copy)]
pub struct Acceptance<'a> {
    pub store: &'a Store,
    pub clock: &'a dyn Clock,
    pub users: &'a PortalUsers,
}

/// Accepts an invitation with the password the contact chose: once the invitation and the
/// contact are checked and this accept holds the invitation's claim, the contact's portal user
/// gets the password, and only then is the invitation consumed and the contact made active. In
/// that order a failure in between leaves a user whose contact is not active, which the sign-in
/// trigger refuses; the other order could leave an active contact with no user. The claim keeps
/// a concurrent accept from setting its password too (it waits, then finds the link used).
pub async fn accept(with: &Acceptance<'_>, token: &str, password: &str) -> ServiceResult<()> {
    let hash = &TokenHash::of(token);
    let claim = &ulid::Ulid::new().to_string();
    // What each attempt starts from: the address whose portal user got the password, once done.
    let attempt = move |activated: Option<Email>| async move {
        let invite = with.store.find_invite(hash).await?.ok_or(DomainError::NotFound("invitation"))?;
        // The public route learns its tenant from the invitation.
        tracing::Span::current().record("tenant", invite.tenant_id.as_str());
        let now = with.clock.now();
        if invite.used_at.is_some() {
            return Err(gone(invite.reset, Gone::Used).into());
        }
        if now.unix_timestamp() >= invite.valid_until {
            return Err(gone(invite.reset, Gone::Expired).into());
        }
        let (tenant, client, contact) = invite.ids()?;
        let email = match activated {
            Some(email) => email,
            None => {
                // The address is the contact's: the invitation keeps no copy of it.
                let email = with.store.check_pending(&invite, hash, now.date()).await?;
                let password = Password::parse(password, email.as_str())
                    .map_err(|e| DomainError::Validation(vec![e]))?;
                // Another accept holds the claim: wait, then find the link used (or the claim
                // lapsed).
                if !with.store.claim_invite(hash, claim, now.unix_timestamp()).await? {
                    return Ok(Attempt::RetryFrom(None));
                }
                let user = PortalUser { email: &email, tenant: &tenant, client, contact };
                if let Err(e) = with.users.activate(&user, &password).await {
                    with.store.release_invite_claim(hash, claim).await;
                    return Err(e.into());
                }
                email
            }
        };
        let stamp = Stamp { at: format_timestamp(now), by: format!("contact:{}", invite.contact_id) };
        let claimed = (hash, claim.as_str());
        let accepted: ServiceResult<Attempt<(), Option<Email>>> = match with
            .store
            .accept_invite(&invite, claimed, now.unix_timestamp(), now.date(), &stamp)
            .await
        {
            Err(StoreError::Contention) => Ok(Attempt::RetryFrom(Some(email))),
            Ok(()) if invite.reset => {
                // A new password ends the sessions the old one opened.
                let user = PortalUser { email: &email, tenant: &tenant, client, contact };
                with.users.sign_out_everywhere(&user).await;
                Ok(Attempt::Done(()))
            }
            other => Ok(other.map(Attempt::Done)?),
        };
        accepted
    };
    retry_from(Retry::PLANNED, None, attempt, contended).await
}
