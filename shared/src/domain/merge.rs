//! Merging two records of one person under one client (`POST /contacts/merge`): pure decisions
//! of which values the surviving contact keeps and how the line-manager links run once the
//! merged contact is gone. The store turns them into one transaction (`store::contacts::merge`).
//!
//! A field the request names takes the value of the side it names (even an empty one); any
//! other field keeps the survivor's value, or the merged contact's where the survivor has none.
//! Topics and portal permissions are the union of both; custom values are taken key by key
//! the same way, the side `custom` names first. Both contacts are of one client: a person
//! under two clients is moved first (`domain::moving`), so the primary rule and the links stay
//! within one client.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::contact::sorted_unique;
use super::error::DomainError;
use super::fields::FieldReader;
use super::ids::{ClientId, ContactId};
use super::patch::Patch;
use super::ContactFields;

/// The fields a merge chooses between, as the request names them. `support` is the support
/// window, both dates from one side, so the window stays well formed.
pub const MERGE_FIELDS: &[&str] = &[
    "salutation",
    "first_name",
    "last_name",
    "job_title",
    "department",
    "description",
    "email",
    "mobile",
    "phone",
    "secondary_phone",
    "address",
    "line_manager_id",
    "support",
    "custom",
];

/// Which contact a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Survivor,
    Merged,
}

/// A merge as requested: the client, the contact that stays and the one merged into it, the
/// side each named field comes from, and the versions the caller saw (stale ones are 412).
#[derive(Debug, Clone, PartialEq)]
pub struct MergeRequest {
    pub client: ClientId,
    pub survivor: ContactId,
    pub merged: ContactId,
    pub choices: BTreeMap<&'static str, Side>,
    pub dry_run: bool,
    pub survivor_version: Option<u64>,
    pub merged_version: Option<u64>,
}

fn id<T>(parse: impl Fn(&str) -> Option<T>, what: &'static str) -> impl FnOnce(&str) -> Result<T, String> {
    move |raw| parse(raw).ok_or_else(|| format!("must be a {what} id"))
}

fn choices(r: &mut FieldReader) -> BTreeMap<&'static str, Side> {
    let mut choices = BTreeMap::new();
    for name in r.keys() {
        let Some(field) = MERGE_FIELDS.iter().find(|f| **f == name) else {
            r.error(&name, format!("is not a field a merge chooses; one of {}", MERGE_FIELDS.join(", ")));
            r.raw(&name);
            continue;
        };
        let side = r.exact(field, |raw| match raw {
            "survivor" => Ok(Side::Survivor),
            "merged" => Ok(Side::Merged),
            _ => Err("must be survivor or merged".to_owned()),
        });
        if let Patch::Set(side) = side {
            choices.insert(*field, side);
        }
    }
    choices
}

/// Reads a merge's body: `client_id`, `survivor_id`, `merged_id` (required), `fields` (a side
/// per field), `dry_run`, `survivor_version`, `merged_version`.
pub fn parse_merge(body: Map<String, Value>) -> Result<MergeRequest, DomainError> {
    let mut r = FieldReader::new(body);
    let client = r.exact("client_id", id(ClientId::parse, "client"));
    let survivor = r.exact("survivor_id", id(ContactId::parse, "contact"));
    let merged = r.exact("merged_id", id(ContactId::parse, "contact"));
    let choices = r.object("fields", choices);
    let dry_run = r.boolean("dry_run");
    let survivor_version = r.whole_number("survivor_version", 1..=u32::MAX);
    let merged_version = r.whole_number("merged_version", 1..=u32::MAX);
    let mut errors = r.finish();
    let mut required = |name: &str, present: bool| {
        if !present && !errors.iter().any(|e| e.field == name) {
            errors.push(super::FieldError::new(name, "is required"));
        }
    };
    required("client_id", matches!(client, Patch::Set(_)));
    required("survivor_id", matches!(survivor, Patch::Set(_)));
    required("merged_id", matches!(merged, Patch::Set(_)));
    match (client, survivor, merged) {
        (Patch::Set(client), Patch::Set(survivor), Patch::Set(merged)) if errors.is_empty() => {
            if survivor == merged {
                return Err(DomainError::invalid("merged_id", "is the survivor itself"));
            }
            let version = |v: Patch<u32>| v.apply(None).map(u64::from);
            Ok(MergeRequest {
                client,
                survivor,
                merged,
                choices: choices.apply(None).unwrap_or_default(),
                dry_run: dry_run.apply(None).unwrap_or(false),
                survivor_version: version(survivor_version),
                merged_version: version(merged_version),
            })
        }
        _ => Err(DomainError::Validation(errors)),
    }
}

/// The refusal of a contact the body names that is not one of the client's contacts.
pub(crate) fn unknown_contact(field: &str) -> DomainError {
    DomainError::invalid(field, "no such contact of this client")
}

