//! Update expressions for the items' editable attributes: only the placeholders a change
//! uses, the audit stamp, and the sweep index keys.

use aws_sdk_dynamodb::types::AttributeValue;

use super::items::n;
use super::tx::Item;
use crate::domain::Audit;

/// An update expression under construction: the editable attributes, plus whatever else the
/// change sets or removes.
pub struct UpdateExpr {
    sets: Vec<String>,
    removes: Vec<String>,
    pub names: std::collections::HashMap<String, String>,
    pub values: Item,
}

impl UpdateExpr {
    /// Writes `attrs`, removes the editable attributes not in it, and stamps the audit fields.
    pub fn editable(attrs: Item, editable: &[&str], audit: &Audit) -> Self {
        let mut expr =
            Self { sets: Vec::new(), removes: Vec::new(), names: Default::default(), values: Item::new() };
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

    /// Also sets `attr` (a plain attribute name) to `value`.
    pub fn set(&mut self, attr: &str, value: AttributeValue) {
        self.names.insert(format!("#{attr}"), attr.to_owned());
        self.values.insert(format!(":{attr}"), value);
        self.sets.push(format!("#{attr} = :{attr}"));
    }

    /// Puts the contact in the sweep index under `keys`, or takes it out.
    pub fn sweep_index(&mut self, keys: Option<(String, String)>) {
        match keys {
            Some((pk, sk)) => {
                self.set("GSI1PK", AttributeValue::S(pk));
                self.set("GSI1SK", AttributeValue::S(sk));
            }
            None => {
                self.remove("GSI1PK");
                self.remove("GSI1SK");
            }
        }
    }

    /// Also removes `attr`.
    pub fn remove(&mut self, attr: &str) {
        self.names.insert(format!("#{attr}"), attr.to_owned());
        self.removes.push(format!("#{attr}"));
    }

    pub fn expression(&self) -> String {
        let mut expression = format!("SET {}", self.sets.join(", "));
        if !self.removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", self.removes.join(", ")));
        }
        expression
    }
}
