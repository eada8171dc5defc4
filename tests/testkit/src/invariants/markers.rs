//! Email uniqueness, checked by key: markers and contacts with an email match one to one, each
//! marker keyed by its contact's normalised address.

use std::collections::{BTreeMap, HashMap};

use super::relations::ById;
use super::shapes::{keys, Keyed, Table};
use super::{normalised, s, Found, Rule};

pub(crate) fn check(t: &Table, by_id: &ById, found: &mut Found) {
    let mut at: HashMap<(&str, &str), &Keyed> = HashMap::new();
    for m in &t.markers {
        at.insert((m.tenant, m.id), m);
        marker(m, by_id, found);
    }
    let mut owners: BTreeMap<(&str, String), Vec<&str>> = BTreeMap::new();
    for c in &t.contacts {
        let Some(email) = s(c.item, "email") else { continue };
        let key = normalised(email);
        match at.get(&(c.tenant, key.as_str())).map(|m| s(m.item, "contact_id")) {
            None => found.add(
                Rule::MissingMarker,
                format!("contact {} ({email:?}) has no marker TENANT#{}#EMAIL#{key}", c.id, c.tenant),
            ),
            Some(owner) if owner != Some(c.id) => found.add(
                Rule::MissingMarker,
                format!("the marker of {key:?} points at {owner:?}, not at contact {} ({email:?})", c.id),
            ),
            Some(_) => {}
        }
        owners.entry((c.tenant, key)).or_default().push(c.id);
    }
    for ((tenant, key), ids) in owners.into_iter().filter(|(_, ids)| ids.len() > 1) {
        found.add(
            Rule::DuplicateEmail,
            format!("contacts {ids:?} of tenant {tenant} share the address {key:?}"),
        );
    }
}

/// A marker on its own: its key normalised, its contact there, with the address it is keyed by.
fn marker(m: &Keyed, by_id: &ById, found: &mut Found) {
    let mut wrong = Vec::new();
    if normalised(m.id) != m.id {
        wrong.push(format!("its key {:?} is not a normalised address", m.id));
    }
    if s(m.item, "email").map(normalised).as_deref() != Some(m.id) {
        wrong.push(format!("its email {:?} is not its key", s(m.item, "email")));
    }
    let Some(owner) = s(m.item, "contact_id").and_then(|id| by_id.get(&(m.tenant, id))) else {
        let named = s(m.item, "contact_id");
        found.add(Rule::MarkerOwner, format!("marker without contact: {} names {named:?}", keys(m.item)));
        report(m, wrong, found);
        return;
    };
    // Every claim the service writes names its contact's client (`store::email_claims`).
    let named = s(m.item, "client_id");
    if named != Some(owner.client) {
        let detail =
            format!("marker {} names client {named:?}, not its contact's, {}", keys(m.item), owner.client);
        found.add(Rule::MarkerOwner, detail);
    }
    match s(owner.item, "email") {
        Some(email) if normalised(email) == m.id => {}
        email => wrong.push(format!("its contact {} has the email {email:?}", owner.id)),
    }
    report(m, wrong, found);
}

fn report(m: &Keyed, wrong: Vec<String>, found: &mut Found) {
    if !wrong.is_empty() {
        found.add(Rule::MarkerKey, format!("marker {}: {}", keys(m.item), wrong.join("; ")));
    }
}
