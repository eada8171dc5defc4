//! What a sent email leaves in its contact's history (`domain::activity`).

use super::{Addressee, Mailing};
use crate::domain::activity::{activity_time, expires_at, Activity, ActivityEvent};
use crate::domain::NotificationTopic;

/// An email SES accepted, as its history records it.
pub struct Sent<'a> {
    pub about: Addressee<'a>,
    pub message_id: &'a str,
    /// A notification's topic (none when sent to hand-picked contacts) and subject.
    pub topic: Option<NotificationTopic>,
    pub subject: Option<&'a str>,
    /// Who had it sent, when known.
    pub actor: Option<&'a str>,
}

impl Mailing<'_> {
    /// Records a sent email in its contact's history. A failed write is logged and counted
    /// (`ActivityWriteFailed`), never returned: the email has gone, and an error would have
    /// the caller send it again (or undo an invitation whose link is already in the inbox).
    pub(crate) async fn record_sent(&self, sent: Sent<'_>) {
        let now = self.clock.now();
        let about = sent.about;
        let activity = Activity {
            client_id: about.client.to_string(),
            contact_id: about.contact.to_string(),
            at: activity_time(now),
            actor: sent.actor.map(str::to_owned),
            event: ActivityEvent::Email {
                email_kind: about.kind,
                message_id: sent.message_id.to_owned(),
                topic: sent.topic.map(|t| t.as_str().to_owned()),
                subject: sent.subject.map(str::to_owned),
            },
        };
        let expires = expires_at(now, self.email.activity_retention_days);
        let written = self.store.put_activity(about.tenant, &activity, sent.message_id, expires).await;
        if let Err(e) = written {
            tracing::warn!(contact = %about.contact, kind = about.kind.as_str(), error = %crate::telemetry::chain(&e), "sent email not recorded in the contact's activity");
            crate::metrics::activity_write_failed();
        }
    }
}
