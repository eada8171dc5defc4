//! One due contact's action: claim it, send its email (within the tenant's quota), and move it
//! on to its next index key.

use serde::Serialize;
use time::Duration;

use crate::domain::activity::EmailKind;
use crate::domain::dates::{format_date, format_timestamp};
use crate::domain::sweep::{SweepAction, SweepKey};
use crate::domain::{Contact, Email, PortalStatus, Stamp};
use crate::email::{self, render, Addressee, Mailing, OutgoingEmail, Rendered};
use crate::error::{EmailError, ServiceError, ServiceResult};
use crate::invites::greeting_name;
use crate::portal_users::PortalUser;
use crate::quota::Budgets;
use crate::store::sweep::DueContact;

/// How long a claimed action stays hidden from other runs while its email goes out; a run
/// that dies meanwhile leaves it to be retried after this.
const LEASE_MINUTES: i64 = 15;

/// Who the sweep's changes and emails are by.
const SWEEP_ACTOR: &str = "support-expiry-sweep";

/// The sweep's changes are by `SWEEP_ACTOR`, at `now`.
pub(super) fn stamp(now: time::OffsetDateTime) -> Stamp {
    Stamp { at: format_timestamp(now), by: SWEEP_ACTOR.into() }
}

pub(super) enum Done {
    Revoked,
    /// Access ended, but its email failed: the next run after the lease retries the email.
    RevokedNoticeFailed,
    Reminded,
    NoticeRetried,
    /// SES refused the email for good; the action was completed without it (and was the
    /// revocation itself when `revoked`).
    Undeliverable {
        revoked: bool,
    },
    /// The tenant's quota is used up: the action was done (the revocation itself when
    /// `revoked`), and the email waits under the lease for a later run.
    Held {
        revoked: bool,
    },
    /// The contact's address bounced for good or complained: the action was done without
    /// its email (the revocation itself when `revoked`).
    Suppressed {
        revoked: bool,
    },
    Skipped,
    Failed,
}

#[derive(Serialize)]
struct SupportEmail<'a> {
    contact_name: String,
    sender_name: &'a str,
    support_end: String,
    portal_url: &'a str,
}

pub(super) async fn act(with: &super::Sweeping<'_>, due: DueContact, budgets: &Budgets) -> Done {
    match try_act(with, &due, budgets).await {
        Ok(done) => done,
        Err(e) => {
            tracing::warn!(tenant = %due.tenant, contact = %due.contact.id, error = %crate::telemetry::chain(&e), "sweep action failed; retried on a later run");
            Done::Failed
        }
    }
}

async fn try_act(with: &super::Sweeping<'_>, due: &DueContact, budgets: &Budgets) -> ServiceResult<Done> {
    let mail = &with.mail;
    let Some(claimed) = claim(with, due).await? else { return Ok(Done::Skipped) };
    let Claimed { action, end, ref lease, first_time } = claimed;
    // After the reminder the revocation is next; after the revocation, nothing.
    let next = match action {
        SweepAction::Remind => SweepKey::next(PortalStatus::Active, Some(end), Some(end), 0)
            .map(|k| k.sort_key(&due.tenant, due.contact.client_id, due.contact.id)),
        SweepAction::Revoke => None,
    };
    let Some(email) = &due.contact.fields.email else {
        // Nobody to tell; the state change is what matters, and a reminder still leads on to
        // the revocation (a contact can keep portal access after its address is removed).
        mail.store.complete_due(&due.tenant, due.contact.client_id, due.contact.id, lease, next).await?;
        return Ok(if action == SweepAction::Revoke { Done::Revoked } else { Done::Skipped });
    };
    // An address that bounced for good or complained is not written to again; the action stands.
    if due.contact.email_delivery.suppressed() {
        let revoked = action == SweepAction::Revoke && first_time;
        mail.store.complete_due(&due.tenant, due.contact.client_id, due.contact.id, lease, next).await?;
        return Ok(Done::Suppressed { revoked });
    }
    notify(mail, due, budgets, &claimed, email, next).await
}

/// A due action this run has claimed, under its lease.
struct Claimed {
    action: SweepAction,
    /// The contact's support end the action is about.
    end: time::Date,
    lease: String,
    /// False when the action was done before and only its email is retried.
    first_time: bool,
}

