//! Where a contact stands in the support-expiry sweep. A contact with portal access (invited
//! or active) and a support end date is in the sweep index under its next due action: the
//! reminder N days before support ends, then the revocation the day after. The index key
//! starts with the moment the action is due, so "everything due" is one range query.

use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, Time};

use super::{ClientId, ContactId, PortalStatus, TenantId};

/// The index partition holding every sweepable contact.
pub const SWEEP_PARTITION: &str = "SWEEP";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepAction {
    Remind,
    Revoke,
}

impl SweepAction {
    fn as_str(self) -> &'static str {
        match self {
            SweepAction::Remind => "REMIND",
            SweepAction::Revoke => "REVOKE",
        }
    }
}

/// Index timestamps: fixed width, so they sort as text in time order.
pub fn format_instant(at: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.to_offset(time::UtcOffset::UTC).format(&fmt).unwrap_or_default()
}

fn start_of(date: Date) -> OffsetDateTime {
    date.with_time(Time::MIDNIGHT).assume_utc()
}

pub struct SweepKey {
    pub due: OffsetDateTime,
    pub action: SweepAction,
}

impl SweepKey {
    /// The next action for a contact, or `None` when it has nothing to sweep.
    pub fn next(
        status: PortalStatus,
        support_end: Option<Date>,
        reminded_for: Option<Date>,
        reminder_days: u32,
    ) -> Option<Self> {
        let end = support_end?;
        if !matches!(status, PortalStatus::Invited | PortalStatus::Active) {
            return None;
        }
        // Saturating: a due time past the last representable instant (support ending on
        // 9999-12-31) is that instant, and one before the first (a large reminder_days) is due
        // at once; no date can make the key computation fail.
        Some(if reminded_for == Some(end) {
            SweepKey { due: start_of(end).saturating_add(Duration::days(1)), action: SweepAction::Revoke }
        } else {
            SweepKey {
                due: start_of(end).saturating_sub(Duration::days(i64::from(reminder_days))),
                action: SweepAction::Remind,
            }
        })
    }

    pub fn sort_key(&self, tenant: &TenantId, client: ClientId, contact: ContactId) -> String {
        format!("{}#{}#{tenant}#{client}#{contact}", format_instant(self.due), self.action.as_str())
    }

    /// The same action, hidden from the sweep until `until` (while one sweep works on it).
    pub fn leased(&self, until: OffsetDateTime) -> Self {
        SweepKey { due: until, action: self.action }
    }

    /// Reads the action back from an index sort key.
    pub fn action_of(sort_key: &str) -> Option<SweepAction> {
        match sort_key.split('#').nth(1)? {
            "REMIND" => Some(SweepAction::Remind),
            "REVOKE" => Some(SweepAction::Revoke),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn a_contact_without_access_or_end_date_is_not_swept() {
        assert!(SweepKey::next(PortalStatus::None, Some(date!(2026 - 12 - 31)), None, 14).is_none());
        assert!(SweepKey::next(PortalStatus::Revoked, Some(date!(2026 - 12 - 31)), None, 14).is_none());
        assert!(SweepKey::next(PortalStatus::Active, None, None, 14).is_none());
    }

    #[test]
    fn the_reminder_comes_first_and_the_revocation_the_day_after_support_ends() {
        let remind = SweepKey::next(PortalStatus::Active, Some(date!(2026 - 12 - 31)), None, 14).unwrap();
        assert_eq!((remind.action, remind.due), (SweepAction::Remind, datetime!(2026-12-17 0:00 UTC)));
        let revoke = SweepKey::next(
            PortalStatus::Invited,
            Some(date!(2026 - 12 - 31)),
            Some(date!(2026 - 12 - 31)),
            14,
        )
        .unwrap();
        assert_eq!((revoke.action, revoke.due), (SweepAction::Revoke, datetime!(2027-01-01 0:00 UTC)));
    }

    #[test]
    fn a_reminder_for_an_earlier_window_does_not_count_for_a_new_one() {
        let key = SweepKey::next(
            PortalStatus::Active,
            Some(date!(2027 - 06 - 30)),
            Some(date!(2026 - 12 - 31)),
            14,
        )
        .unwrap();
        assert_eq!(key.action, SweepAction::Remind);
    }

    #[test]
    fn the_last_accepted_day_is_revoked_at_the_last_representable_instant() {
        let end = date!(9999 - 12 - 31);
        let revoke = SweepKey::next(PortalStatus::Active, Some(end), Some(end), 14).unwrap();
        assert_eq!(revoke.action, SweepAction::Revoke);
        assert_eq!(format_instant(revoke.due), "9999-12-31T23:59:59Z");
        let remind = SweepKey::next(PortalStatus::Active, Some(end), None, 14).unwrap();
        assert_eq!(format_instant(remind.due), "9999-12-17T00:00:00Z");
    }

    #[test]
    fn no_date_or_reminder_period_makes_the_key_computation_fail() {
        let earliest = SweepKey::next(PortalStatus::Invited, Some(Date::MIN), None, u32::MAX).unwrap();
        assert_eq!(earliest.due.date(), Date::MIN, "due at once");
        let latest = SweepKey::next(PortalStatus::Invited, Some(Date::MAX), Some(Date::MAX), 14).unwrap();
        assert_eq!(latest.due.date(), Date::MAX);
        let first = SweepKey::next(PortalStatus::Active, Some(date!(1900 - 01 - 01)), None, 14).unwrap();
        assert_eq!(format_instant(first.due), "1899-12-18T00:00:00Z");
    }

    #[test]
    fn sort_keys_order_by_due_time_and_name_their_action() {
        let (t, c, k) = (TenantId::parse("t1").unwrap(), ClientId::generate(), ContactId::generate());
        let early =
            SweepKey { due: datetime!(2026-01-02 0:00 UTC), action: SweepAction::Revoke }.sort_key(&t, c, k);
        let late =
            SweepKey { due: datetime!(2026-01-10 0:00 UTC), action: SweepAction::Remind }.sort_key(&t, c, k);
        assert!(early < late);
        assert!(early < format_instant(datetime!(2026-01-02 0:00:01 UTC)));
        assert_eq!(SweepKey::action_of(&late), Some(SweepAction::Remind));
    }
}
