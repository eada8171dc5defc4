//! SES's delivery events, as EventBridge passes them (`record-email-event`), on the contact
//! they are about: every event in the contact's activity, and a permanent bounce or a
//! complaint as its `email_status`, which stops notifications and sweep notices to the
//! address until the address changes.
//!
//! The contact comes from the message tags every email carries (`email::Addressee`), so no
//! look-up by address is needed. An event whose tags name no contact of this service (another
//! sender's email on the same bus) is ignored.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::domain::activity::{activity_time, expires_at, Activity, ActivityEvent, DeliveryOutcome};
use crate::domain::contact::EmailDelivery;
use crate::domain::{ClientId, ContactId, DomainError, EmailStatus, TenantId};
use crate::email::{TAG_CLIENT, TAG_CONTACT, TAG_TENANT};
use crate::error::{ServiceError, ServiceResult};
use crate::store::{StatusChange, Store, StoreError};

/// Who the activity of an SES event is by.
const SES_ACTOR: &str = "ses";

/// What recording SES's events uses: the table and how long activity is kept.
#[derive(Clone, Copy)]
pub struct Feedback<'a> {
    pub store: &'a Store,
    pub retention_days: u32,
}

/// What recording one event did (the function's answer, and the log's).
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Recorded {
    /// Not an event this service acts on, or not about one of its contacts.
    Ignored { why: &'static str },
    /// In the contact's activity; `status` says what became of its `email_status`
    /// (absent when the event does not change it).
    Recorded {
        outcome: DeliveryOutcome,
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<&'static str>,
    },
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "detail-type")]
    detail_type: String,
    detail: SesEvent,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SesEvent {
    event_type: String,
    mail: Mail,
    bounce: Option<Bounce>,
    complaint: Option<Complaint>,
    delivery: Option<Delivered>,
    reject: Option<Reject>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Mail {
    message_id: String,
    timestamp: String,
    #[serde(default)]
    destination: Vec<String>,
    #[serde(default)]
    tags: HashMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bounce {
    bounce_type: String,
    #[serde(default)]
    bounce_sub_type: String,
    #[serde(default)]
    bounced_recipients: Vec<Recipient>,
    timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Complaint {
    #[serde(default)]
    complained_recipients: Vec<Recipient>,
    timestamp: String,
    complaint_feedback_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    email_address: String,
    status: Option<String>,
}

#[derive(Deserialize)]
struct Delivered {
    timestamp: String,
}

#[derive(Deserialize)]
struct Reject {
    reason: Option<String>,
}

/// The contact an email's tags name.
struct Tagged {
    tenant: TenantId,
    client: ClientId,
    contact: ContactId,
}

impl Mail {
    fn tag(&self, name: &str) -> Option<&str> {
        self.tags.get(name).and_then(|values| values.first()).map(String::as_str)
    }

    fn tagged(&self) -> Option<Tagged> {
        Some(Tagged {
            tenant: TenantId::parse(self.tag(TAG_TENANT)?)?,
            client: ClientId::parse(self.tag(TAG_CLIENT)?)?,
            contact: ContactId::parse(self.tag(TAG_CONTACT)?)?,
        })
    }
}

/// What an event says: its outcome, when, why, and the status it sets on the addresses it
/// names (a permanent bounce or a complaint).
#[cfg_attr(test, derive(Debug, PartialEq))]
struct Reading {
    outcome: DeliveryOutcome,
    at: String,
    reason: Option<String>,
    status: Option<(EmailStatus, Vec<String>)>,
}

fn read(event: &SesEvent) -> Option<Reading> {
    let (outcome, at, reason, status) = match event.event_type.as_str() {
        "Bounce" => {
            let b = event.bounce.as_ref()?;
            let code = b.bounced_recipients.iter().find_map(|r| r.status.as_deref());
            let reason = match code {
                Some(code) => format!("{} bounce ({}), status {code}", b.bounce_type, b.bounce_sub_type),
                None => format!("{} bounce ({})", b.bounce_type, b.bounce_sub_type),
            };
            // Only a permanent bounce says the address is bad; a transient one is history.
            let status = (b.bounce_type == "Permanent")
                .then(|| (EmailStatus::Bouncing, addresses(&b.bounced_recipients, &event.mail)));
            (DeliveryOutcome::Bounced, &b.timestamp, Some(reason), status)
        }
        "Complaint" => {
            let c = event.complaint.as_ref()?;
            let reason = match &c.complaint_feedback_type {
                Some(kind) => format!("complaint ({kind})"),
                None => "complaint".to_owned(),
            };
            let status = Some((EmailStatus::Complained, addresses(&c.complained_recipients, &event.mail)));
            (DeliveryOutcome::Complained, &c.timestamp, Some(reason), status)
        }
        "Delivery" => (DeliveryOutcome::Delivered, &event.delivery.as_ref()?.timestamp, None, None),
        "Reject" => {
            let reason = event.reject.as_ref().and_then(|r| r.reason.clone());
            (DeliveryOutcome::Rejected, &event.mail.timestamp, reason, None)
        }
        _ => return None,
    };
    let at = activity_time(OffsetDateTime::parse(at, &Rfc3339).ok()?);
    Some(Reading { outcome, at, reason, status })
}

/// The addresses an event is about, as the uniqueness rule compares them (trimmed, lower case):
/// its recipients, or else the message's destination.
fn addresses(recipients: &[Recipient], mail: &Mail) -> Vec<String> {
    let named: Vec<&String> = if recipients.is_empty() {
        mail.destination.iter().collect()
    } else {
        recipients.iter().map(|r| &r.email_address).collect()
    };
    named.into_iter().map(|a| a.trim().to_lowercase()).collect()
}

/// Records one EventBridge event from SES. Writing it again (EventBridge retries, SES sends
/// twice) changes nothing: the activity item has the same key, and an event no later than the
/// recorded status is stale.
pub async fn record(with: &Feedback<'_>, event: Value) -> ServiceResult<Recorded> {
    let envelope = match serde_json::from_value::<Envelope>(event) {
        Ok(envelope) => envelope,
        Err(e) => {
            tracing::warn!(error = %e, "event not read as SES's email event");
            return Ok(Recorded::Ignored { why: "not an SES email event" });
        }
    };
    let ses = envelope.detail;
    let Some(reading) = read(&ses) else {
        tracing::info!(detail_type = %envelope.detail_type, "SES event of a kind not recorded");
        return Ok(Recorded::Ignored { why: "not a bounce, complaint, delivery or reject" });
    };
    let Some(who) = ses.mail.tagged() else {
        return Ok(Recorded::Ignored { why: "its email names no contact" });
    };
    let store = with.store;
    match store.get_contact(&who.tenant, who.client, who.contact).await {
        Ok(_) => {}
        // Deleted since (its history goes with it): nothing to record.
        Err(StoreError::Refused(DomainError::NotFound(_))) => {
            return Ok(Recorded::Ignored { why: "no such contact" })
        }
        Err(e) => return Err(e.into()),
    }
    let activity = Activity {
        client_id: who.client.to_string(),
        contact_id: who.contact.to_string(),
        at: reading.at.clone(),
        actor: Some(SES_ACTOR.to_owned()),
        event: ActivityEvent::Delivery {
            message_id: ses.mail.message_id.clone(),
            outcome: reading.outcome,
            reason: reading.reason.clone(),
        },
    };
    let at = OffsetDateTime::parse(&reading.at, &Rfc3339).map_err(ServiceError::internal)?;
    let suffix = format!("{}#{}", ses.mail.message_id, ses.event_type);
    store.put_activity(&who.tenant, &activity, &suffix, expires_at(at, with.retention_days)).await?;
    let mut status = None;
    if let Some((new_status, addresses)) = reading.status {
        let delivery = EmailDelivery { status: new_status, at: Some(reading.at), reason: reading.reason };
        for address in addresses {
            let change =
                store.set_email_status(&who.tenant, who.client, who.contact, &address, &delivery).await?;
            status = Some(match change {
                StatusChange::Recorded => new_status.as_str(),
                StatusChange::NotItsAddress => "ignored: the contact's address changed since",
                StatusChange::Stale => "ignored: a later event is recorded",
                StatusChange::NoContact => "ignored: no such contact",
            });
        }
    }
    tracing::info!(contact = %who.contact, outcome = reading.outcome.as_str(), status = ?status, "SES event recorded");
    Ok(Recorded::Recorded { outcome: reading.outcome, status })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> SesEvent {
        let path = format!("{}/../events/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        serde_json::from_str::<Envelope>(&text).unwrap().detail
    }

    #[test]
    fn a_permanent_bounce_makes_its_addresses_bouncing_and_names_no_address_in_its_reason() {
        let reading = read(&sample("record-email-event")).unwrap();
        assert_eq!(reading.outcome, DeliveryOutcome::Bounced);
        assert_eq!(reading.at, "2026-11-28T10:00:02.815Z");
        assert_eq!(reading.reason.as_deref(), Some("Permanent bounce (General), status 5.1.1"));
        assert_eq!(
            reading.status,
            Some((EmailStatus::Bouncing, vec!["ada.lovelace@acme.example".to_owned()]))
        );
    }

    #[test]
    fn a_transient_bounce_a_delivery_and_a_reject_set_no_status_and_a_complaint_does() {
        for name in [
            "record-email-event-transient-bounce",
            "record-email-event-delivery",
            "record-email-event-reject",
        ] {
            assert_eq!(read(&sample(name)).unwrap().status, None, "{name}");
        }
        let complaint = read(&sample("record-email-event-complaint")).unwrap();
        assert_eq!(complaint.status.map(|(s, _)| s), Some(EmailStatus::Complained));
    }

    #[test]
    fn the_samples_tags_name_the_demo_contact() {
        let tagged = sample("record-email-event").mail.tagged().unwrap();
        assert_eq!(
            (tagged.tenant.as_str(), tagged.contact.to_string()),
            ("demo", "01JDEM0C0NTACT000000000000".into())
        );
    }
}
