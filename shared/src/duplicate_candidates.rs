//! Duplicate candidates of a tenant (`domain::duplicates`): its duplicate keys read in key
//! order, a bounded window per call, grouped by key; each group's contacts read and checked
//! against the key they are listed under (the keys follow changes within seconds), then paired.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::duplicates::{self, DuplicateRule};
use crate::domain::{ClientId, ContactId, TenantId};
use crate::store::duplicates::{duplicate_sk, DuplicateKey};
use crate::store::{Store, StoreResult, TenantContact};

/// Keys read per call, at most: the cost of a call, whatever the tenant's size.
pub const KEYS_PER_CALL: i32 = 1000;
/// Contacts of one key paired, at most (the first by id): 45 pairs.
pub const MAX_GROUP: usize = 10;

/// Two contacts that are likely one person, and the rule that says so.
pub struct Candidate {
    pub rule: DuplicateRule,
    pub pair: [TenantContact; 2],
}

/// A window of candidates, and the sort key to go on after.
pub struct Candidates {
    pub items: Vec<Candidate>,
    pub last_sort_key: Option<String>,
}

/// Keys of one rule and value, in key order.
type Group = ((DuplicateRule, String), Vec<(ClientId, ContactId)>);

/// Groups a window of keys; a last group the window may have cut is left to the next window
/// (unless it is the only one: a group larger than a window is paired as far as it goes).
fn groups(keys: Vec<DuplicateKey>, more: bool) -> (Vec<Group>, Option<String>) {
    let mut groups: Vec<Group> = Vec::new();
    for k in keys {
        match groups.last_mut() {
            Some(((rule, key), members)) if *rule == k.rule && *key == k.key => {
                members.push((k.client, k.contact))
            }
            _ => groups.push(((k.rule, k.key), vec![(k.client, k.contact)])),
        }
    }
    if more && groups.len() > 1 {
        groups.pop();
    }
    let last = groups.last().and_then(|((rule, key), members)| {
        members.last().map(|(_, contact)| duplicate_sk(*rule, key, *contact))
    });
    (groups, if more { last } else { None })
}

/// The candidates among the tenant's keys (of `rule` only, when given) after `after`.
pub async fn candidates(
    store: &Store,
    tenant: &TenantId,
    rule: Option<DuplicateRule>,
    after: Option<String>,
) -> StoreResult<Candidates> {
    let page = store.duplicate_key_page(tenant, rule, KEYS_PER_CALL, after).await?;
    let (groups, last_sort_key) = groups(page.keys, page.last_sort_key.is_some());
    let groups: Vec<Group> = groups.into_iter().filter(|(_, m)| m.len() > 1).collect();
    let wanted: BTreeSet<(ClientId, ContactId)> =
        groups.iter().flat_map(|(_, members)| members.iter().take(MAX_GROUP).copied()).collect();
    let contacts = store.contacts_at(tenant, wanted).await?;
    let shown: BTreeMap<ContactId, TenantContact> =
        store.with_client_names(tenant, contacts).await?.into_iter().map(|c| (c.contact.id, c)).collect();
    let mut items = Vec::new();
    for ((rule, key), members) in groups {
        // Only contacts that are where the key says and still have it: a change the keys have
        // not followed yet pairs nothing.
        let holders: Vec<&TenantContact> = (members.iter().take(MAX_GROUP))
            .filter_map(|(client, id)| shown.get(id).filter(|c| c.contact.client_id == *client))
            .filter(|c| duplicates::keys(&c.contact).contains(&(rule, key.clone())))
            .collect();
        for (i, a) in holders.iter().enumerate() {
            for b in &holders[i + 1..] {
                items.push(Candidate { rule, pair: [(*a).clone(), (*b).clone()] });
            }
        }
    }
    Ok(Candidates { items, last_sort_key })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(rule: DuplicateRule, key: &str, contact: ContactId) -> DuplicateKey {
        DuplicateKey { rule, key: key.to_owned(), client: ClientId::generate(), contact }
    }

    #[test]
    fn a_window_that_may_have_cut_its_last_key_leaves_that_key_to_the_next_window() {
        let (a, b, c) = (ContactId::generate(), ContactId::generate(), ContactId::generate());
        let window = vec![
            key(DuplicateRule::Phone, "+1", a),
            key(DuplicateRule::Phone, "+1", b),
            key(DuplicateRule::Phone, "+2", c),
        ];

        let (groups, after) = groups(window, true);

        assert_eq!(groups.len(), 1, "the +2 group may go on in the next window");
        assert_eq!(groups[0].1.len(), 2);
        assert_eq!(after, Some(duplicate_sk(DuplicateRule::Phone, "+1", groups[0].1[1].1)));
    }

    #[test]
    fn the_last_window_keeps_every_key_and_ends_the_list() {
        let (a, b) = (ContactId::generate(), ContactId::generate());
        let window = vec![key(DuplicateRule::Name, "x", a), key(DuplicateRule::Email, "y", b)];

        let (groups, after) = groups(window, false);

        assert_eq!((groups.len(), after), (2, None));
    }

    #[test]
    fn a_key_larger_than_a_window_is_paired_as_far_as_it_goes() {
        let ids: Vec<ContactId> = (0..3).map(|_| ContactId::generate()).collect();
        let window = ids.iter().map(|id| key(DuplicateRule::Phone, "+1", *id)).collect();

        let (groups, after) = groups(window, true);

        assert_eq!((groups.len(), groups[0].1.len()), (1, 3));
        assert_eq!(after, Some(duplicate_sk(DuplicateRule::Phone, "+1", ids[2])));
    }
}
