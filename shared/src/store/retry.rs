//! The service's one retry helper, `retry_from` (and `retry`, `retry_planned`,
//! `retry_planned_from` over it): every loop that tries again after a lost race or unprocessed
//! keys states its attempts and backoff as a `Retry` policy and runs through it.

use std::future::Future;
use std::time::Duration;

use crate::store::error::StoreError;

/// How many times a change is re-planned after losing a race before giving up with 409.
pub(crate) const MAX_ATTEMPTS: u32 = 8;

/// How a loop tries again: how many attempts it makes in all, and how long it waits before the
/// next one. Every loop of the service that tries again runs through `retry_from` with its policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub attempts: u32,
    pub backoff: Backoff,
}

impl Retry {
    /// A change re-planned after losing a race: `MAX_ATTEMPTS`, with `Backoff::Contention`.
    pub(crate) const PLANNED: Self = Self { attempts: MAX_ATTEMPTS, backoff: Backoff::Contention };
}

/// The pause before attempt `n + 1` once attempt `n` (from 0) lost; none after the last attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backoff {
    /// The next attempt starts at once.
    None,
    /// A short randomised pause (5 ms and up to 10 ms more, the range doubling with each attempt
    /// up to 320 ms), counted as a contention retry (`ContentionRetries`), so an operator sees
    /// contention grow.
    Contention,
    /// `first` after the first attempt, doubling after each one; not counted.
    Doubling(Duration),
}

impl Backoff {
    /// How long to wait after attempt `n` (from 0) before the next one.
    pub(crate) fn pause(self, n: u32) -> Duration {
        match self {
            Self::None => Duration::ZERO,
            Self::Contention => {
                let cap_ms = 10u64 << n.min(5);
                let jitter = u64::from(ulid::Ulid::new().random() as u16) % cap_ms.max(1);
                Duration::from_millis(5 + jitter)
            }
            Self::Doubling(first) => first * (1u32 << n.min(16)),
        }
    }

    async fn wait(self, n: u32) {
        if self == Self::Contention {
            crate::metrics::contention_retry();
        }
        let pause = self.pause(n);
        if !pause.is_zero() {
            sleep(pause).await;
        }
    }
}

#[cfg(not(test))]
use tokio::time::sleep;

/// The unit specs' sleep: it moves a clock of this thread's own instead of waiting, so a spec
/// sees the exact pauses at once. (Tokio's paused clock would need its `test-util` feature, and a
/// feature only the tests turn on makes `cargo build` rebuild tokio and all that uses it.)
#[cfg(test)]
async fn sleep(pause: Duration) {
    tests::CLOCK.with(|clock| clock.set(clock.get() + pause));
}

/// How one attempt ended. `K` is what the loop knows or has done so far, handed from one
/// attempt to the next (`()` when every attempt starts afresh).
pub enum Attempt<T, K = ()> {
    Done(T),
    /// Lost a race (a conflict, or a condition on what was read): pause, then try again from
    /// the same knowledge.
    Retry,
    /// Lost a race after learning or doing something that the next attempt starts from
    /// (a user already activated, keys still unprocessed): pause, then try again from it.
    RetryFrom(K),
    /// The attempt learned how things are (a condition's old image): plan again at once, from
    /// this knowledge.
    Replan(K),
    /// Part of the work is settled (rows that cannot be written are dropped): go on at once
    /// with the rest, without counting an attempt. The work must shrink each time, so this ends.
    Progress(K),
}

/// Runs `attempt` until it is done, at most `policy.attempts` times (`Attempt::Progress` aside),
/// waiting `policy.backoff` after each lost race that another attempt follows; then hands what
/// it last knew to `give_up`, whose answer is the loop's. An error ends the loop at once and is
/// returned as it is. The attempt owns what it knows, so its future borrows nothing from the loop.
/// The error is the caller's layer's (`StoreError`, or a service's that holds it).
pub(crate) async fn retry_from<T, K: Clone, E, Fut>(
    policy: Retry,
    mut known: K,
    mut attempt: impl FnMut(K) -> Fut,
    give_up: impl FnOnce(K) -> Result<T, E>,
) -> Result<T, E>
where
    Fut: Future<Output = Result<Attempt<T, K>, E>>,
{
    let mut n = 0;
    while n < policy.attempts {
        // Boxed: an attempt's future nests the whole read-plan-write chain; inline, the callers'
        // futures grew deep enough to overflow the compiler's layout depth (invite-contact).
        let lost = match Box::pin(attempt(known.clone())).await? {
            Attempt::Done(value) => return Ok(value),
            Attempt::Retry => true,
            Attempt::RetryFrom(learned) => {
                known = learned;
                true
            }
            Attempt::Replan(learned) => {
                known = learned;
                false
            }
            Attempt::Progress(rest) => {
                known = rest;
                continue;
            }
        };
        n += 1;
        if lost && n < policy.attempts {
            policy.backoff.wait(n - 1).await;
        }
    }
    give_up(known)
}

