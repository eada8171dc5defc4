//! The stamp every change of a versioned item (client, contact) writes: the version moves on by
//! one, so a change planned from an older read fails its `version = :expected` condition, and
//! the time and user of the change are recorded.

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

use super::items::n;
use crate::domain::Stamp;

/// The stamp's clauses, to join with the other clauses of a `SET`; its values are `:one`,
/// `:at` and `:by` (`Stamped::stamped`).
pub const STAMP: &str = "version = version + :one, updated_at = :at, updated_by = :by";

/// An update request that takes expression values: a transaction's `Update` or an `UpdateItem`.
pub trait Stamped: Sized {
    fn value(self, name: &str, value: AttributeValue) -> Self;

    /// Adds the values of the `STAMP` clauses (`:one` may serve the caller's clauses too).
    fn stamped(self, stamp: &Stamp) -> Self {
        self.value(":one", n(1))
            .value(":at", AttributeValue::S(stamp.at.clone()))
            .value(":by", AttributeValue::S(stamp.by.clone()))
    }
}

impl Stamped for UpdateBuilder {
    fn value(self, name: &str, value: AttributeValue) -> Self {
        self.expression_attribute_values(name, value)
    }
}

impl Stamped for UpdateItemFluentBuilder {
    fn value(self, name: &str, value: AttributeValue) -> Self {
        self.expression_attribute_values(name, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_moves_the_version_by_one_and_records_when_and_who() {
        let stamp = Stamp { at: "2024-05-01T10:00:00Z".into(), by: "user-1".into() };

        let update = UpdateBuilder::default()
            .stamped(&stamp)
            .table_name("t")
            .update_expression(format!("SET {STAMP}"));

        let values = update.get_expression_attribute_values().clone().expect("values");
        assert_eq!(values[":one"], AttributeValue::N("1".into()));
        assert_eq!(values[":at"], AttributeValue::S("2024-05-01T10:00:00Z".into()));
        assert_eq!(values[":by"], AttributeValue::S("user-1".into()));
        assert_eq!(values.len(), 3, "DynamoDB refuses values an expression does not use");
    }
}
