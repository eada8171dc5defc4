//! Sending one email to a client's contacts: those who opted into a topic, or contacts picked
//! by hand (who get it whether they opted in or not), and the primary contact when asked.
//! Addresses that bounced for good or complained are skipped and reported as suppressed.
//! The sending itself is `notify/send.rs`.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::fields::FieldReader;
use crate::domain::Patch;
use crate::domain::{
    Contact, ContactId, DomainError, DomainResult, Email, EmailStatus, FieldError, NotificationTopic, TagId,
    Text,
};

mod send;

pub use send::notify;

/// How long a notification reads recipients and starts new sends. API Gateway answers 503
/// after 30 s while the function goes on sending, and a caller who retries then emails
/// everyone twice; so sends start only within this budget, counted from the start of the
/// request, and recipients left over are reported as not sent (about 1,500 fit at SES's usual
/// latency). The last send ends within `email::SEND_TIMEOUT` after it.
pub const SEND_BUDGET: Duration = Duration::from_secs(20);
const MAX_HTML_BYTES: usize = 100 * 1024;
/// Contacts one notification may pick by hand (`contact_ids`): one batch read.
pub(crate) const MAX_CONTACT_IDS: usize = 100;

/// Who a notification is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The client's contacts who opted into the topic.
    Topic(NotificationTopic),
    /// These contacts of the client, opted in or not (no duplicates).
    Contacts(Vec<ContactId>),
    /// The client's contacts carrying the tag, opted in or not: a tag is a segment staff made.
    Tag(TagId),
}

pub struct Notification {
    pub audience: Audience,
    /// Also the client's primary contact, opted in or not.
    pub include_primary: bool,
    pub subject: Text,
    pub text: Text,
    pub html: Option<String>,
}

impl Notification {
    pub fn parse(body: Map<String, Value>) -> DomainResult<Self> {
        let mut r = FieldReader::new(body);
        let topic = r.parsed("topic", NotificationTopic::parse).apply(None);
        let tag = match r.exact("tag", |raw| TagId::parse(raw).ok_or_else(|| "must be a tag id".to_owned())) {
            // `null` names no recipients; it is not "absent".
            Patch::Null => {
                r.error("tag", "must be a tag id");
                None
            }
            tag => tag.apply(None),
        };
        let ids = match r.list("contact_ids", MAX_CONTACT_IDS, |id| {
            ContactId::parse(id).ok_or_else(|| "must be a contact id".to_owned())
        }) {
            // `null` names no recipients; it is not "absent".
            Patch::Null => {
                r.error("contact_ids", "must be a list of contact ids");
                None
            }
            ids => ids.apply(None),
        };
        let include_primary = r.boolean("include_primary").apply(None).unwrap_or(false);
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
        let audience = audience(topic, ids, tag, &mut errors);
        for (name, missing) in [("subject", subject.is_none()), ("text", text.is_none())] {
            if missing && !errors.iter().any(|e| e.field == name) {
                errors.push(FieldError::new(name, "is required"));
            }
        }
        match (audience, subject, text) {
            (Some(audience), Some(subject), Some(text)) if errors.is_empty() => {
                Ok(Self { audience, include_primary, subject, text, html })
            }
            _ => Err(DomainError::Validation(errors)),
        }
    }
}

