//! Sending a contact an invitation or a password reset link: write the link, then send it,
//! and undo the write if the email cannot be sent. The email counts against the tenant's
//! quota unless sending fails.

use serde::Serialize;
use time::{Duration, OffsetDateTime};
use tokio::sync::OnceCell;

use super::link::{link_email, Link, Names};
use crate::domain::dates::format_timestamp;
use crate::domain::invite::{check_deliverable, check_support_window, InviteToken};
use crate::domain::settings::Effective;
use crate::domain::{
    Client, ClientId, ClientStatus, Contact, ContactId, DomainError, Email, PortalStatus, Stamp, TenantId,
};
use crate::email::{self, Addressee, Mailing, OutgoingEmail};
use crate::error::{ServiceError, ServiceResult};
use crate::quota::{self, Reservation};
use crate::store::retry::{retry_planned, Attempt};
use crate::store::NewInvite;

/// What an invitation did, as the API reports it.
#[derive(Debug, Serialize)]
pub struct Invitation {
    pub contact_id: ContactId,
    pub email: String,
    pub status: PortalStatus,
    pub invited_at: String,
    pub expires_at: String,
}

/// What a password reset did, as the API reports it (never the token).
#[derive(Debug, Serialize)]
pub struct PasswordReset {
    pub contact_id: ContactId,
    pub email: String,
    pub status: PortalStatus,
    pub sent_at: String,
    pub expires_at: String,
}

/// What sending a link did.
struct Sent {
    contact_id: ContactId,
    email: String,
    expires_at: String,
}

/// Invites a contact to the portal, or re-invites it (older tokens die). The email counts
/// against the tenant's quota unless the invitation fails.
pub async fn invite(
    mail: &Mailing<'_>,
    tenant: &TenantId,
    client: ClientId,
    id: ContactId,
    stamp: &Stamp,
) -> ServiceResult<Invitation> {
    let sent = send_link(mail, tenant, (client, id), stamp, Link::Invite).await?;
    Ok(Invitation {
        contact_id: sent.contact_id,
        email: sent.email,
        status: PortalStatus::Invited,
        invited_at: stamp.at.clone(),
        expires_at: sent.expires_at,
    })
}

/// Sends an active contact a link to set a new password (older links die); the contact stays
/// active and its current password keeps working until the link is used. The email counts
/// against the tenant's quota unless sending fails.
pub async fn reset(
    mail: &Mailing<'_>,
    tenant: &TenantId,
    client: ClientId,
    id: ContactId,
    stamp: &Stamp,
) -> ServiceResult<PasswordReset> {
    let sent = send_link(mail, tenant, (client, id), stamp, Link::Reset).await?;
    Ok(PasswordReset {
        contact_id: sent.contact_id,
        email: sent.email,
        status: PortalStatus::Active,
        sent_at: stamp.at.clone(),
        expires_at: sent.expires_at,
    })
}

async fn send_link(
    mail: &Mailing<'_>,
    tenant: &TenantId,
    ids: (ClientId, ContactId),
    stamp: &Stamp,
    link: Link,
) -> ServiceResult<Sent> {
    let reserved = OnceCell::new();
    let result = try_send_link(mail, tenant, ids, stamp, link, &reserved).await;
    if let (Err(_), Some(reservation)) = (&result, reserved.get()) {
        quota::release(&mail.quota(), reservation, 1).await;
    }
    result
}

