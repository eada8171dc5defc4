//! Custom fields: a tenant's definitions (its settings' `custom_fields`) are at most 50, each a
//! key of a lower-case letter then up to 39 of `a-z`, `0-9`, `_`, unique in the tenant, a label,
//! a known type, and options (at least one, each once, none holding `|`) exactly when the type
//! is `select` or `multi_select`. A contact's `custom`, when present, is a map of such keys to a
//! string, a number, a boolean or a list of strings, never empty (a cleared value is removed).

use std::collections::HashSet;

use aws_sdk_dynamodb::types::AttributeValue;

use super::shapes::{keys, Shape, Table};
use super::{s, Found, Item, Rule};

const TYPES: [&str; 6] = ["text", "number", "date", "boolean", "select", "multi_select"];

fn key_shaped(key: &str) -> bool {
    let mut chars = key.chars();
    key.len() <= 40
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub(crate) fn check(t: &Table, found: &mut Found) {
    for (shape, item) in &t.all {
        if matches!(shape, Some(Shape::Settings)) {
            definitions(item, found);
        }
    }
    for c in &t.contacts {
        values(c.item, found);
    }
}

fn definitions(item: &Item, found: &mut Found) {
    let Some(list) = item.get("custom_fields") else { return };
    let mut wrong = Vec::new();
    let fields = list.as_l().map(Vec::as_slice).unwrap_or_default();
    if list.as_l().is_err() || fields.len() > 50 {
        wrong.push("its custom_fields are not a list of at most 50".to_owned());
    }
    let mut seen = HashSet::new();
    for field in fields {
        let Ok(f) = field.as_m() else {
            wrong.push("a custom field is not a map".to_owned());
            continue;
        };
        let key = s(f, "key").unwrap_or_default();
        let kind = s(f, "type").unwrap_or_default();
        let options: Vec<&str> = (f.get("options").and_then(|o| o.as_l().ok()).into_iter().flatten())
            .filter_map(|o| o.as_s().ok())
            .map(String::as_str)
            .collect();
        let wants_options = matches!(kind, "select" | "multi_select");
        let options_ok = options.len() == options.iter().collect::<HashSet<_>>().len()
            && options.iter().all(|o| !o.is_empty() && !o.contains('|'))
            && wants_options != options.is_empty();
        if !key_shaped(key) || !seen.insert(key) {
            wrong.push(format!("custom field key {key:?} is malformed or repeated"));
        }
        if s(f, "label").is_none_or(|l| l.trim().is_empty()) || !TYPES.contains(&kind) || !options_ok {
            wrong.push(format!("custom field {key:?} lacks a label, a known type or its options"));
        }
    }
    for what in wrong {
        found.add(Rule::CustomFields, format!("{}: {what}", keys(item)));
    }
}

fn values(item: &Item, found: &mut Found) {
    let Some(custom) = item.get("custom") else { return };
    let good = |v: &AttributeValue| match v {
        AttributeValue::S(text) => !text.is_empty(),
        AttributeValue::N(_) | AttributeValue::Bool(_) => true,
        AttributeValue::L(items) => !items.is_empty() && items.iter().all(|i| i.as_s().is_ok()),
        _ => false,
    };
    let ok = custom.as_m().is_ok_and(|m| !m.is_empty() && m.iter().all(|(k, v)| key_shaped(k) && good(v)));
    if !ok {
        found.add(
            Rule::CustomFields,
            format!("{}: its custom values are not a map of keys to values", keys(item)),
        );
    }
}
