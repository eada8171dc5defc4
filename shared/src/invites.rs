//! The invitation flows, between the handlers and the store: invite or reset a password (write,
//! then send, and undo the write if the email cannot be sent) and accept (single use; the
//! password goes to the contact's portal user in Cognito, never to the table).

use serde::Serialize;
use time::Duration;

use crate::domain::activity::EmailKind;
use crate::domain::dates::{format_timestamp, Clock};
use crate::domain::invite::{check_support_window, InviteToken, Password, TokenHash};
use crate::domain::{
    ClientId, ClientStatus, Contact, ContactId, DomainError, DomainResult, Email, PortalStatus, Stamp,
    TenantId,
};
use crate::email::{self, render, Addressee, Mailing, OutgoingEmail, Rendered};
use crate::portal_users::{PortalUser, PortalUsers};
use crate::quota::{self, Reservation};
use crate::store::tx::{backoff, MAX_ATTEMPTS};
use crate::store::{gone, Gone, NewInvite, Store};

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

#[derive(Serialize)]
struct LinkEmail<'a> {
    contact_name: String,
    client_name: &'a str,
    sender_name: &'a str,
    link: String,
    expires_at: &'a str,
}

/// The two single-use links a contact can be sent. Both are accepted by `POST /invites/accept`
/// (the stored record says which it is): the same token rules, store and quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Invite,
    Reset,
}

impl Link {
    /// The email template, and the metrics' `Kind`.
    fn name(self) -> &'static str {
        match self {
            Link::Invite => "invite",
            Link::Reset => "password-reset",
        }
    }

    /// The portal page the link opens.
    fn page(self) -> &'static str {
        match self {
            Link::Invite => "accept-invite",
            Link::Reset => "reset-password",
        }
    }

    /// The email's kind in the contact's activity and its message tags.
    fn kind(self) -> EmailKind {
        match self {
            Link::Invite => EmailKind::Invitation,
            Link::Reset => EmailKind::PasswordReset,
        }
    }

    fn subject(self, sender: &str) -> String {
        match self {
            Link::Invite => format!("Your client portal invitation from {sender}"),
            Link::Reset => format!("Set a new password for the client portal of {sender}"),
        }
    }
}

/// What sending a link did.
struct Sent {
    contact_id: ContactId,
    email: String,
    expires_at: String,
}

/// The name an email greets a contact by.
pub fn greeting_name(contact: &Contact) -> String {
    let f = &contact.fields;
    match &f.first_name {
        Some(first) => format!("{} {}", first.as_str(), f.last_name.as_str()),
        None => f.last_name.as_str().to_owned(),
    }
}

/// Invites a contact to the portal, or re-invites it (older tokens die). The email counts
/// against the tenant's quota unless the invitation fails.
pub async fn invite(
    mail: &Mailing<'_>,
    tenant: &TenantId,
    client: ClientId,
    id: ContactId,
    stamp: &Stamp,
) -> DomainResult<Invitation> {
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
) -> DomainResult<PasswordReset> {
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
) -> DomainResult<Sent> {
    let mut reserved = None;
    let result = try_send_link(mail, tenant, ids, stamp, link, &mut reserved).await;
    if let (Err(_), Some(reservation)) = (&result, &reserved) {
        quota::release(&mail.quota(), reservation, 1).await;
    }
    result
}

