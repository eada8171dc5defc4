//! What must always hold in the table, whatever happened before: the invariant checker every
//! integration test ends with (explicitly, and again when its `TestApi` is dropped).

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;

type Item = HashMap<String, AttributeValue>;

/// The tenant of a contact item (`PK = TENANT#<tenant>#CLIENT#<client>`).
fn tenant_of(item: &Item) -> &str {
    s(item, "PK").and_then(|pk| pk.split('#').nth(1)).unwrap_or_default()
}

fn s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

fn num(item: &Item, name: &str) -> u64 {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Scans the table and checks what must always hold, whatever happened before:
/// - every email marker points to an existing contact with that email, and every contact with
///   an email has exactly its marker;
/// - every client's `contact_count` is exact, and a client with contacts has exactly one
///   primary, which its `primary_contact_id` names;
/// - no line manager link points to a missing contact, and `report_count` (and `report_ids`,
///   where the item has them) is exact;
/// - an invitation is live only while its contact holds its hash, and only an `invited`
///   contact holds one, whose invitation exists, is unused and names it (so no deleted or
///   revoked contact has a live invitation);
/// - every portal credential belongs to an existing contact.
pub fn check(items: &[Item]) {
    let entity = |i: &Item, e: &str| s(i, "entity") == Some(e);
    let contacts: Vec<_> = items.iter().filter(|i| entity(i, "contact")).collect();
    let markers: Vec<_> = items.iter().filter(|i| entity(i, "email")).collect();
    let clients: Vec<_> = items.iter().filter(|i| entity(i, "client")).collect();

    let contact_by_id: HashMap<&str, _> = contacts.iter().map(|c| (s(c, "id").unwrap(), *c)).collect();
    for m in &markers {
        let owner = contact_by_id
            .get(s(m, "contact_id").unwrap())
            .unwrap_or_else(|| panic!("marker without contact: {m:?}"));
        let email = s(owner, "email").expect("marker owner has an email");
        assert_eq!(
            email.to_lowercase(),
            s(m, "email").unwrap().to_lowercase(),
            "marker matches owner's email"
        );
    }
    let with_email = contacts.iter().filter(|c| s(c, "email").is_some()).count();
    assert_eq!(markers.len(), with_email, "one marker per contact with an email");
    let keys: HashSet<(&str, String)> =
        contacts.iter().filter_map(|c| Some((tenant_of(c), s(c, "email")?.to_lowercase()))).collect();
    assert_eq!(keys.len(), with_email, "emails unique per tenant");

    for client in &clients {
        let id = s(client, "id").unwrap();
        let own: Vec<_> = contacts.iter().filter(|c| s(c, "client_id") == Some(id)).collect();
        assert_eq!(num(client, "contact_count"), own.len() as u64, "contact_count of {id}");
        let primaries: Vec<_> = own
            .iter()
            .filter(|c| c.get("is_primary").and_then(|v| v.as_bool().ok()) == Some(&true))
            .collect();
        if own.is_empty() {
            assert!(primaries.is_empty());
            assert_eq!(s(client, "primary_contact_id"), None, "no primary id without contacts");
        } else {
            assert_eq!(primaries.len(), 1, "exactly one primary in client {id}");
            assert_eq!(s(client, "primary_contact_id"), s(primaries[0], "id"), "primary_contact_id agrees");
        }
    }
    for c in &contacts {
        let id = s(c, "id").unwrap();
        if let Some(manager) = s(c, "line_manager_id") {
            let m = contact_by_id
                .get(manager)
                .unwrap_or_else(|| panic!("line manager {manager} of {id} is missing"));
            assert_eq!(s(m, "client_id"), s(c, "client_id"), "manager in the same client");
        }
        let reports: HashSet<&str> = contacts
            .iter()
            .filter(|r| s(r, "line_manager_id") == Some(id))
            .map(|r| s(r, "id").unwrap())
            .collect();
        assert_eq!(num(c, "report_count"), reports.len() as u64, "report_count of {id}");
        // Absent only on items written before report ids were kept (the legacy specs).
        if let Some(ids) = c.get("report_ids") {
            let ids: HashSet<&str> =
                ids.as_ss().expect("report_ids is a string set").iter().map(String::as_str).collect();
            assert_eq!(ids, reports, "report_ids of {id}");
        }
    }

    let invites: HashMap<&str, _> =
        items.iter().filter(|i| entity(i, "invite")).map(|i| (s(i, "PK").unwrap(), i)).collect();
    for c in &contacts {
        let id = s(c, "id").unwrap();
        if let Some(hash) = s(c, "invite_hash") {
            assert_eq!(
                s(c, "portal_status"),
                Some("invited"),
                "only an invited contact holds an invitation: {id}"
            );
            let invite = invites
                .get(format!("INVITE#{hash}").as_str())
                .unwrap_or_else(|| panic!("the invitation of {id} is missing"));
            assert_eq!(s(invite, "contact_id"), Some(id), "the invitation names its contact");
            assert_eq!(s(invite, "used_at"), None, "a pending invitation is unused");
        }
    }
    for credential in items.iter().filter(|i| entity(i, "credential")) {
        let owner = s(credential, "contact_id").unwrap();
        assert!(contact_by_id.contains_key(owner), "credential of missing contact {owner}");
    }
}
