//! Running `TransactWriteItems` and reading why one was cancelled. DynamoDB reports one
//! cancellation reason per item, in request order, so callers decide by position.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::Store;
use crate::store::error::{StoreError, StoreResult};

pub type Item = HashMap<String, AttributeValue>;

pub(crate) struct Reason {
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
    pub(crate) fn failed_condition(&self) -> bool {
        self.code == "ConditionalCheckFailed"
    }
}

pub(crate) enum TxOutcome {
    Committed,
    /// Cancelled because two transactions touched the same item: plan again.
    Conflict,
    /// Cancelled on a condition: one reason per item, in request order.
    Cancelled(Vec<Reason>),
}

impl Store {
    pub(crate) async fn transact(&self, items: Vec<TransactWriteItem>) -> StoreResult<TxOutcome> {
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
            other => Err(StoreError::failed("TransactWriteItems", other)),
        }
    }
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
}