async fn try_send_link(
    mail: &Mailing<'_>,
    tenant: &TenantId,
    (client, id): (ClientId, ContactId),
    stamp: &Stamp,
    link: Link,
    reserved: &mut Option<Reservation>,
) -> DomainResult<Sent> {
    for attempt in 0..MAX_ATTEMPTS {
        let (record, client_item, settings) = mail.store.read_link_context(tenant, client, id).await?;
        let client_item = client_item.ok_or(DomainError::NotFound("client"))?;
        let settings = settings.settings.effective(&mail.fallbacks());
        let previous_hash = record.invite_hash.clone();
        let reminded_for = record.reminded_for();
        let contact = record.into_contact()?;
        let now = mail.clock.now();
        let email = match link {
            Link::Invite if client_item.fields.status == ClientStatus::Inactive => {
                return Err(DomainError::ClientInactive)
            }
            Link::Invite => invitable(&contact, now.date())?,
            Link::Reset => resettable(&contact)?,
        };

        // Over quota, nothing is written.
        if reserved.is_none() {
            *reserved = Some(quota::reserve(&mail.quota(), tenant, 1).await?);
        }
        let token = InviteToken::generate()?;
        let hash = token.hash();
        let expires = now.saturating_add(Duration::hours(i64::from(settings.invite_ttl_hours)));
        let invite = NewInvite {
            hash: &hash,
            valid_until: expires.unix_timestamp(),
            reminded_for,
            reset: link == Link::Reset,
        };
        if !mail.store.begin_invite(tenant, &contact, &invite, stamp).await? {
            backoff(attempt).await;
            continue;
        }

        let expires_at = format_timestamp(expires);
        let names = Names {
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
        return Ok(Sent { contact_id: contact.id, email: email.as_str().to_owned(), expires_at });
    }
    Err(DomainError::Contention)
}

/// The contact's address, if it may be invited today: it has one, its support window is open
/// and it does not use the portal already.
fn invitable(contact: &Contact, today: time::Date) -> DomainResult<Email> {
    let email =
        contact.fields.email.clone().ok_or(DomainError::NoEmail("the contact has no email address"))?;
    check_support_window(&contact.fields, today)?;
    if contact.portal.status == PortalStatus::Active {
        return Err(DomainError::PortalActive);
    }
    Ok(email)
}

/// The contact's address, if it may be sent a new password: it uses the portal (an active
/// contact always has an address; the check is for the type).
fn resettable(contact: &Contact) -> DomainResult<Email> {
    if contact.portal.status != PortalStatus::Active {
        return Err(DomainError::PortalNotActive);
    }
    contact.fields.email.clone().ok_or(DomainError::NoEmail("the contact has no email address"))
}

/// Who a link's email is to, for which client, signed by whom (the tenant's settings).
struct Names<'a> {
    contact: &'a Contact,
    client: &'a str,
    sender: &'a str,
}

/// The link's email, the link carrying the token in the fragment.
fn link_email(
    mail: &Mailing<'_>,
    link: Link,
    names: &Names<'_>,
    token: &InviteToken,
    expires_at: &str,
) -> DomainResult<Rendered> {
    render(
        link.name(),
        &LinkEmail {
            contact_name: greeting_name(names.contact),
            client_name: names.client,
            sender_name: names.sender,
            link: format!(
                "{}/{}#token={}",
                mail.email.portal_url.trim_end_matches('/'),
                link.page(),
                token.as_str()
            ),
            expires_at,
        },
    )
}

/// What accepting an invitation uses: the table, the time and the portal's users.
#[derive(Clone, Copy)]
pub struct Acceptance<'a> {
    pub store: &'a Store,
    pub clock: &'a dyn Clock,
    pub users: &'a PortalUsers,
}

/// Accepts an invitation with the password the contact chose: once the invitation and the
/// contact are checked, the contact's portal user gets the password, and only then is the
/// invitation consumed and the contact made active. In that order a failure in between leaves
/// a user whose contact is not active, which the sign-in trigger refuses; the other order
/// could leave an active contact with no user.
pub async fn accept(with: &Acceptance<'_>, token: &str, password: &str) -> DomainResult<()> {
    let hash = TokenHash::of(token);
    let mut activated = false;
    for attempt in 0..MAX_ATTEMPTS {
        let invite = with.store.find_invite(&hash).await?.ok_or(DomainError::NotFound("invitation"))?;
        // The public route learns its tenant from the invitation.
        tracing::Span::current().record("tenant", invite.tenant_id.as_str());
        let now = with.clock.now();
        if invite.used_at.is_some() {
            return Err(gone(invite.reset, Gone::Used));
        }
        if now.unix_timestamp() >= invite.valid_until {
            return Err(gone(invite.reset, Gone::Expired));
        }
        let (tenant, client, contact) = invite.ids()?;
        if !activated {
            // The address is the contact's: the invitation keeps no copy of it.
            let email = with.store.check_pending(&invite, &hash, now.date()).await?;
            let password =
                Password::parse(password, email.as_str()).map_err(|e| DomainError::Validation(vec![e]))?;
            let user = PortalUser { email: email.as_str(), tenant: &tenant, client, contact };
            with.users.activate(&user, &password).await?;
            activated = true;
        }
        let stamp = Stamp { at: format_timestamp(now), by: format!("contact:{}", invite.contact_id) };
        match with.store.accept_invite(&invite, &hash, now.unix_timestamp(), now.date(), &stamp).await {
            Err(DomainError::Contention) => backoff(attempt).await,
            other => return other,
        }
    }
    Err(DomainError::Contention)
}
