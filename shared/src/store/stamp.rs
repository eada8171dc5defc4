//! The stamp every change of a versioned item (client, contact) writes: the version moves on by
//! one, so a change planned from an older read fails its `version = :expected` condition, and
//! the time and user of the change are recorded. Updates write it through
//! `UpdateExpr::stamp`.

use aws_sdk_dynamodb::types::AttributeValue;

use super::n;
use crate::domain::Stamp;

/// The stamp's clauses, to join with the other clauses of a `SET`; its values are `:one`,
/// `:at` and `:by` (`values`).
pub(crate) const STAMP: &str = "version = version + :one, updated_at = :at, updated_by = :by";

/// The values of the `STAMP` clauses.
pub fn values(stamp: &Stamp) -> [(&'static str, AttributeValue); 3] {
    [
        (":one", n(1)),
        (":at", AttributeValue::S(stamp.at.clone())),
        (":by", AttributeValue::S(stamp.by.clone())),
    ]
}
