//! Deletion records: each names, as its key does, the client or contact it records the
//! deletion of, who deleted it and when, expires two days later (TTL), holds nothing else, and
//! is written with the deletion: the item it names is gone.

use std::collections::HashSet;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::shapes::{keys, Shape, Table};
use super::{num, s, Found, Item, Rule};

/// How long a record outlives its deletion: longer than the stream's 24 hours.
const KEPT_SECS: i64 = 2 * 86_400;
/// All a contact's deletion record holds (a client's: all but `contact_id`).
const ATTRIBUTES: [&str; 9] =
    ["PK", "SK", "entity", "tenant_id", "client_id", "contact_id", "deleted_by", "deleted_at", "expires_at"];

pub(crate) fn check(t: &Table, found: &mut Found) {
    let clients: HashSet<(&str, &str)> = t.clients.iter().map(|c| (c.tenant, c.id)).collect();
    let contacts: HashSet<(&str, &str, &str)> =
        t.contacts.iter().map(|c| (c.tenant, c.client, c.id)).collect();
    for &(shape, item) in &t.deletions {
        if let Shape::Move { tenant, client, contact, .. } = shape {
            for what in moved(item, (tenant, client, contact)) {
                found.add(Rule::Deletion, format!("{}: {what}", keys(item)));
            }
            continue;
        }
        let Shape::Deletion { tenant, client, contact } = shape else { continue };
        let mut wrong = record(item, tenant, client, contact);
        let exists = match contact {
            Some(id) => contacts.contains(&(tenant, client, id)),
            None => clients.contains(&(tenant, client)),
        };
        if exists {
            wrong.push("what it records the deletion of still exists".to_owned());
        }
        for what in wrong {
            found.add(Rule::Deletion, format!("{}: {what}", keys(item)));
        }
    }
}

/// What is wrong with a deletion record on its own.
fn record(item: &Item, tenant: &str, client: &str, contact: Option<&str>) -> Vec<String> {
    let mut wrong = Vec::new();
    let parts = [("tenant_id", Some(tenant)), ("client_id", Some(client)), ("contact_id", contact)];
    for (name, part) in parts {
        if s(item, name) != part {
            wrong.push(format!("its {name} {:?} is not its key's {part:?}", s(item, name)));
        }
    }
    if s(item, "deleted_by").is_none_or(str::is_empty) {
        wrong.push("it does not say who deleted (deleted_by)".to_owned());
    }
    match s(item, "deleted_at").and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok()) {
        None => wrong.push(format!("its deleted_at {:?} is not an RFC 3339 time", item.get("deleted_at"))),
        Some(at) => {
            let kept = num(item, "expires_at").map(|e| e - at.unix_timestamp());
            if kept != Some(KEPT_SECS) {
                wrong.push(format!("it is kept {kept:?} s after the deletion, not two days"));
            }
        }
    }
    for name in item.keys().filter(|n| !ATTRIBUTES.contains(&n.as_str())) {
        wrong.push(format!("it holds {name}, which a deletion record does not"));
    }
    wrong
}

/// All a move record holds (and a merge record, with `into_contact_id`).
const MOVE_ATTRIBUTES: [&str; 12] = [
    "PK",
    "SK",
    "entity",
    "tenant_id",
    "client_id",
    "contact_id",
    "to_client_id",
    "moved_by",
    "moved_at",
    "portal_status_before",
    "portal_status",
    "expires_at",
];

/// What is wrong with a move record: its ids against its key, the client it moved to, its
/// mover, time and TTL.
fn moved(item: &Item, (tenant, client, contact): (&str, &str, &str)) -> Vec<String> {
    let mut wrong = Vec::new();
    for (name, part) in [("tenant_id", tenant), ("client_id", client), ("contact_id", contact)] {
        if s(item, name) != Some(part) {
            wrong.push(format!("its {name} {:?} is not its key's {part:?}", s(item, name)));
        }
    }
    // The client it moved to may since have lost the contact and gone itself. An archive and
    // a restore keep the contact where it is.
    match (s(item, "entity"), s(item, "to_client_id")) {
        (Some("move"), Some(to)) if to != client && to.len() == 26 => {}
        (Some("archive" | "restore"), Some(to)) if to == client => {}
        // A merge keeps the survivor where the merged contact was, and names it.
        (Some("merge"), Some(to))
            if to == client && s(item, "into_contact_id").is_some_and(|i| i.len() == 26) => {}
        (kind, to) => {
            wrong.push(format!("its {kind:?} goes to {to:?}, not another client for a move, its own else"))
        }
    }
    if s(item, "moved_by").is_none_or(str::is_empty) {
        wrong.push("it does not say who moved (moved_by)".to_owned());
    }
    match s(item, "moved_at").and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok()) {
        None => wrong.push(format!("its moved_at {:?} is not an RFC 3339 time", item.get("moved_at"))),
        Some(at) if num(item, "expires_at").map(|e| e - at.unix_timestamp()) != Some(KEPT_SECS) => {
            wrong.push("it is not kept two days after the move".to_owned())
        }
        Some(_) => {}
    }
    let merge = s(item, "entity") == Some("merge");
    for name in
        item.keys().filter(|n| !(MOVE_ATTRIBUTES.contains(&n.as_str()) || merge && *n == "into_contact_id"))
    {
        wrong.push(format!("it holds {name}, which a move record does not"));
    }
    wrong
}
