//! A tenant's email quota: how many emails it may send in any 24 hours, so that one tenant
//! cannot spend the reputation of the sender every tenant shares. Sends are counted in hourly
//! buckets; the window is the current hour and the 23 before it, so the quota frees up an
//! hour's sends at a time.

use std::collections::BTreeMap;

pub const WINDOW_HOURS: i64 = 24;
const HOUR_SECS: i64 = 3600;

/// The hour (since the Unix epoch) an instant falls in.
pub fn hour_of(epoch_secs: i64) -> i64 {
    epoch_secs.div_euclid(HOUR_SECS)
}

/// When emails counted in `hour` leave the window (the epoch second).
pub(crate) fn leaves_window_at(hour: i64) -> i64 {
    (hour + WINDOW_HOURS) * HOUR_SECS
}

/// Emails counted per hour over the last 24 hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SendWindow {
    hours: BTreeMap<i64, u32>,
}

/// Why emails were not allowed: what was asked, what is used, and when enough frees up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverQuota {
    pub wanted: u32,
    pub used: u32,
    pub limit: u32,
    pub retry_after_secs: u64,
}

impl SendWindow {
    pub(crate) fn from_hours(hours: impl IntoIterator<Item = (i64, u32)>) -> Self {
        Self { hours: hours.into_iter().filter(|(_, n)| *n > 0).collect() }
    }

