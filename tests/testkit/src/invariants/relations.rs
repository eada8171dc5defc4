//! The rules between items: clients and their contacts, email markers, line managers,
//! invitations and what accepting one leaves.

use std::collections::{HashMap, HashSet};

use super::shapes::{Contact, Table};
use super::{flag, num, s, Found, Rule};

/// Contacts by tenant and id.
pub(crate) type ById<'t, 'a> = HashMap<(&'a str, &'a str), &'t Contact<'a>>;

pub(crate) fn check(t: &Table, found: &mut Found) {
    let mut by_id = ById::new();
    for c in &t.contacts {
        if let Some(other) = by_id.insert((c.tenant, c.id), c) {
            found.add(
                Rule::KeyAttributes,
                format!("contact {} is under clients {} and {}", c.id, other.client, c.client),
            );
        }
    }
    orphans(t, found);
    super::markers::check(t, &by_id, found);
    clients(t, found);
    managers(t, &by_id, found);
    invitations(t, found);
}

/// Every contact is under an existing client of its tenant.
fn orphans(t: &Table, found: &mut Found) {
    let clients: HashSet<(&str, &str)> = t.clients.iter().map(|c| (c.tenant, c.id)).collect();
    for c in t.contacts.iter().filter(|c| !clients.contains(&(c.tenant, c.client))) {
        found.add(
            Rule::OrphanContact,
            format!(
                "contact {} is under client {} of tenant {}, which does not exist",
                c.id, c.client, c.tenant
            ),
        );
    }
}

/// Every client's `contact_count` and `archived_count` (absent: 0) are exact; a client with
/// contacts has exactly one contact flagged primary, which its `primary_contact_id` names; a
/// client without contacts names none; no archived contact is flagged.
fn clients(t: &Table, found: &mut Found) {
    for client in &t.clients {
        let id = client.id;
        let (archived, own): (Vec<_>, Vec<_>) = t
            .contacts
            .iter()
            .filter(|c| (c.tenant, c.client) == (client.tenant, id))
            .partition(|c| c.archived);
        let counted = num(client.item, "archived_count").unwrap_or(0);
        if counted != archived.len() as i64 {
            found.add(
                Rule::ContactCount,
                format!("client {id} counts {counted} archived contacts, has {}", archived.len()),
            );
        }
        for c in archived.iter().filter(|c| flag(c.item, "is_primary")) {
            found.add(Rule::Primary, format!("archived contact {} is flagged primary", c.id));
        }
        let counted = num(client.item, "contact_count");
        if counted != Some(own.len() as i64) {
            found.add(
                Rule::ContactCount,
                format!("client {id} counts {counted:?} contacts, has {}", own.len()),
            );
        }
        let flagged: Vec<&str> = own.iter().filter(|c| flag(c.item, "is_primary")).map(|c| c.id).collect();
        let named = s(client.item, "primary_contact_id");
        let wrong = match (own.is_empty(), flagged.as_slice()) {
            (true, _) => named.map(|named| format!("client {id} has no contacts, yet names primary {named}")),
            (false, [primary]) if named == Some(*primary) => None,
            (false, [primary]) => {
                Some(format!("client {id} names primary {named:?}, but {primary} is flagged"))
            }
            (false, flagged) => Some(format!("client {id} has {flagged:?} flagged primary, not exactly one")),
        };
        if let Some(wrong) = wrong {
            found.add(Rule::Primary, wrong);
        }
    }
}

/// No line manager link points to a missing contact or another client's, and `report_count`
/// is exact.
fn managers(t: &Table, by_id: &ById, found: &mut Found) {
    for c in &t.contacts {
        if let Some(manager) = s(c.item, "line_manager_id") {
            match by_id.get(&(c.tenant, manager)) {
                None => {
                    found.add(Rule::LineManager, format!("line manager {manager} of {} is missing", c.id))
                }
                Some(m) if m.client != c.client => found.add(
                    Rule::LineManager,
                    format!("line manager {manager} of {} is another client's", c.id),
                ),
                // Archiving cuts both ways: neither end of a link is archived.
                Some(m) if m.archived || c.archived => found.add(
                    Rule::LineManager,
                    format!("line manager {manager} of {} is archived, or it is", c.id),
                ),
                Some(_) => {}
            }
        }
        let reports: std::collections::BTreeSet<&str> = t
            .contacts
            .iter()
            .filter(|r| r.tenant == c.tenant && s(r.item, "line_manager_id") == Some(c.id))
            .map(|r| r.id)
            .collect();
        if num(c.item, "report_count").unwrap_or(0) != reports.len() as i64 {
            let counted = num(c.item, "report_count");
            found.add(
                Rule::ReportCount,
                format!("contact {} counts {counted:?} reports, has {}", c.id, reports.len()),
            );
        }
        // A string set cannot be empty: a contact without reports has no `report_ids`, a
        // manager lists every report.
        let ids: Option<std::collections::BTreeSet<&str>> = match c.item.get("report_ids") {
            None => Some(Default::default()),
            Some(ids) => ids.as_ss().ok().map(|ids| ids.iter().map(String::as_str).collect()),
        };
        if ids.as_ref() != Some(&reports) {
            found.add(Rule::ReportCount, format!("contact {} lists reports {ids:?}, has {reports:?}", c.id));
        }
    }
}

