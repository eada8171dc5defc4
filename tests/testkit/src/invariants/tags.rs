//! Tags: a tag has a name and, if any, a colour as `#rrggbb`, and its name's claim names it; a
//! claim names a tag of that name. A contact's `tag_ids` are tags of its tenant, at most 20,
//! counted by its `tag_count`, each with a member item; a member item names a tag of its tenant
//! and a contact carrying it, or a deleted contact whose deletion record is kept (its member
//! items go with its history, after the deletion).

use std::collections::{BTreeSet, HashMap, HashSet};

use shared::domain::tag::{name_key, MAX_TAGS_PER_CONTACT};

use super::shapes::{keys, Shape, Table};
use super::{num, s, Found, Rule};

pub(crate) fn check(t: &Table, found: &mut Found) {
    let mut tags: HashMap<(&str, &str), &str> = HashMap::new();
    let mut claims: HashMap<(&str, &str), Option<&str>> = HashMap::new();
    let mut members: BTreeSet<(&str, &str, &str, &str)> = BTreeSet::new();
    for &(shape, item) in &t.tags {
        match shape {
            Shape::Tag { tenant, id } => {
                let name = s(item, "name").filter(|n| !n.trim().is_empty());
                let colour = s(item, "colour");
                let colour_ok = colour.is_none_or(|c| {
                    c.len() == 7
                        && c.starts_with('#')
                        && c[1..].bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                });
                if name.is_none() || !colour_ok || num(item, "version").is_none_or(|v| v < 1) {
                    found.add(
                        Rule::Tags,
                        format!("{}: a tag needs a name, a version and a colour as #rrggbb", keys(item)),
                    );
                }
                tags.insert((tenant, id), name.unwrap_or_default());
            }
            Shape::TagName { tenant, key } => {
                claims.insert((tenant, key), s(item, "tag_id"));
            }
            Shape::TagMember { tenant, tag, client, contact } => {
                members.insert((tenant, tag, client, contact));
            }
            _ => {}
        }
    }
    for (&(tenant, id), name) in &tags {
        if claims.get(&(tenant, name_key(name).as_str())).copied().flatten() != Some(id) {
            found.add(Rule::Tags, format!("tag {id} of {tenant}: no claim of its name {name:?} names it"));
        }
    }
    for (&(tenant, key), tag) in &claims {
        let named = tag.and_then(|id| tags.get(&(tenant, id)));
        if named.is_none_or(|name| name_key(name) != key) {
            found.add(
                Rule::Tags,
                format!("the claim of {key:?} in {tenant} names {tag:?}, not a tag of that name"),
            );
        }
    }
    contacts(t, &tags, &members, found);
}

/// Each contact's tags against the tags and the member items, both ways.
fn contacts(
    t: &Table,
    tags: &HashMap<(&str, &str), &str>,
    members: &BTreeSet<(&str, &str, &str, &str)>,
    found: &mut Found,
) {
    let mut carried: HashSet<(&str, &str, &str, &str)> = HashSet::new();
    for c in &t.contacts {
        let ids: Vec<&str> = c
            .item
            .get("tag_ids")
            .and_then(|v| v.as_ss().ok())
            .map(|ids| ids.iter().map(String::as_str).collect())
            .unwrap_or_default();
        if num(c.item, "tag_count").unwrap_or(0) != ids.len() as i64
            || ids.len() as u64 > MAX_TAGS_PER_CONTACT
        {
            found.add(
                Rule::Tags,
                format!("contact {}: tag_count is not its {} tags, or past 20", c.id, ids.len()),
            );
        }
        for tag in ids {
            carried.insert((c.tenant, tag, c.client, c.id));
            // An archived contact keeps the tags it had: one deleted meanwhile took its member
            // item (and its tag item) away, and the restore drops it.
            if c.archived {
                continue;
            }
            if !tags.contains_key(&(c.tenant, tag)) {
                found.add(
                    Rule::Tags,
                    format!("contact {} carries tag {tag}, which its tenant does not have", c.id),
                );
            }
            if !members.contains(&(c.tenant, tag, c.client, c.id)) {
                found.add(Rule::Tags, format!("contact {} carries tag {tag} without its member item", c.id));
            }
        }
    }
    let deleted: HashSet<(&str, &str)> = (t.deletions.iter())
        .filter_map(|&(shape, _)| match shape {
            Shape::Deletion { tenant, contact: Some(contact), .. } => Some((tenant, contact)),
            _ => None,
        })
        .collect();
    let live: HashSet<(&str, &str)> = t.contacts.iter().map(|c| (c.tenant, c.id)).collect();
    for &(tenant, tag, client, contact) in members {
        let waits_for_erasure = !live.contains(&(tenant, contact)) && deleted.contains(&(tenant, contact));
        if !carried.contains(&(tenant, tag, client, contact)) && !waits_for_erasure {
            found.add(
                Rule::Tags,
                format!("the member item of tag {tag} names contact {contact}, which does not carry it"),
            );
        }
        if !tags.contains_key(&(tenant, tag)) {
            found.add(Rule::Tags, format!("a member item names tag {tag}, which {tenant} does not have"));
        }
    }
}
