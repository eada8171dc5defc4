//! Reading a notification's recipients batch by batch and sending to them within the budget
//! and the tenant's quota.

use std::time::Instant;

use futures_util::stream::{self, StreamExt};
use serde::Serialize;

use super::{Audience, Delivery, Notification, NotifyReport, Suppressed};
use crate::domain::activity::EmailKind;
use crate::domain::{Client, ClientId, Contact, Email, TenantId};
use crate::email::sanitize::sanitize;
use crate::email::{self, render, Addressee, Mailing, OutgoingEmail};
use crate::error::ServiceResult;
use crate::invites::greeting_name;
use crate::store::ContactFilter;

/// SES calls in flight at once: fast for hundreds of recipients, gentle on sending quotas.
const CONCURRENT_SENDS: usize = 8;
/// Recipients read per query. One page is read and sent to before the next is read, so memory
/// holds one page and reading a large client's recipients counts against the send budget.
const PAGE: i32 = 100;

enum Outcome {
    Sent,
    Failed,
    NotSent,
}

impl NotifyReport {
    fn new(audience: &Audience) -> Self {
        let (topic, tag) = match audience {
            Audience::Topic(topic) => (Some(*topic), None),
            Audience::Contacts(_) => (None, None),
            Audience::Tag(tag) => (None, Some(*tag)),
        };
        Self {
            topic,
            tag,
            sent: Vec::new(),
            failed: Vec::new(),
            not_sent: Vec::new(),
            not_sent_more: false,
            suppressed: Vec::new(),
            no_email: Vec::new(),
            unknown_contact_ids: Vec::new(),
        }
    }

    fn record(&mut self, deliveries: Vec<(Delivery, Outcome)>) {
        for (delivery, outcome) in deliveries {
            match outcome {
                Outcome::Sent => self.sent.push(delivery),
                Outcome::Failed => self.failed.push(delivery),
                Outcome::NotSent => self.not_sent.push(delivery),
            }
        }
    }

    /// Nothing went out yet: a failure may simply be the request's.
    fn untouched(&self) -> bool {
        self.sent.is_empty() && self.failed.is_empty()
    }
}

#[derive(Serialize)]
struct NotificationEmail<'a> {
    contact_name: String,
    client_name: &'a str,
    sender_name: &'a str,
    topic: &'a str,
    text: &'a str,
    html: Option<&'a str>,
}

/// What every recipient of a notification gets, and until when sending may start.
struct Letter<'a> {
    notification: &'a Notification,
    tenant: &'a TenantId,
    client: &'a Client,
    /// The name the email is signed with (the tenant's settings).
    signature: &'a str,
    /// The sanitised HTML part, if any is left.
    html: Option<&'a str>,
    stop_at: Instant,
    /// Who sent it (the caller's `sub`), for the recipients' activity.
    actor: &'a str,
}

