//! The sweep index is write-sharded: each sweepable contact sits in one of 16 index partitions
//! chosen from its id, and the sweep reads each partition's due range, so it still acts on
//! every due contact, whatever its shard, and on those indexed before the index was sharded.

use std::collections::BTreeSet;

use serde_json::Value;
use shared::domain::sweep::{sweep_partition, SWEEP_SHARDS};
use shared::domain::ContactId;
use shared::sweep::sweep;
use testkit::TestApi;
use time::Duration;

use crate::invariants::{contact_key, s, update_raw};
use crate::support::{assert_invariants, day, given_client, given_invited_with, unique_email};

fn shard_of(contact: &Value) -> String {
    sweep_partition(ContactId::parse(contact["id"].as_str().expect("id")).expect("contact id"))
}

/// The partition and sort key the contact is indexed under, if any.
async fn index_keys(api: &TestApi, contact: &Value) -> Option<(String, String)> {
    let items = api.scan().await;
    let item = items.iter().find(|i| i.get("id") == Some(&s(contact["id"].as_str().unwrap())))?;
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    Some((text("GSI1PK")?, text("GSI1SK")?))
}

#[tokio::test]
async fn the_sweep_revokes_every_due_contact_whatever_its_shard() {
    // Given invited contacts whose support ends tomorrow, at least one in every shard
    let (api, proxy) = TestApi::behind_proxy().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let mut contacts = Vec::new();
    let mut shards = BTreeSet::new();
    while shards.len() < SWEEP_SHARDS as usize {
        assert!(contacts.len() < 400, "ids reach every shard long before: {shards:?}");
        let portal = serde_json::json!({ "support_end": day(1) });
        let contact = given_invited_with(&api, &acme, &unique_email("shard"), portal).await;
        assert_eq!(index_keys(&api, &contact).await.map(|(pk, _)| pk), Some(shard_of(&contact)));
        shards.insert(shard_of(&contact));
        contacts.push(contact);
    }

    // When the sweep runs after their support ended
    api.clock.advance(Duration::days(3));
    proxy.take_calls();
    let report = sweep(&api.app, None).await.unwrap();

    // Then each is revoked, once, with one query per partition (the 16 shards and the
    // unsharded one), and no contact is left in the index
    assert_eq!((report.revoked, report.failed), (contacts.len() as u32, 0), "{report:?}");
    assert_eq!(report.items_read, contacts.len() as u32);
    let queries = proxy.take_calls().iter().filter(|c| c.operation == "Query").count();
    assert_eq!(queries, SWEEP_SHARDS as usize + 1);
    for contact in &contacts {
        assert_eq!(index_keys(&api, contact).await, None, "{}", contact["id"]);
    }
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_contact_indexed_before_the_index_was_sharded_is_still_swept_and_moves_to_its_shard() {
    // Given an invited contact whose reminder is due, indexed under the one partition every
    // sweepable contact had before sharding
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let portal = serde_json::json!({ "support_end": day(20) });
    let contact = given_invited_with(&api, &acme, &unique_email("unsharded"), portal).await;
    let (pk, sk) = contact_key(&acme, &contact);
    update_raw(&api, (&pk, &sk), "SET GSI1PK = :p", &[(":p", s("SWEEP"))]).await;

    // When the sweep runs once the reminder is due
    api.clock.advance(Duration::days(7));
    let report = sweep(&api.app, None).await.unwrap();

    // Then it is reminded, and waits for its revocation in its own shard
    assert_eq!((report.reminded, report.failed), (1, 0), "{report:?}");
    let (partition, key) = index_keys(&api, &contact).await.expect("still indexed");
    assert_eq!(partition, shard_of(&contact));
    assert!(key.contains("#REVOKE#"), "{key}");
    assert_invariants(&api).await;
}
