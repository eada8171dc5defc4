//! An invocation's deadline, read once for every function that stops before it (the sweep,
//! `run-export`). Lambda passes an epoch time in milliseconds; `cargo lambda watch` passes the
//! invocation's time budget itself (600000), which no real deadline can be.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds left before `deadline` at `now_ms` (both since the epoch, or `deadline` a budget).
pub fn budget_ms(deadline: u64, now_ms: u64) -> u64 {
    const YEAR_2001_MS: u64 = 978_307_200_000;
    if deadline < YEAR_2001_MS {
        deadline
    } else {
        deadline.saturating_sub(now_ms)
    }
}

/// The invocation's deadline (as its context gives it) as an instant of this process.
pub fn instant_of(deadline: u64) -> Instant {
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    Instant::now() + Duration::from_millis(budget_ms(deadline, now_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_comes_from_an_epoch_deadline_or_from_cargo_lambdas_relative_one() {
        let now = 1_795_000_000_000;
        assert_eq!(budget_ms(now + 300_000, now), 300_000);
        assert_eq!(budget_ms(now - 1, now), 0);
        assert_eq!(budget_ms(600_000, now), 600_000);
    }

    #[test]
    fn a_budget_as_cargo_lambda_watch_passes_it_leaves_that_much_time() {
        let left = instant_of(600_000).saturating_duration_since(Instant::now());

        assert!(left > Duration::from_secs(590), "{left:?}");
    }
}