/// An invitation is live only while its contact holds its hash, and only an `invited`
/// contact holds one, and every invited contact does: an existing, unused invitation naming
/// it, and the contact has an address (so no deleted or revoked contact has a live invitation). The one
/// other link a contact may hold is a password reset, and only while it is `active`.
fn invitations(t: &Table, found: &mut Found) {
    for c in &t.contacts {
        let status = s(c.item, "portal_status");
        let invited = status == Some("invited");
        let Some(hash) = s(c.item, "invite_hash") else {
            if invited {
                found.add(Rule::PendingInvitation, format!("invited contact {} holds no invitation", c.id));
            }
            continue;
        };
        let Some(invite) = t.invitations.get(hash) else {
            found.add(Rule::PendingInvitation, format!("the invitation of {} is missing", c.id));
            continue;
        };
        let reset = flag(invite, "reset");
        if (reset && status != Some("active")) || (!reset && !invited) {
            let held =
                if reset { "a password reset but is not active" } else { "an invitation but is not invited" };
            found.add(Rule::PendingInvitation, format!("contact {} holds {held}", c.id));
        }
        let names = [s(invite, "tenant_id"), s(invite, "client_id"), s(invite, "contact_id")];
        if names != [Some(c.tenant), Some(c.client), Some(c.id)] {
            found.add(
                Rule::PendingInvitation,
                format!("the invitation of {} names another contact: {names:?}", c.id),
            );
        }
        if s(invite, "used_at").is_some() {
            found.add(Rule::PendingInvitation, format!("the pending invitation of {} is used", c.id));
        }
        // The invitation went to the contact's address (it keeps no copy: a change of address
        // kills it), so a pending one needs an address to have gone to.
        if s(c.item, "email").is_none() {
            found.add(Rule::PendingInvitation, format!("the pending invitation of {} has no address", c.id));
        }
    }
    // A link its contact no longer holds (a newer invitation, a changed address, a revocation,
    // a deletion) is kept until its TTL, so that following it answers 410 "no longer valid"
    // rather than 404, and it can never be accepted (accepting needs the contact to hold its
    // hash). It still names its contact as it was when sent: under the client the contact is
    // under while the contact exists, or one the contact has moved from (a move record).
    let under: HashMap<(&str, &str), &str> =
        t.contacts.iter().map(|c| ((c.tenant, c.id), c.client)).collect();
    let moved_from: std::collections::HashSet<(&str, &str, &str)> = (t.deletions.iter())
        .filter_map(|&(shape, _)| match shape {
            super::shapes::Shape::Move { tenant, client, contact, .. } => Some((tenant, contact, client)),
            _ => None,
        })
        .collect();
    for (hash, invite) in &t.invitations {
        let (Some(tenant), Some(contact)) = (s(invite, "tenant_id"), s(invite, "contact_id")) else {
            continue;
        };
        let left = s(invite, "client_id").is_some_and(|c| moved_from.contains(&(tenant, contact, c)));
        if let Some(client) =
            under.get(&(tenant, contact)).filter(|c| Some(**c) != s(invite, "client_id") && !left)
        {
            found.add(
                Rule::Invitation,
                format!(
                    "invitation {hash} names client {:?}, its contact is under {client}",
                    s(invite, "client_id")
                ),
            );
        }
    }
    // Accepting consumes the invitation and activates the contact in one transaction, and
    // nothing but a deletion takes `activated_at` away again.
    for (hash, invite) in &t.invitations {
        let (Some(tenant), Some(contact)) = (s(invite, "tenant_id"), s(invite, "contact_id")) else {
            continue;
        };
        let accepted = t
            .contacts
            .iter()
            .find(|c| c.tenant == tenant && c.id == contact)
            .map(|c| s(c.item, "activated_at").is_some());
        if s(invite, "used_at").is_some() && accepted == Some(false) {
            found.add(
                Rule::Invitation,
                format!("invitation {hash} was used, yet its contact {contact} was never activated"),
            );
        }
    }
}
