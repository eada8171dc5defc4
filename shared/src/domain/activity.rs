//! A contact's activity history: the emails sent to it, what became of them, and changes to
//! it. One item per event (`store::activity`); never the address or a message body, so the
//! history holds nothing a deleted address could be recovered from.
//!
//! The serde shape below is both the stored item's kind-specific attributes and the API's
//! answer: `kind` names the variant, its fields sit beside `at` and `actor`.

use serde::{Deserialize, Serialize};
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// Days an activity item is kept when `ACTIVITY_RETENTION_DAYS` does not say.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;

/// Which email a contact was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    Invitation,
    PasswordReset,
    Notification,
    SupportReminder,
    Revocation,
}

impl EmailKind {
    /// The name in items, answers and SES message tags (`[a-z_]`, which tags allow).
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Invitation => "invitation",
            EmailKind::PasswordReset => "password_reset",
            EmailKind::Notification => "notification",
            EmailKind::SupportReminder => "support_reminder",
            EmailKind::Revocation => "revocation",
        }
    }
}

/// What SES reported about a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    Delivered,
    Bounced,
    Complained,
    Rejected,
}

impl DeliveryOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Delivered => "delivered",
            DeliveryOutcome::Bounced => "bounced",
            DeliveryOutcome::Complained => "complained",
            DeliveryOutcome::Rejected => "rejected",
        }
    }
}

/// What happened, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActivityEvent {
    /// An email went out (SES accepted it).
    Email {
        email_kind: EmailKind,
        message_id: String,
        /// A notification's topic; absent for one sent to hand-picked contacts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic: Option<String>,
        /// A notification's subject.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subject: Option<String>,
    },
    /// SES's word on an email sent earlier.
    Delivery {
        message_id: String,
        outcome: DeliveryOutcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Fields of the contact were changed (names only, never values).
    FieldsChanged { fields: Vec<String> },
    /// The contact's portal status moved.
    PortalStatus { from: String, to: String },
    /// The contact was archived (`domain::archive`); its `actor` archived it.
    Archived,
    /// The archived contact was restored; its `actor` restored it.
    Restored,
    /// A note or logged interaction staff wrote (`domain::note`); its author is the entry's
    /// `actor`. Unlike the others it is changed in place, and kept until deleted or until the
    /// contact is.
    Note {
        note_id: String,
        note_kind: super::note::NoteKind,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        occurred_at: Option<String>,
        /// An interaction's outcome (named apart from a delivery's `outcome`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note_outcome: Option<String>,
        /// A task's due day, assignee and state (`domain::task`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        done: Option<bool>,
        created_at: String,
        updated_at: String,
        updated_by: String,
        version: u64,
    },
}

/// One entry of a contact's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub client_id: String,
    pub contact_id: String,
    /// When it happened (`activity_time`), which also orders the history.
    pub at: String,
    /// Who did it, when known (a user's `sub`, `support-expiry-sweep`, `ses`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(flatten)]
    pub event: ActivityEvent,
}

/// An activity time: RFC 3339 in UTC with exactly three fraction digits, so that the sort
/// keys built from it order as the times do.
pub fn activity_time(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(UtcOffset::UTC).format(&format).unwrap_or_default()
}

/// When an item written at `at` expires (epoch seconds), `retention_days` later.
pub fn expires_at(at: OffsetDateTime, retention_days: u32) -> i64 {
    at.unix_timestamp() + i64::from(retention_days) * 86_400
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn an_activity_time_is_utc_with_milliseconds_so_it_sorts_as_text() {
        assert_eq!(activity_time(datetime!(2026-11-28 11:00:00.5 +01:00)), "2026-11-28T10:00:00.500Z");
        assert!(
            activity_time(datetime!(2026-11-28 10:00:00.999 UTC))
                < activity_time(datetime!(2026-11-28 10:00:01 UTC))
        );
    }

    #[test]
    fn an_email_answers_with_its_kind_beside_when_and_who() {
        let activity = Activity {
            client_id: "C".into(),
            contact_id: "P".into(),
            at: "2026-11-28T10:00:00.000Z".into(),
            actor: None,
            event: ActivityEvent::Email {
                email_kind: EmailKind::Notification,
                message_id: "m-1".into(),
                topic: Some("invoice".into()),
                subject: Some("Invoice 7".into()),
            },
        };
        let json = serde_json::to_value(&activity).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"client_id": "C", "contact_id": "P", "at": "2026-11-28T10:00:00.000Z",
                "kind": "email", "email_kind": "notification", "message_id": "m-1",
                "topic": "invoice", "subject": "Invoice 7"})
        );
        assert_eq!(serde_json::from_value::<Activity>(json).unwrap(), activity);
    }

    #[test]
    fn retention_counts_whole_days_from_the_event() {
        assert_eq!(expires_at(datetime!(1970-01-01 00:00 UTC), 2), 172_800);
    }
}