    /// The buckets, oldest first.
    pub fn hours(&self) -> impl Iterator<Item = (i64, u32)> + '_ {
        self.hours.iter().map(|(h, n)| (*h, *n))
    }

    /// Forgets the hours that have left the window at `now`.
    fn prune(&mut self, now: i64) {
        let oldest = hour_of(now) - WINDOW_HOURS + 1;
        self.hours.retain(|h, _| *h >= oldest);
    }

    /// Emails counted in the 24 hours up to `now`.
    pub fn used(&self, now: i64) -> u32 {
        let oldest = hour_of(now) - WINDOW_HOURS + 1;
        self.hours.range(oldest..).map(|(_, n)| *n).fold(0, u32::saturating_add)
    }

    /// Counts `wanted` emails at `now` if all of them fit under `limit`, or none.
    pub fn take(&mut self, wanted: u32, limit: u32, now: i64) -> Result<(), OverQuota> {
        let used = self.used(now);
        if used.saturating_add(wanted) > limit {
            let retry_after_secs = self.retry_after(wanted.min(limit), limit, now);
            return Err(OverQuota { wanted, used, limit, retry_after_secs });
        }
        self.add(wanted, now);
        Ok(())
    }

    /// Counts as many of `wanted` emails at `now` as fit under `limit`; returns how many.
    pub(crate) fn take_up_to(&mut self, wanted: u32, limit: u32, now: i64) -> u32 {
        let granted = wanted.min(limit.saturating_sub(self.used(now)));
        self.add(granted, now);
        granted
    }

    /// Uncounts `count` emails counted in `hour` that were not sent after all.
    pub(crate) fn give_back(&mut self, hour: i64, count: u32, now: i64) {
        if let Some(n) = self.hours.get_mut(&hour) {
            *n = n.saturating_sub(count);
        }
        self.hours.retain(|_, n| *n > 0);
        self.prune(now);
    }

    fn add(&mut self, count: u32, now: i64) {
        self.prune(now);
        if count > 0 {
            let n = self.hours.entry(hour_of(now)).or_default();
            *n = n.saturating_add(count);
        }
    }

    /// Seconds from `now` until `wanted` more emails fit under `limit` (at least 1): the oldest
    /// hours leave the window until enough is free.
    fn retry_after(&self, wanted: u32, limit: u32, now: i64) -> u64 {
        let mut excess = i64::from(self.used(now)) + i64::from(wanted) - i64::from(limit);
        let oldest = hour_of(now) - WINDOW_HOURS + 1;
        for (hour, n) in self.hours.range(oldest..) {
            excess -= i64::from(*n);
            if excess <= 0 {
                return (leaves_window_at(*hour) - now).max(1) as u64;
            }
        }
        // Only when `wanted` exceeds `limit` itself; callers cap it.
        (WINDOW_HOURS * HOUR_SECS) as u64
    }

    /// When the newest hour leaves the window: after that the record counts nothing (the
    /// table's TTL removes it).
    pub fn expires_at(&self) -> Option<i64> {
        self.hours.keys().next_back().map(|h| leaves_window_at(*h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = HOUR_SECS;
    /// 10:15 on some day, well after the epoch.
    const NOW: i64 = 20_000 * 24 * H + 10 * H + 15 * 60;

    #[test]
    fn the_window_counts_the_current_hour_and_the_23_before_it() {
        let now_hour = hour_of(NOW);
        let w = SendWindow::from_hours([(now_hour - 24, 100), (now_hour - 23, 1), (now_hour, 2)]);
        assert_eq!(w.used(NOW), 3);
    }

    #[test]
    fn emails_that_fit_are_counted_and_more_are_refused_whole() {
        let mut w = SendWindow::default();
        assert_eq!(w.take(8, 10, NOW), Ok(()));
        let refused = w.take(3, 10, NOW).unwrap_err();
        assert_eq!((refused.wanted, refused.used, refused.limit), (3, 8, 10));
        assert_eq!(w.used(NOW), 8, "a refusal counts nothing");
        assert_eq!(w.take(2, 10, NOW), Ok(()));
    }

    #[test]
    fn retry_after_is_when_enough_old_hours_have_left_the_window() {
        let now_hour = hour_of(NOW);
        let mut w = SendWindow::from_hours([(now_hour - 20, 4), (now_hour - 5, 6)]);
        // 10 used of 10: two more fit once the 4 from 20 hours ago leave, at (h-20+24) h.
        let refused = w.take(2, 10, NOW).unwrap_err();
        assert_eq!(refused.retry_after_secs, ((now_hour + 4) * H - NOW) as u64);
        // Five more need the 6 from 5 hours ago gone too.
        let refused = w.take(5, 10, NOW).unwrap_err();
        assert_eq!(refused.retry_after_secs, ((now_hour + 19) * H - NOW) as u64);
    }

    #[test]
    fn more_than_the_whole_quota_waits_for_all_of_it() {
        let now_hour = hour_of(NOW);
        let mut w = SendWindow::from_hours([(now_hour - 2, 1)]);
        let refused = w.take(50, 10, NOW).unwrap_err();
        assert_eq!(refused.retry_after_secs, ((now_hour + 22) * H - NOW) as u64);
    }

    #[test]
    fn a_partial_take_grants_what_is_left() {
        let mut w = SendWindow::from_hours([(hour_of(NOW), 7)]);
        assert_eq!(w.take_up_to(5, 10, NOW), 3);
        assert_eq!(w.take_up_to(5, 10, NOW), 0);
        assert_eq!(w.used(NOW), 10);
    }

    #[test]
    fn given_back_emails_free_quota_and_hours_that_left_are_forgotten() {
        let now_hour = hour_of(NOW);
        let mut w = SendWindow::from_hours([(now_hour - 30, 5), (now_hour, 4)]);
        w.give_back(now_hour, 3, NOW);
        assert_eq!(w.hours().collect::<Vec<_>>(), vec![(now_hour, 1)]);
        w.give_back(now_hour, 9, NOW);
        assert_eq!(w.hours().count(), 0, "never below zero");
        assert_eq!(w.expires_at(), None);
    }

    #[test]
    fn the_record_expires_when_its_newest_hour_leaves_the_window() {
        let w = SendWindow::from_hours([(hour_of(NOW) - 3, 1), (hour_of(NOW), 1)]);
        assert_eq!(w.expires_at(), Some((hour_of(NOW) + 24) * H));
    }
}