/// Exactly one of `topic`, `contact_ids` and `tag` names the recipients.
fn audience(
    topic: Option<NotificationTopic>,
    ids: Option<Vec<ContactId>>,
    tag: Option<TagId>,
    errors: &mut Vec<FieldError>,
) -> Option<Audience> {
    let reported = |errors: &[FieldError], name: &str| errors.iter().any(|e| e.field.starts_with(name));
    let named = [topic.is_some(), ids.is_some(), tag.is_some()].iter().filter(|n| **n).count();
    if named > 1 {
        let field = if tag.is_some() { "tag" } else { "contact_ids" };
        errors.push(FieldError::new(field, "give one of topic, contact_ids and tag"));
        return None;
    }
    if let Some(tag) = tag {
        return Some(Audience::Tag(tag));
    }
    match (topic, ids) {
        (Some(_), Some(_)) => None,
        (Some(topic), None) => Some(Audience::Topic(topic)),
        (None, Some(ids)) if ids.is_empty() => {
            errors.push(FieldError::new("contact_ids", "at least one contact id"));
            None
        }
        (None, Some(mut ids)) => {
            // Each contact gets the email once, however often it is named.
            let mut seen = std::collections::HashSet::new();
            ids.retain(|id| seen.insert(*id));
            Some(Audience::Contacts(ids))
        }
        (None, None) => {
            if !reported(errors, "topic") && !reported(errors, "contact_ids") && !reported(errors, "tag") {
                errors.push(FieldError::new("topic", "is required (or contact_ids, or tag)"));
            }
            None
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

/// A recipient not written to: its address bounced for good or complained.
#[derive(Debug, Serialize)]
pub struct Suppressed {
    pub contact_id: ContactId,
    /// `bouncing` or `complained` (the contact's `email_status`).
    pub reason: EmailStatus,
}

#[derive(Debug, Serialize)]
pub struct NotifyReport {
    /// The topic, or null for contacts picked by hand or by tag.
    pub topic: Option<NotificationTopic>,
    /// The tag, for a notification of a tag's contacts; else null.
    pub tag: Option<TagId>,
    pub sent: Vec<Delivery>,
    pub failed: Vec<Delivery>,
    /// Read but not attempted: the send budget ran out first. Safe to notify again.
    pub not_sent: Vec<Delivery>,
    /// The budget ran out (or reading failed) before every recipient was read: others than
    /// those in `not_sent` may not have been reached either.
    pub not_sent_more: bool,
    pub suppressed: Vec<Suppressed>,
    /// Picked contacts (or the primary) that have no email address.
    pub no_email: Vec<ContactId>,
    /// `contact_ids` naming no contact of this client.
    pub unknown_contact_ids: Vec<ContactId>,
}

impl Delivery {
    fn of(contact: &Contact, email: &Email) -> Self {
        Self { contact_id: contact.id, email: email.as_str().to_owned(), message_id: None, error: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parsed(body: Value) -> DomainResult<Notification> {
        let Value::Object(body) = body else { unreachable!() };
        Notification::parse(body)
    }

    fn fields(err: DomainError) -> Vec<String> {
        match err {
            DomainError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn a_notification_names_its_recipients_by_topic_or_by_hand_but_not_both() {
        let both = json!({"topic": "invoice", "contact_ids": ["01JD0000000000000000000000"], "subject": "s", "text": "t"});
        let neither = json!({"subject": "s", "text": "t"});
        assert_eq!(fields(parsed(both).err().unwrap()), ["contact_ids"]);
        assert_eq!(fields(parsed(neither).err().unwrap()), ["topic"]);
    }

    #[test]
    fn hand_picked_contacts_are_at_most_a_hundred_each_once() {
        let id = "01JD0000000000000000000000";
        let twice = parsed(json!({"contact_ids": [id, id], "subject": "s", "text": "t"})).unwrap();
        assert_eq!(twice.audience, Audience::Contacts(vec![ContactId::parse(id).unwrap()]));
        let many: Vec<String> = (0..101).map(|_| ContactId::generate().to_string()).collect();
        let too_many = parsed(json!({"contact_ids": many, "subject": "s", "text": "t"}));
        assert_eq!(fields(too_many.err().unwrap()), ["contact_ids"]);
        let junk = parsed(json!({"contact_ids": ["nope"], "subject": "s", "text": "t"}));
        assert_eq!(fields(junk.err().unwrap()), ["contact_ids[0]"]);
        let null = parsed(json!({"topic": "invoice", "contact_ids": null, "subject": "s", "text": "t"}));
        assert_eq!(fields(null.err().unwrap()), ["contact_ids"]);
    }
}
