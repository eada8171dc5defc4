//! Running `TransactWriteItems` and reading why one was cancelled. DynamoDB reports one
//! cancellation reason per item, in request order, so callers decide by position.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::Store;
use crate::domain::{DomainError, DomainResult};

pub type Item = HashMap<String, AttributeValue>;

/// How many times a change is re-planned after losing a race before giving up with 409.
pub const MAX_ATTEMPTS: u32 = 8;

pub struct Reason {
    pub code: String,
    /// The item as it was, when the request asked for `ALL_OLD` on condition failure.
    pub old: Option<Item>,
}

/// Reasons end up in logs (an unexpected cancellation is an internal error, logged with its
/// detail), so they show the code and the item's sort key only: item images hold names,
/// addresses and phones, and an email claim's partition key is the address itself.
impl std::fmt::Debug for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = |name| self.old.as_ref().and_then(|item| item.get(name)?.as_s().ok());
        let sort_key = match (key(super::keys::PK), key(super::keys::SK)) {
            // A search item's sort key is a name or an address: only its contact id is shown.
            (Some(pk), Some(sk)) if pk.ends_with("#FIND") => {
                Some(format!("<term>#{}", sk.get(sk.len().saturating_sub(26)..).unwrap_or_default()))
            }
            (_, sk) => sk.cloned(),
        };
        f.debug_struct("Reason").field("code", &self.code).field("item", &sort_key).finish()
    }
}

impl Reason {
    pub fn failed_condition(&self) -> bool {
        self.code == "ConditionalCheckFailed"
    }
}

pub enum TxOutcome {
    Committed,
    /// Cancelled because two transactions touched the same item: plan again.
    Conflict,
    /// Cancelled on a condition: one reason per item, in request order.
    Cancelled(Vec<Reason>),
}

impl Store {
    pub(crate) async fn transact(&self, items: Vec<TransactWriteItem>) -> DomainResult<TxOutcome> {
        let result = self.db.transact_write_items().set_transact_items(Some(items)).send().await;
        let err = match result {
            Ok(_) => return Ok(TxOutcome::Committed),
            Err(err) => err,
        };
        match err.into_service_error() {
            TransactWriteItemsError::TransactionCanceledException(e) => {
                let reasons: Vec<Reason> = e
                    .cancellation_reasons()
                    .iter()
                    .map(|r| Reason { code: r.code().unwrap_or("None").to_owned(), old: r.item().cloned() })
                    .collect();
                if reasons.iter().any(|r| r.code == "TransactionConflict") {
                    Ok(TxOutcome::Conflict)
                } else {
                    Ok(TxOutcome::Cancelled(reasons))
                }
            }
            TransactWriteItemsError::TransactionInProgressException(_) => Ok(TxOutcome::Conflict),
            other => Err(DomainError::failed("TransactWriteItems", other)),
        }
    }
}

/// A short randomised pause before re-planning after a conflict, growing with the attempt.
/// Every re-plan is counted (`ContentionRetries`), so an operator sees contention grow.
pub async fn backoff(attempt: u32) {
    crate::metrics::contention_retry();
    let cap_ms = 10u64 << attempt.min(5);
    let jitter = u64::from(ulid::Ulid::new().random() as u16) % cap_ms.max(1);
    tokio::time::sleep(Duration::from_millis(5 + jitter)).await;
}

/// How one attempt of a planned change ended.
pub enum Attempt<T, K = ()> {
    Done(T),
    /// Lost a race (a conflict, or a condition on what was read): pause, then plan again.
    Retry,
    /// The attempt learned how things are (a condition's old image): plan again at once, from
    /// this knowledge.
    Replan(K),
}

/// Runs `attempt` (read, plan, write) until it is done, at most `MAX_ATTEMPTS` times, with a
/// `backoff` after each lost race; then gives up with `Contention` (409).
pub async fn retry_planned<T, Fut>(mut attempt: impl FnMut() -> Fut) -> DomainResult<T>
where
    Fut: Future<Output = DomainResult<Attempt<T>>>,
{
    retry_planned_from((), |()| attempt()).await
}

/// `retry_planned` for a change planned from what it knows (`known`, first an assumption), which
/// an attempt may correct (`Attempt::Replan`); a lost race plans again from the same knowledge.
/// The attempt owns what it knows, so its future borrows nothing from the loop.
pub async fn retry_planned_from<T, K: Clone, Fut>(
    mut known: K,
    mut attempt: impl FnMut(K) -> Fut,
) -> DomainResult<T>
where
    Fut: Future<Output = DomainResult<Attempt<T, K>>>,
{
    for n in 0..MAX_ATTEMPTS {
        match attempt(known.clone()).await? {
            Attempt::Done(value) => return Ok(value),
            Attempt::Retry => backoff(n).await,
            Attempt::Replan(learned) => known = learned,
        }
    }
    Err(DomainError::Contention)
}

pub fn contention() -> DomainError {
    DomainError::Contention
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_shows_its_code_and_sort_key_but_not_the_item() {
        let item: Item = [
            ("PK", "TENANT#t#EMAIL#ada@x.test"),
            ("SK", "CONTACT#01J"),
            ("last_name", "Lovelace"),
            ("email", "ada@x.test"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), AttributeValue::S(v.to_owned())))
        .collect();
        let reason = Reason { code: "ValidationError".into(), old: Some(item) };

        let shown = format!("{:?}", vec![reason]);

        assert!(shown.contains("ValidationError") && shown.contains("CONTACT#01J"), "{shown}");
        assert!(!shown.contains("Lovelace") && !shown.contains("ada@x.test"), "{shown}");
    }

    /// Runs `retry_planned` with every attempt ending in `outcome`: its result and how many ran.
    async fn every_attempt(outcome: fn() -> DomainResult<Attempt<()>>) -> (DomainResult<()>, u32) {
        let mut attempts = 0;
        let result = retry_planned(|| {
            attempts += 1;
            async move { outcome() }
        })
        .await;
        (result, attempts)
    }

    #[test]
    fn a_search_items_reason_shows_its_contact_id_but_not_its_term() {
        let item: Item = [("PK", "TENANT#t#FIND"), ("SK", "ada@x.test#01J0000000000000000000000K")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), AttributeValue::S(v.to_owned())))
            .collect();
        let reason = Reason { code: "ValidationError".into(), old: Some(item) };

        let shown = format!("{reason:?}");

        assert!(shown.contains("<term>#01J0000000000000000000000K"), "{shown}");
        assert!(!shown.contains("ada@x.test"), "{shown}");
    }

    #[tokio::test]
    async fn a_change_that_keeps_losing_races_gives_up_with_contention_after_max_attempts() {
        let (result, attempts) = every_attempt(|| Ok(Attempt::Retry)).await;

        assert!(matches!(result, Err(DomainError::Contention)), "{result:?}");
        assert_eq!(attempts, MAX_ATTEMPTS);
    }

    #[tokio::test]
    async fn a_replan_starts_the_next_attempt_from_what_it_learned_and_a_lost_race_keeps_it() {
        let mut seen = Vec::new();

        let result = retry_planned_from(0, |known: u32| {
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
        let (result, attempts) = every_attempt(|| Err(DomainError::EmailTaken)).await;

        assert!(matches!(result, Err(DomainError::EmailTaken)), "{result:?}");
        assert_eq!(attempts, 1);
    }
}
