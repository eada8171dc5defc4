//! A contact's activity: each entry well formed on its own, with no personal data, and under a
//! contact that exists (in the client it names) or is gone and not yet erased.

use super::shapes::{keys, ulid, Table};
use super::{num, s, Found, Item, Rule};

/// The attributes every entry has (`actor` is optional), and each kind's own.
const COMMON: [&str; 9] =
    ["PK", "SK", "entity", "tenant_id", "client_id", "contact_id", "kind", "at", "expires_at"];

fn kind_attributes(kind: Option<&str>) -> Option<&'static [&'static str]> {
    match kind {
        Some("fields_changed") => Some(&["fields"]),
        Some("portal_status") => Some(&["from", "to"]),
        _ => None,
    }
}

/// `2026-11-28T10:00:00.123Z`: RFC 3339, UTC, exactly three fraction digits.
fn activity_time(at: &str) -> bool {
    let b = at.as_bytes();
    at.len() == 24
        && b[23] == b'Z'
        && b[19] == b'.'
        && b[10] == b'T'
        && time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).is_ok()
}

/// One entry on its own.
pub(crate) fn entry(sk: &str, item: &Item, found: &mut Found) {
    let mut wrong = Vec::new();
    let at = s(item, "at").unwrap_or_default();
    if !activity_time(at) || !sk.strip_prefix("AT#").is_some_and(|rest| rest.starts_with(&format!("{at}#"))) {
        wrong.push(format!("its at {at:?} is not its key's time in RFC 3339 UTC milliseconds"));
    }
    if s(item, "client_id").and_then(ulid).is_none() {
        wrong.push("its client_id is not an id".to_owned());
    }
    let at_secs = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .ok();
    match (num(item, "expires_at"), at_secs) {
        (Some(expires), Some(at)) if expires > at => {}
        (expires, _) => wrong.push(format!("it expires at {expires:?}, not after its time")),
    }
    let kind = s(item, "kind");
    match kind_attributes(kind) {
        None => wrong.push(format!("its kind {kind:?} is not a known kind")),
        Some(own) => {
            for name in item.keys() {
                if !COMMON.contains(&name.as_str()) && name != "actor" && !own.contains(&name.as_str()) {
                    wrong.push(format!("it holds {name}, which a {kind:?} entry does not"));
                }
            }
            let fields = item.get("fields").and_then(|f| f.as_l().ok());
            let names = fields.is_some_and(|l| !l.is_empty() && l.iter().all(|v| v.as_s().is_ok()));
            let statuses = s(item, "from").is_some() && s(item, "to").is_some();
            if (kind == Some("fields_changed") && !names) || (kind == Some("portal_status") && !statuses) {
                wrong.push(format!("it lacks what a {kind:?} entry says"));
            }
        }
    }
    for what in wrong {
        found.add(Rule::Activity, format!("{}: {what}", keys(item)));
    }
}

/// Every entry's contact is in the client it names, or gone.
pub(crate) fn check(t: &Table, found: &mut Found) {
    for a in &t.activity {
        let contact = t.contacts.iter().find(|c| c.tenant == a.tenant && c.id == a.id);
        if let Some(c) = contact.filter(|c| c.client != a.client) {
            found.add(
                Rule::Activity,
                format!("{}: names client {}, its contact is under {}", keys(a.item), a.client, c.client),
            );
        }
    }
}
