//! A merge patch written without reading first: one conditional `UpdateItem` with
//! `ReturnValues=ALL_NEW`. The rules that need the current item are its condition: the item
//! exists, `If-Match` names its version, the caller's own rules (`require`), and the patch
//! changes something (an edit that changes nothing moves no version, as when it is read first).
//! A refusal returns the item as it was (`ALL_OLD` on condition failure), from which the caller
//! says which rule failed, without a second request.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::n;
use super::tx::Item;
use super::update_expr::UpdateExpr;
use super::Store;
use crate::domain::Stamp;
use crate::store::error::{StoreError, StoreResult};

/// How a plain write ended.
pub(crate) enum PlainOutcome {
    /// Written: the item as it now is.
    Written(Item),
    /// Refused: the item as it was, `None` when there is none.
    Refused(Option<Item>),
}

/// The attributes a plain patch writes, and the rules its condition states.
pub(crate) struct PlainWrite {
    expr: UpdateExpr,
    /// One clause per written attribute, true when the write would change it.
    changes: Vec<String>,
    rules: Vec<String>,
}

impl PlainWrite {
    /// A write stamped as `stamp` (the version moves on by one), under `If-Match` when given.
    pub fn new(stamp: &Stamp, if_match: Option<u64>) -> Self {
        let mut expr = UpdateExpr::new();
        expr.stamp(stamp);
        let mut rules = vec!["attribute_exists(PK)".to_owned()];
        if let Some(version) = if_match {
            expr.value(":expected", n(version));
            rules.push("version = :expected".to_owned());
        }
        Self { expr, changes: Vec::new(), rules }
    }

    /// Sets `attr` (`Some`) or removes it (`None`).
    pub fn write(&mut self, attr: &str, value: Option<AttributeValue>) -> &mut Self {
        match value {
            Some(value) => {
                self.expr.set(attr, value);
                self.changes.push(format!("attribute_not_exists(#{attr}) OR #{attr} <> :{attr}"));
            }
            None => {
                self.expr.remove(attr);
                self.changes.push(format!("attribute_exists(#{attr})"));
            }
        }
        self
    }

    /// Requires that at least one of `attrs` exists on the item.
    pub(crate) fn require_any(&mut self, attrs: &[&str]) -> &mut Self {
        let clauses: Vec<String> = attrs
            .iter()
            .map(|attr| {
                self.expr.names.insert(format!("#r_{attr}"), (*attr).to_owned());
                format!("attribute_exists(#r_{attr})")
            })
            .collect();
        self.rules.push(format!("({})", clauses.join(" OR ")));
        self
    }

    fn condition(&self) -> String {
        let mut all = self.rules.clone();
        all.push(format!("({})", self.changes.join(" OR ")));
        all.join(" AND ")
    }
}

impl Store {
    /// Runs a plain write on the item at `key`.
    pub(super) async fn write_plain(&self, key: Item, write: PlainWrite) -> StoreResult<PlainOutcome> {
        let condition = write.condition();
        let result = write
            .expr
            .apply(self.db.update_item())
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression(condition)
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => match out.attributes {
                Some(item) => Ok(PlainOutcome::Written(item)),
                None => Err(StoreError::internal("UpdateItem returned no attributes")),
            },
            Err(e) => match e.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(refused) => {
                    Ok(PlainOutcome::Refused(refused.item))
                }
                other => Err(StoreError::failed("UpdateItem", other)),
            },
        }
    }
}
