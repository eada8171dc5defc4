//! A contact's activity history: each entry is one of the five kinds with its attributes and
//! nothing else (so no address, value or message body), says in `at` the time its key gives it,
//! expires a whole number of days after it happened (TTL), and names the client its live
//! contact is under. A note (`kind: note`) is the exception to the TTL: staff wrote it, and it
//! is kept until deleted, so it has no `expires_at`; it names its author (`actor`) and its key
//! ends with its id. Entries of a deleted contact may remain only until the deletion's stream
//! record erases them, which is while the contact's deletion record is kept (it outlives the
//! stream's retention): an entry of a contact that neither exists nor has a deletion record
//! was left behind by an erasure.

use std::collections::HashMap;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::shapes::{keys, ulid, Shape, Table};
use super::{num, s, Found, Item, Rule};

const EMAIL_KINDS: [&str; 5] =
    ["invitation", "password_reset", "notification", "support_reminder", "revocation"];
const OUTCOMES: [&str; 4] = ["delivered", "bounced", "complained", "rejected"];
const NOTE_KINDS: [&str; 5] = ["note", "call", "meeting", "email", "task"];
const DAY: i64 = 86_400;
/// What every entry may hold (`actor` only when known).
/// (`merged_from`: the contact a merge took the item from, `store::merge_history`.)
const COMMON: [&str; 11] = [
    "PK",
    "SK",
    "entity",
    "tenant_id",
    "client_id",
    "contact_id",
    "kind",
    "at",
    "expires_at",
    "actor",
    "merged_from",
];

/// What each kind holds besides the common attributes.
fn own_attributes(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "email" => Some(&["email_kind", "message_id", "topic", "subject"]),
        "delivery" => Some(&["message_id", "outcome", "reason"]),
        "fields_changed" => Some(&["fields"]),
        "portal_status" => Some(&["from", "to"]),
        "archived" | "restored" => Some(&[]),
        "note" => Some(&[
            "note_id",
            "note_kind",
            "text",
            "occurred_at",
            "note_outcome",
            // A task's (the task-index rule's).
            "due",
            "assignee",
            "done",
            "GSI1PK",
            "GSI1SK",
            "created_at",
            "updated_at",
            "updated_by",
            "version",
        ]),
        // An unknown kind is reported as such (`kind`).
        _ => None,
    }
}

pub(crate) fn check(t: &Table, found: &mut Found) {
    let clients: HashMap<(&str, &str), &str> =
        t.contacts.iter().map(|c| ((c.tenant, c.id), c.client)).collect();
    let deleted: HashMap<(&str, &str), &str> = t
        .deletions
        .iter()
        .filter_map(|&(shape, _)| match shape {
            Shape::Deletion { tenant, client, contact: Some(contact) } => Some(((tenant, contact), client)),
            _ => None,
        })
        .collect();
    for a in &t.activities {
        let mut wrong = kind(a.item);
        let live = clients.contains_key(&(a.tenant, a.contact));
        match deleted.get(&(a.tenant, a.contact)) {
            None if !live => wrong.push(format!(
                "its contact {} does not exist and has no deletion record: its erasure left it",
                a.contact
            )),
            Some(client) if !live && s(a.item, "client_id") != Some(*client) => wrong.push(format!(
                "it names client {:?}, its deleted contact was under {client}",
                s(a.item, "client_id")
            )),
            _ => {}
        }
        wrong.extend(expiry(a.item));
        match (clients.get(&(a.tenant, a.contact)), s(a.item, "client_id")) {
            (_, None) => wrong.push("it names no client".to_owned()),
            (_, Some(named)) if ulid(named).is_none() => {
                wrong.push(format!("its client_id {named:?} is not an id"))
            }
            (Some(client), Some(named)) if client != &named => {
                wrong.push(format!("it names client {named}, its contact is under {client}"))
            }
            _ => {}
        }
        if s(a.item, "at") != Some(a.at) {
            wrong.push(format!("its at {:?} is not its key's time {}", s(a.item, "at"), a.at));
        }
        if let Some(own) = own_attributes(s(a.item, "kind").unwrap_or_default()) {
            for name in a.item.keys().filter(|n| !COMMON.contains(&n.as_str()) && !own.contains(&n.as_str()))
            {
                wrong.push(format!("it holds {name}, which its kind does not (no address, value or body)"));
            }
        }
        for what in wrong {
            found.add(Rule::Activity, format!("{}: {what}", keys(a.item)));
        }
    }
}

/// The attributes its `kind` calls for.
fn kind(item: &Item) -> Vec<String> {
    let has = |name: &str| s(item, name).is_some_and(|v| !v.is_empty());
    let one_of = |name: &str, values: &[&str]| s(item, name).is_some_and(|v| values.contains(&v));
    let ok = match s(item, "kind") {
        Some("email") => one_of("email_kind", &EMAIL_KINDS) && has("message_id"),
        Some("delivery") => one_of("outcome", &OUTCOMES) && has("message_id"),
        Some("fields_changed") => {
            item.get("fields").and_then(|f| f.as_l().ok()).is_some_and(|l| l.iter().all(|v| v.as_s().is_ok()))
        }
        Some("portal_status") => has("from") && has("to"),
        Some("archived" | "restored") => has("actor"),
        Some("note") => {
            let key_ends_with_id = s(item, "note_id").is_some_and(|id| {
                ulid(id).is_some() && s(item, "SK").is_some_and(|sk| sk.ends_with(&format!("#NOTE#{id}")))
            });
            key_ends_with_id
                && one_of("note_kind", &NOTE_KINDS)
                && has("text")
                && has("actor")
                && has("updated_by")
                && num(item, "version").is_some_and(|v| v >= 1)
        }
        other => return vec![format!("unknown kind {other:?}")],
    };
    if ok {
        Vec::new()
    } else {
        vec![format!("its attributes do not fit kind {:?}", s(item, "kind"))]
    }
}

/// `expires_at` is a positive whole number of days after `at`; a note has none.
fn expiry(item: &Item) -> Option<String> {
    if s(item, "kind") == Some("note") {
        return item
            .contains_key("expires_at")
            .then(|| "it is a note, kept until deleted, yet expires".to_owned());
    }
    let at = s(item, "at").and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok())?;
    match num(item, "expires_at").map(|e| e - at.unix_timestamp()) {
        Some(kept) if kept > 0 && kept % DAY == 0 => None,
        kept => Some(format!("it is kept {kept:?} s after it happened, not a whole number of days")),
    }
}