/// One field's value: from the named side, else the survivor's, else the merged one's.
fn pick<T: Clone>(choice: Option<Side>, survivor: &Option<T>, merged: &Option<T>) -> Option<T> {
    match choice {
        Some(Side::Survivor) => survivor.clone(),
        Some(Side::Merged) => merged.clone(),
        None => survivor.clone().or_else(|| merged.clone()),
    }
}

/// The survivor's fields once `merged` is merged into it, by the request's choices. A line
/// manager that would be either contact itself counts as none (the other side's stands in); choices that leave no way to reach
/// the contact are refused, as a PATCH that clears them all is.
pub fn merge_fields(
    survivor: &ContactFields,
    merged: &ContactFields,
    request: &MergeRequest,
) -> Result<ContactFields, DomainError> {
    let side = |field: &str| request.choices.get(field).copied();
    let (s, m) = (survivor, merged);
    let support = match side("support") {
        Some(Side::Merged) => (m.support_start, m.support_end),
        Some(Side::Survivor) => (s.support_start, s.support_end),
        None if s.support_start.is_some() || s.support_end.is_some() => (s.support_start, s.support_end),
        None => (m.support_start, m.support_end),
    };
    // Either contact as a manager is no manager once they are one: the other side's stands in.
    let neither = |id: &Option<ContactId>| id.filter(|id| *id != request.survivor && *id != request.merged);
    let manager = pick(side("line_manager_id"), &neither(&s.line_manager_id), &neither(&m.line_manager_id));
    let (first, second) = match side("custom") {
        Some(Side::Merged) => (&m.custom, &s.custom),
        _ => (&s.custom, &m.custom),
    };
    let fields = ContactFields {
        salutation: pick(side("salutation"), &s.salutation, &m.salutation),
        first_name: pick(side("first_name"), &s.first_name, &m.first_name),
        last_name: match side("last_name") {
            Some(Side::Merged) => m.last_name.clone(),
            _ => s.last_name.clone(),
        },
        job_title: pick(side("job_title"), &s.job_title, &m.job_title),
        department: pick(side("department"), &s.department, &m.department),
        description: pick(side("description"), &s.description, &m.description),
        email: pick(side("email"), &s.email, &m.email),
        mobile: pick(side("mobile"), &s.mobile, &m.mobile),
        phone: pick(side("phone"), &s.phone, &m.phone),
        secondary_phone: pick(side("secondary_phone"), &s.secondary_phone, &m.secondary_phone),
        address: pick(side("address"), &s.address, &m.address),
        line_manager_id: manager,
        notifications: sorted_unique([s.notifications.clone(), m.notifications.clone()].concat()),
        permissions: sorted_unique([s.permissions.clone(), m.permissions.clone()].concat()),
        support_start: support.0,
        support_end: support.1,
        custom: first.or(second),
    };
    match fields.email.is_none() && fields.mobile.is_none() && fields.phone.is_none() {
        true => Err(DomainError::invalid("fields.email", super::contact::NO_CHANNEL)),
        false => Ok(fields),
    }
}

/// The line-manager links a merge moves: the merged contact's reports now report to the
/// survivor (`repointed`), and each contact's reports gained and lost (`changes`, the survivor
/// included).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Relinks {
    pub repointed: Vec<ContactId>,
    pub changes: BTreeMap<ContactId, (BTreeSet<ContactId>, BTreeSet<ContactId>)>,
}

/// The links before and after a merge of `merged` (managed by `merged_manager`, managing
/// `merged_reports`) into `survivor`, whose manager goes from `before` to `after`.
pub fn relink(
    (survivor, merged): (ContactId, ContactId),
    (before, after): (Option<ContactId>, Option<ContactId>),
    merged_manager: Option<ContactId>,
    merged_reports: &[ContactId],
) -> Relinks {
    let mut relinks = Relinks::default();
    let mut gains = |manager: ContactId, report| relinks.changes.entry(manager).or_default().0.insert(report);
    for report in merged_reports.iter().copied().filter(|r| *r != survivor) {
        gains(survivor, report);
    }
    if let Some(to) = after.filter(|_| before != after) {
        gains(to, survivor);
    }
    let mut loses = |manager: ContactId, report| relinks.changes.entry(manager).or_default().1.insert(report);
    if let Some(manager) = merged_manager {
        loses(manager, merged);
    }
    if let Some(from) = before.filter(|b| before != after && *b != merged) {
        loses(from, survivor);
    }
    // The merged contact goes with its whole item: nothing of it is written.
    relinks.changes.remove(&merged);
    relinks.repointed = merged_reports.iter().copied().filter(|r| *r != survivor).collect();
    relinks
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
