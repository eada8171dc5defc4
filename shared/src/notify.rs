//! Sending one email to every contact of a client who opted into a topic.

use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::app::App;
use crate::domain::fields::FieldReader;
use crate::domain::{
    ClientId, Contact, ContactId, DomainError, DomainResult, NotificationTopic, TenantId, Text,
};
use crate::email::sanitize::sanitize;
use crate::email::{render, OutgoingEmail};
use crate::invites::greeting_name;
use crate::store::ContactFilter;

/// SES calls in flight at once: fast for hundreds of recipients, gentle on sending quotas.
const CONCURRENT_SENDS: usize = 8;

/// How long a notification starts new sends. API Gateway answers 503 after 30 s while the
/// function goes on sending, and a caller who retries then emails everyone twice; so sends
/// start only within this budget, and recipients left over are reported as not sent (about
/// 1,500 at SES's usual latency). The last send ends within `email::SEND_TIMEOUT` after it.
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
    /// Not attempted: the send budget ran out first. Safe to notify again.
    pub not_sent: Vec<Delivery>,
}

impl NotifyReport {
    fn of(topic: NotificationTopic, deliveries: Vec<(Delivery, Outcome)>) -> Self {
        let mut report = Self { topic, sent: Vec::new(), failed: Vec::new(), not_sent: Vec::new() };
        for (delivery, outcome) in deliveries {
            match outcome {
                Outcome::Sent => report.sent.push(delivery),
                Outcome::Failed => report.failed.push(delivery),
                Outcome::NotSent => report.not_sent.push(delivery),
            }
        }
        report
    }
}

enum Outcome {
    Sent,
    Failed,
    NotSent,
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

/// Everyone of the client who opted into the topic and has an email address.
async fn recipients(
    app: &App,
    tenant: &TenantId,
    client: ClientId,
    topic: NotificationTopic,
) -> DomainResult<Vec<Contact>> {
    let filter = ContactFilter { topic: Some(topic), with_email: true, ..ContactFilter::default() };
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = app.store.list_contacts(tenant, client, &filter, 100, after).await?;
        all.extend(page.items);
        match page.last_sort_key {
            Some(sk) => after = Some(sk),
            None => return Ok(all),
        }
    }
}

pub async fn notify(
    app: &App,
    tenant: &TenantId,
    client: ClientId,
    n: &Notification,
) -> DomainResult<NotifyReport> {
    let client_item = app.store.get_client(tenant, client).await?;
    let client_name = client_item.fields.name.as_str();
    let contacts = recipients(app, tenant, client, n.topic).await?;
    // Counted before anything is sent: one over the quota sends nothing.
    let wanted = u32::try_from(contacts.len()).unwrap_or(u32::MAX);
    let reservation = crate::quota::reserve(app, tenant, wanted).await?;
    // Once per notification; markup with nothing left after sanitising shows the text instead.
    let html = n.html.as_deref().map(|h| sanitize(h, app.email.allow_remote_images));
    let html = html.as_deref().filter(|h| !h.trim().is_empty());
    let stop_at = Instant::now() + app.notify_budget;
    let deliveries: Vec<(Delivery, Outcome)> = stream::iter(contacts)
        .map(|contact| async move {
            let email = contact.fields.email.clone().expect("recipients have an email");
            let mut delivery = Delivery {
                contact_id: contact.id,
                email: email.as_str().to_owned(),
                message_id: None,
                error: None,
            };
            // Polled when a send slot frees up, so this is the moment the send would start.
            if Instant::now() >= stop_at {
                return (delivery, Outcome::NotSent);
            }
            let context = NotificationEmail {
                contact_name: greeting_name(&contact),
                client_name,
                sender_name: &app.mailer.sender_name,
                topic: n.topic.as_str(),
                text: n.text.as_str(),
                html,
            };
            let result = match render("notification", &context) {
                Ok(body) => {
                    app.mailer.send(OutgoingEmail { to: &email, subject: n.subject.as_str(), body }).await
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(id) => {
                    delivery.message_id = Some(id);
                    (delivery, Outcome::Sent)
                }
                Err(e) => {
                    tracing::warn!(contact = %contact.id, error = %e, "notification not sent");
                    delivery.error = Some(crate::http::problem::classify(&e).1.to_owned());
                    (delivery, Outcome::Failed)
                }
            }
        })
        .buffer_unordered(CONCURRENT_SENDS)
        .collect()
        .await;
    let report = NotifyReport::of(n.topic, deliveries);
    // What did not go out does not count.
    let unsent = u32::try_from(report.failed.len() + report.not_sent.len()).unwrap_or(u32::MAX);
    crate::quota::release(app, &reservation, unsent).await;
    if !report.not_sent.is_empty() {
        tracing::warn!(not_sent = report.not_sent.len(), "notification send budget ran out");
    }
    Ok(report)
}
