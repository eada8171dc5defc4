//! Where a contact stands in the support-expiry sweep. A contact with portal access (invited
//! or active) and a support end date is in the sweep index under its next due action: the
//! reminder N days before support ends, then the revocation the day after. The index key
//! starts with the moment the action is due, so "everything due" is one range query.

use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, Time};

use super::{ClientId, ContactId, PortalStatus, TenantId};

/// How many index partitions (`GSI1PK` values) the sweepable contacts are spread over, each
/// contact by its id (`sweep_partition`). One partition of a DynamoDB index takes at most
/// 1,000 write units a second, and every invitation, acceptance, revocation, support-date change
/// and sweep action moves a contact's index key (2 index writes when the key changes): under one
/// value, all tenants together could make about 500 such changes a second. 16 shards take
/// 16,000 write units a second, about 8,000 changes, which is where the table's own default
/// quota (40,000 write units a second, an invitation costing about 5) binds anyway; more shards
/// would buy nothing before that quota is raised. The price is one query per shard on every run
/// (16 an hour, 0.5 read units each when nothing is due).
pub const SWEEP_SHARDS: u32 = 16;

/// The one partition every sweepable contact was indexed under before the index was sharded.
/// The sweep still reads it, so that a table written before keeps every contact swept; each
/// contact found there moves to its shard when the sweep acts on it.
pub(crate) const UNSHARDED_PARTITION: &str = "SWEEP";

/// The index partition of a contact: `SWEEP#nn`, `nn` its shard, the 32-bit FNV-1a hash of its
/// id's text modulo `SWEEP_SHARDS` (ids are random in their last 16 characters, so contacts
/// spread evenly; any hash of the id would do, as long as it never changes).
pub fn sweep_partition(contact: ContactId) -> String {
    let hash = contact
        .to_string()
        .bytes()
        .fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    format!("{UNSHARDED_PARTITION}#{:02}", hash % SWEEP_SHARDS)
}

/// Every partition the sweep reads: each shard, then the unsharded one.
pub(crate) fn sweep_partitions() -> Vec<String> {
    let shards = (0..SWEEP_SHARDS).map(|shard| format!("{UNSHARDED_PARTITION}#{shard:02}"));
    shards.chain([UNSHARDED_PARTITION.to_owned()]).collect()
}

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
pub(crate) fn format_instant(at: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.to_offset(time::UtcOffset::UTC).format(&fmt).unwrap_or_default()
}

fn start_of(date: Date) -> OffsetDateTime {
    date.with_time(Time::MIDNIGHT).assume_utc()
}

/// The action part of an archived contact's index key.
const PURGE: &str = "PURGE";

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

    /// The index sort key of an archived contact, due for erasure at `at`
    /// (`archive::purge_at`): the same shards and range as the support actions, so one run of
    /// the sweep does both.
    pub fn purge_key(at: OffsetDateTime, tenant: &TenantId, client: ClientId, contact: ContactId) -> String {
        format!("{}#{PURGE}#{tenant}#{client}#{contact}", format_instant(at))
    }

    /// Whether an index sort key is an archived contact's erasure (`purge_key`).
    pub(crate) fn is_purge(sort_key: &str) -> bool {
        sort_key.split('#').nth(1) == Some(PURGE)
    }

    /// Reads the action back from an index sort key.
    pub(crate) fn action_of(sort_key: &str) -> Option<SweepAction> {
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
    fn an_archived_contacts_erasure_is_keyed_by_its_time_and_read_back_as_no_support_action() {
        let (tenant, client, contact) =
            (TenantId::parse("acme").unwrap(), ClientId::generate(), ContactId::generate());
        let key = SweepKey::purge_key(datetime!(2027-01-06 18:30:15.5 UTC), &tenant, client, contact);
        assert_eq!(key, format!("2027-01-06T18:30:15Z#PURGE#acme#{client}#{contact}"));
        assert!(SweepKey::is_purge(&key));
        assert_eq!(SweepKey::action_of(&key), None);
        let revoke = SweepKey { due: datetime!(2027-01-06 0:00 UTC), action: SweepAction::Revoke };
        assert!(!SweepKey::is_purge(&revoke.sort_key(&tenant, client, contact)));
    }

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
    fn contacts_spread_over_every_shard_and_each_keeps_its_own() {
        let ids: Vec<ContactId> = (0..400).map(|_| ContactId::generate()).collect();
        let partitions = sweep_partitions();
        for id in &ids {
            assert_eq!(sweep_partition(*id), sweep_partition(*id));
            assert!(partitions[..SWEEP_SHARDS as usize].contains(&sweep_partition(*id)));
        }
        let used: std::collections::BTreeSet<String> = ids.iter().map(|id| sweep_partition(*id)).collect();
        assert_eq!(used.len(), SWEEP_SHARDS as usize, "400 random ids reach all 16 shards");
        assert_eq!(partitions.len(), SWEEP_SHARDS as usize + 1);
        assert_eq!(partitions.last().map(String::as_str), Some(UNSHARDED_PARTITION));
    }

    #[test]
    fn a_contacts_shard_never_changes_its_fnv_1a_hash_of_the_id_modulo_16() {
        // Stored index keys depend on it: these are FNV-1a 32 of each id, worked out apart.
        for (id, partition) in [
            ("01ARZ3NDEKTSV4RRFFQ69G5FAV", "SWEEP#00"), // 0x5c004d80
            ("01J0000000000000000000000K", "SWEEP#01"), // 0x00561761
            ("01ARZ3NDEKTSV4RRFFQ69G5FAW", "SWEEP#03"), // 0x5d004f13
            ("01JD00000000000000000000AB", "SWEEP#15"), // 0x10368f1f
        ] {
            assert_eq!(sweep_partition(ContactId::parse(id).unwrap()), partition, "{id}");
        }
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