/// Writes the link and sends it, planned again when the contact changed in between. The email is
/// counted against the quota once (`reserved`), by the first attempt that gets that far.
async fn try_send_link(
    mail: &Mailing<'_>,
    tenant: &TenantId,
    (client, id): (ClientId, ContactId),
    stamp: &Stamp,
    link: Link,
    reserved: &OnceCell<Reservation>,
) -> ServiceResult<Sent> {
    retry_planned(move || async move {
        let Target { contact, email, client: client_item, settings, previous_hash, reminded_for, now } =
            read_target(mail, tenant, (client, id), link).await?;

        // Over quota, nothing is written.
        reserved.get_or_try_init(|| async { quota::reserve(&mail.quota(), tenant, 1).await }).await?;
        let token = InviteToken::generate().map_err(|e| ServiceError::failed("no randomness", e))?;
        let hash = token.hash();
        let expires = now.saturating_add(Duration::hours(i64::from(settings.invite_ttl_hours)));
        let invite = NewInvite {
            hash: &hash,
            valid_until: expires.unix_timestamp(),
            reminded_for,
            reset: link == Link::Reset,
        };
        if !mail.store.begin_invite(tenant, &contact, &invite, stamp).await? {
            return Ok(Attempt::Retry);
        }

        let expires_at = format_timestamp(expires);
        let names = Names {
            tenant,
            contact: &contact,
            client: client_item.fields.name.as_str(),
            sender: &settings.signature_name,
        };
        let body = link_email(mail, link, &names, &token, &expires_at)?;
        let subject = link.subject(&settings.signature_name);
        let about = Addressee { tenant, client, contact: contact.id, kind: link.kind() };
        let sent = mail.mailer.send(OutgoingEmail { to: &email, subject: &subject, body, about }).await;
        crate::metrics::emails(link.name(), u64::from(sent.is_ok()), u64::from(sent.is_err()), 0);
        let message_id = match sent {
            Ok(message_id) => message_id,
            Err(err) => {
                tracing::warn!(error = %crate::telemetry::chain(&err), kind = link.name(), "link email not sent; undoing it");
                mail.store
                    .undo_invite(tenant, &contact, previous_hash.as_deref(), reminded_for, &hash, stamp)
                    .await?;
                return Err(err);
            }
        };
        let record = email::Sent {
            about,
            message_id: &message_id,
            topic: None,
            subject: None,
            actor: Some(&stamp.by),
        };
        mail.record_sent(record).await;
        Ok(Attempt::Done(Sent { contact_id: contact.id, email: email.as_str().to_owned(), expires_at }))
    })
    .await
}

/// The contact a link is for, read with its client and the tenant's settings on each attempt.
struct Target {
    contact: Contact,
    /// The address the link goes to.
    email: Email,
    client: Client,
    settings: Effective,
    /// What the contact held before the link was written: undoing the write restores them.
    previous_hash: Option<String>,
    reminded_for: Option<time::Date>,
    /// When it was read: the link is valid from then.
    now: OffsetDateTime,
}

/// Reads the contact a link is for and checks that it may be sent one.
async fn read_target(
    mail: &Mailing<'_>,
    tenant: &TenantId,
    (client, id): (ClientId, ContactId),
    link: Link,
) -> ServiceResult<Target> {
    let (record, client_item, settings) = mail.store.read_link_context(tenant, client, id).await?;
    let client_item = client_item.ok_or(DomainError::NotFound("client"))?;
    let settings = settings.settings.effective(&mail.fallbacks());
    let previous_hash = record.invite_hash.clone();
    let reminded_for = record.reminded_for();
    let contact = record.into_contact()?;
    let now = mail.clock.now();
    let email = match link {
        Link::Invite if client_item.fields.status == ClientStatus::Inactive => {
            return Err(DomainError::ClientInactive.into())
        }
        Link::Invite => invitable(&contact, now.date())?,
        Link::Reset => resettable(&contact)?,
    };
    Ok(Target { contact, email, client: client_item, settings, previous_hash, reminded_for, now })
}

/// The contact's address, if it may be invited today: it has one that SES has not reported
/// bouncing or complained, its support window is open and it does not use the portal already.
fn invitable(contact: &Contact, today: time::Date) -> ServiceResult<Email> {
    let email =
        contact.fields.email.clone().ok_or(DomainError::NoEmail("the contact has no email address"))?;
    check_deliverable(&contact.email_delivery)?;
    check_support_window(&contact.fields, today)?;
    if contact.portal.status == PortalStatus::Active {
        return Err(DomainError::PortalActive.into());
    }
    Ok(email)
}

/// The contact's address, if it may be sent a new password: it uses the portal (an active
/// contact always has an address; the check is for the type) and SES has not reported the
/// address bouncing or complained.
fn resettable(contact: &Contact) -> ServiceResult<Email> {
    if contact.portal.status != PortalStatus::Active {
        return Err(DomainError::PortalNotActive.into());
    }
    let email =
        contact.fields.email.clone().ok_or(DomainError::NoEmail("the contact has no email address"))?;
    check_deliverable(&contact.email_delivery)?;
    Ok(email)
}