/// Sends the notification to its audience (and the primary contact when asked), batch by
/// batch, until they are all reached or the send budget (which starts before anything is read)
/// runs out. Each batch's emails are counted against the tenant's quota before any of them is
/// sent: a first batch over the quota refuses the whole notification (nothing sent), a later
/// one stops it there (the rest reported as not sent). What did not go out is given back.
/// `budget` is how long new sends start (`SEND_BUDGET` when deployed).
pub async fn notify(
    mail: &Mailing<'_>,
    budget: std::time::Duration,
    tenant: &TenantId,
    client: ClientId,
    n: &Notification,
    actor: &str,
) -> ServiceResult<NotifyReport> {
    let stop_at = Instant::now() + budget;
    let (client_item, settings) = mail.store.get_client_with_settings(tenant, client).await?;
    let signature = settings.settings.effective(&mail.fallbacks()).signature_name;
    // Once per notification; markup with nothing left after sanitising shows the text instead.
    let html = n.html.as_deref().map(|h| sanitize(h, mail.email.allow_remote_images));
    let html = html.as_deref().filter(|h| !h.trim().is_empty());
    let letter =
        Letter { notification: n, tenant, client: &client_item, signature: &signature, html, stop_at, actor };
    let mut report = NotifyReport::new(&n.audience);
    let primary = if n.include_primary { client_item.primary_contact_id } else { None };
    match &n.audience {
        Audience::Topic(_) | Audience::Tag(_) => {
            if let Audience::Tag(tag) = n.audience {
                mail.store.get_tag(tenant, tag).await?;
            }
            let stopped = by_pages(mail, &letter, &mut report).await?;
            // The primary is sent to once: as a recipient of the pages, or here.
            if let (Some(primary), false) = (primary, stopped) {
                let picked = mail.store.get_contacts(tenant, client, &[primary]).await?;
                let extra: Vec<Contact> = picked.into_values().filter(|c| !n.audience.reaches(c)).collect();
                send_batch(mail, &letter, &mut report, extra).await?;
            }
        }
        Audience::Contacts(ids) => {
            let mut ids = ids.clone();
            if let Some(primary) = primary.filter(|p| !ids.contains(p)) {
                ids.push(primary);
            }
            let mut found = mail.store.get_contacts(tenant, client, &ids).await?;
            let picked: Vec<Contact> = ids.iter().filter_map(|id| found.remove(id)).collect();
            report.unknown_contact_ids =
                ids.into_iter().filter(|id| !picked.iter().any(|c| c.id == *id)).collect();
            send_batch(mail, &letter, &mut report, picked).await?;
        }
    }
    log_report(&report);
    Ok(report)
}

impl Audience {
    /// Whether the pages of this audience hold `contact` (the primary is added when not).
    fn reaches(&self, contact: &Contact) -> bool {
        match self {
            Audience::Topic(topic) => contact.fields.notifications.contains(topic),
            Audience::Tag(tag) => contact.tag_ids.contains(tag),
            Audience::Contacts(ids) => ids.contains(&contact.id),
        }
    }
}

/// One page of a topic's opted-in contacts with an address, or of a tag's contacts.
async fn recipients_page(
    mail: &Mailing<'_>,
    letter: &Letter<'_>,
    after: Option<String>,
) -> crate::store::StoreResult<crate::store::Page<Contact>> {
    let (tenant, client) = (letter.tenant, letter.client.id);
    match &letter.notification.audience {
        Audience::Topic(topic) => {
            let filter = ContactFilter { topic: Some(*topic), with_email: true, ..ContactFilter::default() };
            mail.store.list_contacts(tenant, client, &filter, PAGE, after).await
        }
        Audience::Tag(tag) => mail.store.client_tag_page(tenant, (client, *tag), PAGE, after).await,
        Audience::Contacts(_) => Ok(crate::store::Page { items: Vec::new(), last_sort_key: None }),
    }
}

/// Sends to a topic's or a tag's contacts page by page; true when the budget or a failure
/// stopped it before the end (the primary is then not added either).
async fn by_pages(mail: &Mailing<'_>, letter: &Letter<'_>, report: &mut NotifyReport) -> ServiceResult<bool> {
    let mut after = None;
    loop {
        let page = match recipients_page(mail, letter, after).await {
            Ok(page) => page,
            // Nothing sent yet: the caller may simply try again.
            Err(e) if report.untouched() => return Err(e.into()),
            // Some already have the email: say who, rather than fail the whole request.
            Err(e) => {
                tracing::warn!(error = %crate::telemetry::chain(&e), "reading notification recipients failed; the rest not sent");
                report.not_sent_more = true;
                return Ok(true);
            }
        };
        if !send_batch(mail, letter, report, page.items).await? {
            report.not_sent_more |= page.last_sort_key.is_some();
            return Ok(true);
        }
        match page.last_sort_key {
            None => return Ok(false),
            // Reading on would only list more people as not sent, past the budget.
            Some(_) if Instant::now() >= letter.stop_at => {
                report.not_sent_more = true;
                return Ok(true);
            }
            Some(sk) => after = Some(sk),
        }
    }
}

