//! Sending one email to every contact of a client who opted into a topic.

use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::fields::FieldReader;
use crate::domain::{
    ClientId, Contact, ContactId, DomainError, DomainResult, Email, NotificationTopic, TenantId, Text,
};
use crate::email::sanitize::sanitize;
use crate::email::Mailing;
use crate::email::{render, OutgoingEmail};
use crate::invites::greeting_name;
use crate::store::ContactFilter;

/// SES calls in flight at once: fast for hundreds of recipients, gentle on sending quotas.
const CONCURRENT_SENDS: usize = 8;

/// How long a notification reads recipients and starts new sends. API Gateway answers 503
/// after 30 s while the function goes on sending, and a caller who retries then emails
/// everyone twice; so sends start only within this budget, counted from the start of the
/// request, and recipients left over are reported as not sent (about 1,500 fit at SES's usual
/// latency). The last send ends within `email::SEND_TIMEOUT` after it.
pub const SEND_BUDGET: Duration = Duration::from_secs(20);
const MAX_HTML_BYTES: usize = 100 * 1024;

pub struct Notification {
    pub topic: NotificationTopic,
    pub subject: Text,
    pub text: Text,
    pub html: Option<String>,
}

impl Notification {
    pub fn parse(body: Map<String, Value>) -> DomainResult<Self> {
        let mut r = FieldReader::new(body);
        let topic = r.parsed("topic", NotificationTopic::parse).apply(None);
        let subject = r.text("subject", 200).apply(None);
        let text = r.multiline_text("text", 20_000).apply(None);
        let html = r
            .parsed("html", |h| {
                if h.len() > MAX_HTML_BYTES {
                    Err("at most 100 KiB".into())
                } else {
                    Ok(h.to_owned())
                }
            })
            .apply(None);
        let mut errors = r.finish();
        for (name, missing) in
            [("topic", topic.is_none()), ("subject", subject.is_none()), ("text", text.is_none())]
        {
            if missing && !errors.iter().any(|e| e.field == name) {
                errors.push(crate::domain::FieldError::new(name, "is required"));
            }
        }
        match (topic, subject, text) {
            (Some(topic), Some(subject), Some(text)) if errors.is_empty() => {
                Ok(Self { topic, subject, text, html })
            }
            _ => Err(DomainError::Validation(errors)),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Delivery {
    pub contact_id: ContactId,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NotifyReport {
    pub topic: NotificationTopic,
    pub sent: Vec<Delivery>,
    pub failed: Vec<Delivery>,
    /// Read but not attempted: the send budget ran out first. Safe to notify again.
    pub not_sent: Vec<Delivery>,
    /// The budget ran out (or reading failed) before every recipient was read: others than
    /// those in `not_sent` may not have been reached either.
    pub not_sent_more: bool,
}

impl Delivery {
    fn of(contact: &Contact, email: &Email) -> Self {
        Self { contact_id: contact.id, email: email.as_str().to_owned(), message_id: None, error: None }
    }
}

enum Outcome {
    Sent,
    Failed,
    NotSent,
}

impl NotifyReport {
    fn new(topic: NotificationTopic) -> Self {
        Self { topic, sent: Vec::new(), failed: Vec::new(), not_sent: Vec::new(), not_sent_more: false }
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

/// Recipients read per query. One page is read and sent to before the next is read, so memory
/// holds one page and reading a large client's recipients counts against the send budget.
const PAGE: i32 = 100;

/// Sends to every contact of the client who opted into the topic and has an email address,
/// page by page, until they are all reached or the send budget (which starts before anything
/// is read) runs out. Each page's emails are counted against the tenant's quota before any of
/// them is sent: a first page over the quota refuses the whole notification (nothing sent), a
/// later one stops it there (the rest reported as not sent). What did not go out is given back.
/// `budget` is how long new sends start (`SEND_BUDGET` when deployed).
pub async fn notify(
    mail: &Mailing<'_>,
    budget: std::time::Duration,
    tenant: &TenantId,
    client: ClientId,
    n: &Notification,
) -> DomainResult<NotifyReport> {
    let stop_at = Instant::now() + budget;
    let (client_item, settings) = mail.store.get_client_with_settings(tenant, client).await?;
    let client_name = client_item.fields.name.as_str();
    let signature = settings.settings.effective(&mail.fallbacks()).signature_name;
    // Once per notification; markup with nothing left after sanitising shows the text instead.
    let html = n.html.as_deref().map(|h| sanitize(h, mail.email.allow_remote_images));
    let html = html.as_deref().filter(|h| !h.trim().is_empty());
    let filter = ContactFilter { topic: Some(n.topic), with_email: true, ..ContactFilter::default() };
    let mut report = NotifyReport::new(n.topic);
    let mut after = None;
    loop {
        let page = match mail.store.list_contacts(tenant, client, &filter, PAGE, after).await {
            Ok(page) => page,
            // Nothing sent yet: the caller may simply try again.
            Err(e) if report.sent.is_empty() && report.failed.is_empty() => return Err(e),
            // Some already have the email: say who, rather than fail the whole request.
            Err(e) => {
                tracing::warn!(error = %crate::telemetry::chain(&e), "reading notification recipients failed; the rest not sent");
                report.not_sent_more = true;
                break;
            }
        };
        // The filter already keeps only contacts with an address; this makes it a type fact.
        let recipients: Vec<(Contact, Email)> =
            page.items.into_iter().filter_map(|c| c.fields.email.clone().map(|e| (c, e))).collect();
        let wanted = u32::try_from(recipients.len()).unwrap_or(u32::MAX);
        let reservation = match crate::quota::reserve(&mail.quota(), tenant, wanted).await {
            Ok(reservation) => reservation,
            Err(e) if report.sent.is_empty() && report.failed.is_empty() => return Err(e),
            Err(e) => {
                tracing::warn!(error = %crate::telemetry::chain(&e), "email quota reached mid-notification; the rest not sent");
                report.record(
                    recipients.into_iter().map(|(c, e)| (Delivery::of(&c, &e), Outcome::NotSent)).collect(),
                );
                report.not_sent_more = page.last_sort_key.is_some();
                break;
            }
        };
        let letter = Letter { notification: n, client_name, signature: &signature, html, stop_at };
        report.record(send_page(mail, &letter, recipients, &reservation).await);
        match page.last_sort_key {
            None => break,
            // Reading on would only list more people as not sent, past the budget.
            Some(_) if Instant::now() >= stop_at => {
                report.not_sent_more = true;
                break;
            }
            Some(sk) => after = Some(sk),
        }
    }
    log_report(&report);
    Ok(report)
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

/// What every recipient of a notification gets, and until when sending may start.
struct Letter<'a> {
    notification: &'a Notification,
    client_name: &'a str,
    /// The name the email is signed with (the tenant's settings).
    signature: &'a str,
    /// The sanitised HTML part, if any is left.
    html: Option<&'a str>,
    stop_at: Instant,
}

/// Sends one page's emails, a few at a time, and gives back the quota of those not sent.
async fn send_page(
    mail: &Mailing<'_>,
    letter: &Letter<'_>,
    recipients: Vec<(Contact, Email)>,
    reservation: &crate::quota::Reservation,
) -> Vec<(Delivery, Outcome)> {
    let deliveries: Vec<(Delivery, Outcome)> = stream::iter(recipients)
        .map(|(contact, email)| deliver(mail, letter, contact, email))
        .buffer_unordered(CONCURRENT_SENDS)
        .collect()
        .await;
    // What did not go out does not count.
    let unsent = deliveries.iter().filter(|(_, o)| !matches!(o, Outcome::Sent)).count();
    crate::quota::release(&mail.quota(), reservation, u32::try_from(unsent).unwrap_or(u32::MAX)).await;
    deliveries
}

/// Sends the notification to one recipient, unless the budget has run out by the time a send
/// slot is free for it.
async fn deliver(
    mail: &Mailing<'_>,
    letter: &Letter<'_>,
    contact: Contact,
    email: Email,
) -> (Delivery, Outcome) {
    let Letter { notification: n, client_name, signature, html, stop_at } = *letter;
    let mut delivery = Delivery::of(&contact, &email);
    // Polled when a send slot frees up, so this is the moment the send would start.
    if Instant::now() >= stop_at {
        return (delivery, Outcome::NotSent);
    }
    let context = NotificationEmail {
        contact_name: greeting_name(&contact),
        client_name,
        sender_name: signature,
        topic: n.topic.as_str(),
        text: n.text.as_str(),
        html,
    };
    let result = match render("notification", &context) {
        Ok(body) => mail.mailer.send(OutgoingEmail { to: &email, subject: n.subject.as_str(), body }).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => {
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