/// Claims `due`'s action for this run (`None`: nothing to do, or another run has it), ending
/// portal access when it is the revocation.
async fn claim(with: &super::Sweeping<'_>, due: &DueContact) -> ServiceResult<Option<Claimed>> {
    let mail = &with.mail;
    let now = mail.clock.now();
    let Some(end) = due.contact.fields.support_end else { return Ok(None) };
    // A reminder that comes due after support already ended (missed runs) becomes the revocation.
    let action = match SweepKey::action_of(&due.sort_key) {
        Some(SweepAction::Remind) if now.date() > end => SweepAction::Revoke,
        Some(action) => action,
        None => return Ok(None),
    };
    let lease = SweepKey { due: now.saturating_add(Duration::minutes(LEASE_MINUTES)), action }.sort_key(
        &due.tenant,
        due.contact.client_id,
        due.contact.id,
    );
    let stamp = stamp(now);
    let Some(first_time) = mail.store.claim_due(due, action, &lease, &stamp).await? else {
        return Ok(None);
    };
    if let (SweepAction::Revoke, Some(user)) = (action, PortalUser::of(&due.tenant, &due.contact)) {
        // After the claim, which alone decides access (see `portal_users`); again on a retried
        // notice, which costs a look-up and heals a disable that failed the first time.
        with.users.end_access(&user).await;
    }
    Ok(Some(Claimed { action, end, lease, first_time }))
}

/// Emails `email` of a claimed action (within the tenant's quota) and, unless the send failed,
/// moves the contact on to `next`.
async fn notify(
    mail: &Mailing<'_>,
    due: &DueContact,
    budgets: &Budgets,
    claimed: &Claimed,
    email: &Email,
    next: Option<String>,
) -> ServiceResult<Done> {
    let Claimed { action, end, ref lease, first_time } = *claimed;
    let revoked = action == SweepAction::Revoke && first_time;
    let (subject, body) = support_email(mail, &due.contact, action, end)?;
    // Access rules never wait for quota (the claim above already did the state change); the
    // email does, under the lease, like an email that failed.
    if !budgets.take(&due.tenant) {
        tracing::info!(tenant = %due.tenant, contact = %due.contact.id, "tenant's email quota used up; the email waits for a later run");
        return Ok(Done::Held { revoked });
    }
    let kind = match action {
        SweepAction::Remind => EmailKind::SupportReminder,
        SweepAction::Revoke => EmailKind::Revocation,
    };
    let about =
        Addressee { tenant: &due.tenant, client: due.contact.client_id, contact: due.contact.id, kind };
    let delivered =
        match send_notice(mail, due, budgets, OutgoingEmail { to: email, subject, body, about }).await {
            Sent::Delivered => true,
            Sent::RefusedForGood => false,
            Sent::Failed => return Ok(if revoked { Done::RevokedNoticeFailed } else { Done::Failed }),
        };
    mail.store.complete_due(&due.tenant, due.contact.client_id, due.contact.id, lease, next).await?;
    Ok(match (action, first_time) {
        _ if !delivered => Done::Undeliverable { revoked },
        (SweepAction::Remind, _) => Done::Reminded,
        (SweepAction::Revoke, true) => Done::Revoked,
        (SweepAction::Revoke, false) => Done::NoticeRetried,
    })
}

/// The subject and body of the email telling a contact of `action` on its support ending `end`.
fn support_email(
    mail: &Mailing<'_>,
    contact: &Contact,
    action: SweepAction,
    end: time::Date,
) -> ServiceResult<(&'static str, Rendered)> {
    let (template, subject) = match action {
        SweepAction::Remind => ("support-reminder", "Your client portal access ends soon"),
        SweepAction::Revoke => ("support-ended", "Your client portal access has ended"),
    };
    let body = render(
        template,
        &SupportEmail {
            contact_name: greeting_name(contact),
            sender_name: &mail.mailer.sender_name,
            support_end: format_date(end),
            portal_url: mail.portal_url,
        },
    )?;
    Ok((subject, body))
}

/// How a sweep email's send ended.
enum Sent {
    Delivered,
    /// SES will refuse this message on every run; retrying it hourly forever helps no one.
    RefusedForGood,
    /// Sent again after the lease.
    Failed,
}

/// Sends a sweep email, giving its quota back when it did not go.
async fn send_notice(
    mail: &Mailing<'_>,
    due: &DueContact,
    budgets: &Budgets,
    email: OutgoingEmail<'_>,
) -> Sent {
    let about = email.about;
    let sent = mail.mailer.send(email).await;
    if sent.is_err() {
        budgets.give_back(&due.tenant);
    }
    match sent {
        Ok(message_id) => {
            let actor = Some(SWEEP_ACTOR);
            mail.record_sent(email::Sent {
                about,
                message_id: &message_id,
                topic: None,
                subject: None,
                actor,
            })
            .await;
            Sent::Delivered
        }
        Err(e @ ServiceError::Email(EmailError::Rejected(_))) => {
            tracing::warn!(tenant = %due.tenant, contact = %due.contact.id, error = %crate::telemetry::chain(&e), "sweep email refused for good; not retried");
            Sent::RefusedForGood
        }
        Err(e) => {
            tracing::warn!(tenant = %due.tenant, contact = %due.contact.id, error = %crate::telemetry::chain(&e), "sweep email not sent; retried after the lease");
            Sent::Failed
        }
    }
}