/// Sends to one batch of contacts within the tenant's quota: those without an address or
/// whose address is suppressed are reported, not sent to. False when the quota ran out here
/// (the batch reported as not sent); an error when it ran out before anything was sent.
async fn send_batch(
    mail: &Mailing<'_>,
    letter: &Letter<'_>,
    report: &mut NotifyReport,
    contacts: Vec<Contact>,
) -> ServiceResult<bool> {
    let mut recipients: Vec<(Contact, Email)> = Vec::new();
    for contact in contacts {
        match contact.fields.email.clone() {
            None => report.no_email.push(contact.id),
            Some(_) if contact.email_delivery.suppressed() => report
                .suppressed
                .push(Suppressed { contact_id: contact.id, reason: contact.email_delivery.status }),
            Some(email) => recipients.push((contact, email)),
        }
    }
    if recipients.is_empty() {
        return Ok(true);
    }
    let wanted = u32::try_from(recipients.len()).unwrap_or(u32::MAX);
    let reservation = match crate::quota::reserve(&mail.quota(), letter.tenant, wanted).await {
        Ok(reservation) => reservation,
        Err(e) if report.untouched() => return Err(e),
        Err(e) => {
            tracing::warn!(error = %crate::telemetry::chain(&e), "email quota reached mid-notification; the rest not sent");
            report.record(
                recipients.into_iter().map(|(c, e)| (Delivery::of(&c, &e), Outcome::NotSent)).collect(),
            );
            return Ok(false);
        }
    };
    let deliveries: Vec<(Delivery, Outcome)> = stream::iter(recipients)
        .map(|(contact, email)| deliver(mail, letter, contact, email))
        .buffer_unordered(CONCURRENT_SENDS)
        .collect()
        .await;
    // What did not go out does not count.
    let unsent = deliveries.iter().filter(|(_, o)| !matches!(o, Outcome::Sent)).count();
    crate::quota::release(&mail.quota(), &reservation, u32::try_from(unsent).unwrap_or(u32::MAX)).await;
    report.record(deliveries);
    Ok(true)
}

/// The notification's figures as a metric line, and a warning when some were not sent.
fn log_report(report: &NotifyReport) {
    crate::metrics::emails(
        "notification",
        report.sent.len() as u64,
        report.failed.len() as u64,
        report.not_sent.len() as u64,
    );
    if !report.not_sent.is_empty() || report.not_sent_more {
        tracing::warn!(
            not_sent = report.not_sent.len(),
            not_sent_more = report.not_sent_more,
            "notification send budget ran out"
        );
    }
}

/// Sends the notification to one recipient, unless the budget has run out by the time a send
/// slot is free for it, and records it in the recipient's activity.
async fn deliver(
    mail: &Mailing<'_>,
    letter: &Letter<'_>,
    contact: Contact,
    to: Email,
) -> (Delivery, Outcome) {
    let n = letter.notification;
    let mut delivery = Delivery::of(&contact, &to);
    // Polled when a send slot frees up, so this is the moment the send would start.
    if Instant::now() >= letter.stop_at {
        return (delivery, Outcome::NotSent);
    }
    let topic = match n.audience {
        Audience::Topic(topic) => Some(topic),
        Audience::Contacts(_) | Audience::Tag(_) => None,
    };
    let context = NotificationEmail {
        contact_name: greeting_name(&contact),
        client_name: letter.client.fields.name.as_str(),
        sender_name: letter.signature,
        topic: topic.map(|t| t.as_str()).unwrap_or_default(),
        text: n.text.as_str(),
        html: letter.html,
    };
    let about = Addressee {
        tenant: letter.tenant,
        client: contact.client_id,
        contact: contact.id,
        kind: EmailKind::Notification,
    };
    let subject = n.subject.as_str();
    let result = match render("notification", &context) {
        Ok(body) => mail.mailer.send(OutgoingEmail { to: &to, subject, body, about }).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => {
            let sent = email::Sent {
                about,
                message_id: &id,
                topic,
                subject: Some(subject),
                actor: Some(letter.actor),
            };
            mail.record_sent(sent).await;
            delivery.message_id = Some(id);
            (delivery, Outcome::Sent)
        }
        Err(e) => {
            tracing::warn!(contact = %contact.id, error = %crate::telemetry::chain(&e), "notification not sent");
            delivery.error = Some(e.code().to_owned());
            (delivery, Outcome::Failed)
        }
    }
}