/// `retry_from` for attempts that each start afresh, giving up with `Contention` (409).
pub async fn retry<T, E: From<StoreError>, Fut>(
    policy: Retry,
    mut attempt: impl FnMut() -> Fut,
) -> Result<T, E>
where
    Fut: Future<Output = Result<Attempt<T>, E>>,
{
    retry_from(policy, (), |()| attempt(), contended).await
}

/// Runs `attempt` (read, plan, write) until it is done under `Retry::PLANNED`: at most
/// `MAX_ATTEMPTS` times, with a contention backoff between lost races; then gives up with
/// `Contention` (409).
pub(crate) async fn retry_planned<T, E: From<StoreError>, Fut>(attempt: impl FnMut() -> Fut) -> Result<T, E>
where
    Fut: Future<Output = Result<Attempt<T>, E>>,
{
    retry(Retry::PLANNED, attempt).await
}

/// `retry_planned` for a change planned from what it knows (`known`, first an assumption), which
/// an attempt may correct (`Attempt::Replan`); a lost race plans again from the same knowledge.
pub(crate) async fn retry_planned_from<T, K: Clone, E: From<StoreError>, Fut>(
    known: K,
    attempt: impl FnMut(K) -> Fut,
) -> Result<T, E>
where
    Fut: Future<Output = Result<Attempt<T, K>, E>>,
{
    retry_from(Retry::PLANNED, known, attempt, contended).await
}

