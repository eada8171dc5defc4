//! The index items (topic and search items) and the name sort key, against the contacts: the
//! checker folds text itself (lower case, `deunicode`'s transliteration, no control
//! characters, trimmed, 100 characters), from the design's words, not the service's code.

use std::collections::BTreeSet;

use super::shapes::{keys, Shape, Table};
use super::{s, Found, Rule};

const TERM_CHARS: usize = 100;

fn fold(text: &str) -> String {
    let plain: String = text
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| deunicode::deunicode_char(c).map(str::to_owned).unwrap_or_else(|| c.to_string()))
        .collect();
    plain.trim().to_lowercase().chars().take(TERM_CHARS).collect()
}

/// (tenant, client, kind, key, contact id): what one index item says.
type Entry = (String, String, &'static str, String, String);

pub(crate) fn check(t: &Table, found: &mut Found) {
    let mut expected: BTreeSet<Entry> = BTreeSet::new();
    for c in t.contacts.iter().filter(|c| c.archived) {
        // Out of every list and search: no index item (none expected), no index key.
        for key in ["GSI2SK", "GSI3PK"].iter().filter(|k| c.item.contains_key(**k)) {
            found.add(Rule::NameKey, format!("archived contact {} has {key}", c.id));
        }
    }
    for c in t.contacts.iter().filter(|c| !c.archived) {
        let entry =
            |kind, key: String| (c.tenant.to_owned(), c.client.to_owned(), kind, key, c.id.to_owned());
        let topics = c.item.get("notifications").and_then(|v| v.as_l().ok()).cloned().unwrap_or_default();
        for topic in topics.iter().filter_map(|v| v.as_s().ok()) {
            expected.insert(entry("topic", topic.clone()));
        }
        for field in ["last_name", "first_name", "email"] {
            let term = s(c.item, field).map(fold).unwrap_or_default();
            if !term.is_empty() {
                expected.insert(entry("find", term));
            }
        }
        let name_key = format!(
            "{}\u{1}{}",
            s(c.item, "last_name").map(fold).unwrap_or_default(),
            s(c.item, "first_name").map(fold).unwrap_or_default()
        );
        if s(c.item, "GSI2SK") != Some(name_key.as_str()) {
            let detail = format!("contact {} has GSI2SK {:?}, not {name_key:?}", c.id, s(c.item, "GSI2SK"));
            found.add(Rule::NameKey, detail);
        }
        let tenant_key = format!("TENANT#{}#CONTACTS", c.tenant);
        if s(c.item, "GSI3PK") != Some(tenant_key.as_str()) {
            let detail = format!("contact {} has GSI3PK {:?}, not {tenant_key:?}", c.id, s(c.item, "GSI3PK"));
            found.add(Rule::NameKey, detail);
        }
    }
    let mut actual: BTreeSet<Entry> = BTreeSet::new();
    for (shape, item) in &t.index {
        let entry = match *shape {
            Shape::Topic { tenant, client, topic, id } => {
                (tenant.to_owned(), client.to_owned(), "topic", topic.to_owned(), id.to_owned())
            }
            Shape::Find { tenant, term, id } => {
                let client = s(item, "client_id").unwrap_or_default().to_owned();
                (tenant.to_owned(), client, "find", term.to_owned(), id.to_owned())
            }
            _ => continue,
        };
        if !actual.insert(entry) {
            found.add(Rule::IndexItems, format!("{} is there twice", keys(item)));
        }
    }
    for missing in expected.difference(&actual) {
        found.add(Rule::IndexItems, format!("no index item for {missing:?}"));
    }
    for stray in actual.difference(&expected) {
        found.add(Rule::IndexItems, format!("index item {stray:?} matches no contact"));
    }
}
