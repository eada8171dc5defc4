//! A contact's links to projects (which another module keeps): each link item is well formed
//! and names an existing contact of its client, and each contact's `project_count` and
//! `project_ids` say exactly which links it has, no more than `MAX_PROJECTS` of them.

use std::collections::{BTreeSet, HashMap, HashSet};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::shapes::{keys, Contact, Link, Table};
use super::{s, Found, Rule};

/// The most projects one contact is linked to.
const MAX_PROJECTS: usize = 30;
/// All a link item holds: its key and entity, the key's parts again, when and by whom.
const LINK_ATTRIBUTES: [&str; 8] =
    ["PK", "SK", "entity", "client_id", "contact_id", "project_id", "linked_at", "linked_by"];

/// (tenant, client, contact): whose links.
type Owner<'a> = (&'a str, &'a str, &'a str);

pub(crate) fn check(t: &Table, found: &mut Found) {
    let contacts: HashSet<Owner> = t.contacts.iter().map(|c| (c.tenant, c.client, c.id)).collect();
    let mut linked: HashMap<Owner, BTreeSet<&str>> = HashMap::new();
    for link in &t.links {
        let owner = (link.tenant, link.client, link.contact);
        let mut wrong = link_item(link);
        if !contacts.contains(&owner) {
            wrong.push(format!("its client {} has no contact {}", link.client, link.contact));
        }
        for what in wrong {
            found.add(Rule::ProjectLinks, format!("link {}: {what}", keys(link.item)));
        }
        linked.entry(owner).or_default().insert(link.project);
    }
    for c in &t.contacts {
        for what in counts(c, linked.remove(&(c.tenant, c.client, c.id)).unwrap_or_default()) {
            found.add(Rule::ProjectLinks, format!("contact {}: {what}", c.id));
        }
    }
}

/// A project id as keys may hold it: 1-64 characters of `[A-Za-z0-9_.-]` (never `#`, which
/// separates key parts).
fn project_shaped(p: &str) -> bool {
    (1..=64).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// What is wrong with a link item on its own.
fn link_item(link: &Link) -> Vec<String> {
    let mut wrong = Vec::new();
    if !project_shaped(link.project) {
        wrong.push(format!("its project id {:?} is not 1-64 letters, digits, '-', '_' or '.'", link.project));
    }
    let parts = [("client_id", link.client), ("contact_id", link.contact), ("project_id", link.project)];
    for (name, part) in parts {
        if s(link.item, name) != Some(part) {
            wrong.push(format!("its {name} {:?} is not its key's {part}", s(link.item, name)));
        }
    }
    if s(link.item, "linked_at").is_none_or(|at| OffsetDateTime::parse(at, &Rfc3339).is_err()) {
        wrong.push(format!("its linked_at {:?} is not an RFC 3339 time", link.item.get("linked_at")));
    }
    if s(link.item, "linked_by").is_none_or(str::is_empty) {
        wrong.push("it does not say who made it (linked_by)".to_owned());
    }
    for name in link.item.keys().filter(|n| !LINK_ATTRIBUTES.contains(&n.as_str())) {
        wrong.push(format!("it holds {name}, which a link does not"));
    }
    wrong
}

/// A contact's `project_count` and `project_ids` against the projects its link items name.
fn counts(c: &Contact, linked: BTreeSet<&str>) -> Vec<String> {
    let mut wrong = Vec::new();
    let count = match c.item.get("project_count") {
        None => Some(0),
        Some(n) => n.as_n().ok().and_then(|n| n.parse::<i64>().ok()),
    };
    if count != Some(linked.len() as i64) {
        wrong.push(format!("it counts {count:?} projects, has {} links", linked.len()));
    }
    let ids: Option<BTreeSet<&str>> = match c.item.get("project_ids") {
        None => Some(BTreeSet::new()),
        Some(ids) => ids.as_ss().ok().map(|ids| ids.iter().map(String::as_str).collect()),
    };
    if ids.as_ref() != Some(&linked) {
        wrong.push(format!("its project_ids are {ids:?}, its links name {linked:?}"));
    }
    if count.is_some_and(|n| n > MAX_PROJECTS as i64) {
        wrong.push(format!("it counts {count:?} projects, more than {MAX_PROJECTS}"));
    }
    wrong
}