/// A loop's `give_up` that answers `Contention` (409), whatever it last knew.
pub(crate) fn contended<K, T, E: From<StoreError>>(_: K) -> Result<T, E> {
    Err(StoreError::Contention.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DomainError;
    use crate::store::StoreResult;

    thread_local! {
        /// Time slept by `sleep` on this thread (each `#[tokio::test]` runs on one thread).
        pub(super) static CLOCK: std::cell::Cell<Duration> = const { std::cell::Cell::new(Duration::ZERO) };
    }

    fn now() -> Duration {
        CLOCK.with(|clock| clock.get())
    }

    /// Runs `retry_planned` with every attempt ending in `outcome`: its result and how many ran.
    async fn every_attempt(outcome: fn() -> StoreResult<Attempt<()>>) -> (StoreResult<()>, u32) {
        let mut attempts = 0;
        let result = retry_planned(|| {
            attempts += 1;
            async move { outcome() }
        })
        .await;
        (result, attempts)
    }

    /// Runs `retry_from` under `policy` from `0`, the nth attempt (from 1) ending in `outcome(n,
    /// known)` and giving up with `Ok(known + 1000)`: its result, what each attempt knew and
    /// when (ms since the start, on this thread's sleeping clock) each began.
    async fn attempts_of(
        policy: Retry,
        outcome: fn(u32, u32) -> StoreResult<Attempt<u32, u32>>,
    ) -> (StoreResult<u32>, Vec<u32>, Vec<u128>) {
        let start = now();
        let (mut seen, mut began) = (Vec::new(), Vec::new());
        let result = retry_from(
            policy,
            0,
            |known: u32| {
                seen.push(known);
                began.push((now() - start).as_millis());
                let n = seen.len() as u32;
                async move { outcome(n, known) }
            },
            |known| Ok(known + 1000),
        )
        .await;
        (result, seen, began)
    }

    const AT_ONCE: Retry = Retry { attempts: 5, backoff: Backoff::None };

    /// The `ContentionRetries` counts emitted on this thread since the last call.
    fn contention_retries_counted() -> usize {
        thread_local! {
            static LINES: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        crate::metrics::set_sink(|line| LINES.with(|lines| lines.borrow_mut().push(line.to_owned())));
        LINES.with(|lines| lines.take()).iter().filter(|l| l.contains("\"ContentionRetries\":1")).count()
    }

    #[tokio::test]
    async fn a_change_that_keeps_losing_races_gives_up_with_contention_after_max_attempts() {
        let (result, attempts) = every_attempt(|| Ok(Attempt::Retry)).await;

        assert!(matches!(result, Err(StoreError::Contention)), "{result:?}");
        assert_eq!(attempts, MAX_ATTEMPTS);
    }

    #[tokio::test]
    async fn a_replan_starts_the_next_attempt_from_what_it_learned_and_a_lost_race_keeps_it() {
        let mut seen = Vec::new();

        let result: StoreResult<u32> = retry_planned_from(0, |known: u32| {
            seen.push(known);
            let step = seen.len();
            async move {
                Ok(match step {
                    1 => Attempt::Replan(7),
                    2 => Attempt::Retry,
                    _ => Attempt::Done(known),
                })
            }
        })
        .await;

        assert_eq!(result.expect("done"), 7);
        assert_eq!(seen, [0, 7, 7]);
    }

    #[tokio::test]
    async fn an_error_ends_the_change_at_once() {
        let (result, attempts) = every_attempt(|| Err(DomainError::EmailTaken.into())).await;

        assert!(matches!(result, Err(StoreError::Refused(DomainError::EmailTaken))), "{result:?}");
        assert_eq!(attempts, 1);
    }

    #[tokio::test]
    async fn retry_returns_the_first_success_and_makes_no_more_attempts() {
        let (result, seen, _) = attempts_of(AT_ONCE, |n, _| {
            Ok(match n {
                1 | 2 => Attempt::Retry,
                _ => Attempt::Done(n * 10),
            })
        })
        .await;

        assert_eq!(result.expect("done"), 30);
        assert_eq!(seen.len(), 3);
    }

    #[tokio::test]
    async fn retry_stops_at_its_limit_and_gives_up_with_what_it_last_knew() {
        let (result, seen, _) = attempts_of(AT_ONCE, |_, known| Ok(Attempt::RetryFrom(known + 1))).await;

        assert_eq!(seen, [0, 1, 2, 3, 4], "five attempts, each from what the one before learned");
        assert_eq!(result.expect("given up"), 1005, "give_up gets what the fifth attempt learned");
    }

    #[tokio::test]
    async fn retry_passes_an_error_through_at_once_without_giving_up() {
        let (result, seen, began) = attempts_of(Retry::PLANNED, |n, _| match n {
            1 => Ok(Attempt::Retry),
            _ => Err(StoreError::Busy),
        })
        .await;

        assert!(matches!(result, Err(StoreError::Busy)), "{result:?}");
        assert_eq!(seen.len(), 2);
        assert!(began[1] >= 5, "the lost race before it was backed off: {began:?}");
    }

    #[tokio::test]
    async fn retry_waits_its_doubling_backoff_between_attempts_and_not_after_the_last() {
        contention_retries_counted();
        let policy = Retry { attempts: 4, backoff: Backoff::Doubling(Duration::from_millis(20)) };
        let start = now();

        let (result, _, began) = attempts_of(policy, |_, _| Ok(Attempt::Retry)).await;

        assert_eq!(began, [0, 20, 60, 140]);
        assert_eq!((now() - start).as_millis(), 140, "no pause once the last attempt lost");
        assert_eq!(result.expect("given up"), 1000);
        assert_eq!(contention_retries_counted(), 0, "a doubling backoff is not counted as contention");
    }

    #[tokio::test]
    async fn a_contention_backoff_pauses_within_its_growing_cap_and_counts_each_retry() {
        contention_retries_counted();
        let policy = Retry { attempts: 8, backoff: Backoff::Contention };

        let (_, _, began) = attempts_of(policy, |_, _| Ok(Attempt::Retry)).await;

        let pauses: Vec<u128> = began.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(pauses.len(), 7);
        for (n, pause) in pauses.iter().enumerate() {
            let cap = 10u128 << n.min(5);
            assert!((5..5 + cap).contains(pause), "pause {n} was {pause} ms: {pauses:?}");
        }
        assert_eq!(contention_retries_counted(), 7, "one count per pause, none after the last attempt");
    }

    #[test]
    fn a_contention_pause_is_5_ms_plus_jitter_under_a_cap_that_doubles_up_to_320_ms() {
        for (n, cap_ms) in [(0, 10), (1, 20), (2, 40), (3, 80), (4, 160), (5, 320), (9, 320)] {
            let pauses: Vec<u64> =
                (0..200).map(|_| Backoff::Contention.pause(n).as_millis() as u64).collect();
            assert!(pauses.iter().all(|p| (5..5 + cap_ms).contains(p)), "attempt {n}: {pauses:?}");
            assert!(pauses.iter().any(|p| *p != pauses[0]), "attempt {n} is jittered: {pauses:?}");
        }
        assert_eq!(Backoff::None.pause(3), Duration::ZERO);
        assert_eq!(Backoff::Doubling(Duration::from_millis(20)).pause(7), Duration::from_millis(2560));
    }

    #[tokio::test]
    async fn a_replan_goes_on_at_once_and_counts_as_an_attempt() {
        let policy = Retry { attempts: 3, backoff: Backoff::Doubling(Duration::from_millis(50)) };

        let (result, seen, began) = attempts_of(policy, |_, known| Ok(Attempt::Replan(known + 1))).await;

        assert_eq!(seen, [0, 1, 2]);
        assert_eq!(began, [0, 0, 0]);
        assert_eq!(result.expect("given up"), 1003);
    }

    #[tokio::test]
    async fn progress_goes_on_at_once_without_counting_an_attempt() {
        let policy = Retry { attempts: 2, backoff: Backoff::Doubling(Duration::from_millis(50)) };

        // Three rounds of progress, a lost race, three more, a lost race: then the limit.
        let (result, seen, began) = attempts_of(policy, |n, known| {
            Ok(match n {
                4 | 8 => Attempt::RetryFrom(known + 100),
                _ => Attempt::Progress(known + 1),
            })
        })
        .await;

        assert_eq!(seen, [0, 1, 2, 3, 103, 104, 105, 106]);
        assert_eq!(began, [0, 0, 0, 0, 50, 50, 50, 50]);
        assert_eq!(result.expect("given up"), 1206);
    }
}
