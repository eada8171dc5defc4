//! The one builder of update expressions: every update of an item (a transaction's `Update` or
//! an `UpdateItem`) states its changes here, and the builder writes the expression with only
//! the placeholders it uses (DynamoDB refuses unused names and values), the audit stamp, and the
//! sweep index keys.

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

use super::n;
use super::stamp;
use super::tx::Item;
use crate::domain::{Audit, Stamp};

/// The clauses of an update expression that take a value (`REMOVE` takes none).
enum Clause {
    Set,
    Add,
    Delete,
}

/// An update expression under construction. Each attribute `a` it changes is written `#a`
/// with its value `:a`; a condition's own values are added with [`UpdateExpr::value`].
#[derive(Debug, Default)]
pub(crate) struct UpdateExpr {
    sets: Vec<String>,
    removes: Vec<String>,
    adds: Vec<String>,
    deletes: Vec<String>,
    pub names: std::collections::HashMap<String, String>,
    pub values: Item,
}

impl UpdateExpr {
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `attrs`, removes the editable attributes not in it, and records `audit` (the
    /// version after the change, to write under a `version = :expected` condition).
    pub(crate) fn editable(attrs: Item, editable: &[&str], audit: &Audit) -> Self {
        let mut expr = Self::new();
        for (i, name) in editable.iter().enumerate() {
            expr.names.insert(format!("#e{i}"), (*name).to_owned());
            match attrs.get(*name) {
                Some(v) => {
                    expr.values.insert(format!(":e{i}"), v.clone());
                    expr.sets.push(format!("#e{i} = :e{i}"));
                }
                None => expr.removes.push(format!("#e{i}")),
            }
        }
        expr.set("version", n(audit.version));
        expr.set("updated_at", AttributeValue::S(audit.updated_at.clone()));
        expr.set("updated_by", AttributeValue::S(audit.updated_by.clone()));
        expr
    }

    /// Stamps the change (`store::stamp`): the version moves on by one, and when and by whom.
    pub fn stamp(&mut self, stamp: &Stamp) -> &mut Self {
        self.sets.push(stamp::STAMP.to_owned());
        for (name, value) in stamp::values(stamp) {
            self.values.insert(name.to_owned(), value);
        }
        self
    }

    /// Also sets `attr` (a plain attribute name) to `value`.
    pub fn set(&mut self, attr: &str, value: AttributeValue) -> &mut Self {
        self.write(Clause::Set, attr, value, format!("#{attr} = :{attr}"))
    }

    /// Moves the number `attr`, which must exist, by `delta`.
    pub(crate) fn increment(&mut self, attr: &str, delta: i64) -> &mut Self {
        let delta = AttributeValue::N(delta.to_string());
        self.write(Clause::Set, attr, delta, format!("#{attr} = #{attr} + :{attr}"))
    }

    /// Moves the number `attr` by `delta`, counting from zero when the item has none yet.
    pub fn count(&mut self, attr: &str, delta: i64) -> &mut Self {
        let delta = AttributeValue::N(delta.to_string());
        self.value(":zero", n(0));
        self.write(Clause::Set, attr, delta, format!("#{attr} = if_not_exists(#{attr}, :zero) + :{attr}"))
    }

    /// Adds the elements of `value` to the set `attr`.
    pub(crate) fn add_to_set(&mut self, attr: &str, value: AttributeValue) -> &mut Self {
        self.write(Clause::Add, attr, value, format!("#{attr} :{attr}"))
    }

    /// Takes the elements of `value` out of the set `attr`.
    pub(crate) fn delete_from_set(&mut self, attr: &str, value: AttributeValue) -> &mut Self {
        self.write(Clause::Delete, attr, value, format!("#{attr} :{attr}"))
    }

    /// Puts the contact in the sweep index under `keys`, or takes it out.
    pub(crate) fn sweep_index(&mut self, keys: Option<(String, String)>) -> &mut Self {
        match keys {
            Some((pk, sk)) => self.set("GSI1PK", AttributeValue::S(pk)).set("GSI1SK", AttributeValue::S(sk)),
            None => self.remove("GSI1PK").remove("GSI1SK"),
        }
    }

    /// Also removes `attr`.
    pub fn remove(&mut self, attr: &str) -> &mut Self {
        self.name(attr);
        self.removes.push(format!("#{attr}"));
        self
    }

    /// A value the condition of the update uses (`placeholder` with its colon).
    pub fn value(&mut self, placeholder: &str, value: AttributeValue) -> &mut Self {
        self.values.insert(placeholder.to_owned(), value);
        self
    }

    fn name(&mut self, attr: &str) {
        self.names.insert(format!("#{attr}"), attr.to_owned());
    }

    /// Names `attr` and gives it `value` (its placeholders are `#attr` and `:attr`), for
    /// `part` of the expression's `clause`.
    fn write(&mut self, clause: Clause, attr: &str, value: AttributeValue, part: String) -> &mut Self {
        self.name(attr);
        self.values.insert(format!(":{attr}"), value);
        match clause {
            Clause::Set => &mut self.sets,
            Clause::Add => &mut self.adds,
            Clause::Delete => &mut self.deletes,
        }
        .push(part);
        self
    }

    pub fn expression(&self) -> String {
        let clauses =
            [("SET", &self.sets), ("REMOVE", &self.removes), ("ADD", &self.adds), ("DELETE", &self.deletes)];
        let written = clauses.into_iter().filter(|(_, parts)| !parts.is_empty());
        written.map(|(verb, parts)| format!("{verb} {}", parts.join(", "))).collect::<Vec<_>>().join(" ")
    }

    /// Writes the expression, its names and its values into `update`, keeping values it
    /// already has (a condition's).
    pub fn apply<U: Updates>(self, update: U) -> U {
        let mut update = update.expression(self.expression());
        for (placeholder, name) in self.names {
            update = update.name(placeholder, name);
        }
        for (placeholder, value) in self.values {
            update = update.value(placeholder, value);
        }
        update
    }
}

/// An update request: a transaction's `Update` or an `UpdateItem`.
pub(crate) trait Updates: Sized {
    fn expression(self, expression: String) -> Self;
    fn name(self, placeholder: String, name: String) -> Self;
    fn value(self, placeholder: String, value: AttributeValue) -> Self;
}

// The SDK's two update requests have the same setters but no trait in common.
macro_rules! updates {
    ($($request:ty),*) => {$(
        impl Updates for $request {
            fn expression(self, expression: String) -> Self {
                self.update_expression(expression)
            }
            fn name(self, placeholder: String, name: String) -> Self {
                self.expression_attribute_names(placeholder, name)
            }
            fn value(self, placeholder: String, value: AttributeValue) -> Self {
                self.expression_attribute_values(placeholder, value)
            }
        }
    )*};
}

updates!(UpdateBuilder, UpdateItemFluentBuilder);

#[cfg(test)]
#[path = "update_expr_tests.rs"]
mod tests;
