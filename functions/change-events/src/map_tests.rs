use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use time::OffsetDateTime;

use super::*;
use shared::config::InternalNotes;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

const CLIENT: &str = "01JC0000000000000000000000";
const ADA: &str = "01JD0000000000000000000000";

fn contact(extra: &[(&str, AttributeValue)]) -> Item {
    let mut item = Item::from([
        ("PK".to_owned(), s(&format!("TENANT#acme#CLIENT#{CLIENT}"))),
        ("SK".to_owned(), s(&format!("CONTACT#{ADA}"))),
        ("entity".to_owned(), s("contact")),
        ("id".to_owned(), s(ADA)),
        ("client_id".to_owned(), s(CLIENT)),
        ("created_at".to_owned(), s("2026-11-28T09:00:00Z")),
        ("created_by".to_owned(), s("user-1")),
        ("last_name".to_owned(), s("Lovelace")),
        ("email".to_owned(), s("ada@example.com")),
        ("portal_status".to_owned(), s("none")),
        ("version".to_owned(), AttributeValue::N("1".into())),
        ("updated_at".to_owned(), s("2026-11-28T10:00:00.123456Z")),
        ("updated_by".to_owned(), s("user-1")),
    ]);
    item.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    item
}

fn change(old: Option<Item>, new: Option<Item>) -> StreamChange {
    StreamChange {
        event_id: "ev-1".into(),
        old,
        new,
        written_at: OffsetDateTime::from_unix_timestamp(1_795_860_000).unwrap(),
    }
}

fn kinds(m: &Mapped) -> Vec<&str> {
    m.events.iter().map(|e| e.kind).collect()
}

#[test]
fn a_redelivered_record_maps_to_events_with_the_same_ids() {
    let record = change(Some(contact(&[])), Some(contact(&[("email", s("new@example.com"))])));

    let (first, again) =
        (map(&record, InternalNotes::Withheld).unwrap(), map(&record, InternalNotes::Withheld).unwrap());

    assert_eq!(first.events, again.events);
    assert_eq!(first.events[0].id, "ev-1:contact.email_changed");
}

#[test]
fn changes_of_derived_attributes_alone_map_to_nothing() {
    let derived = [
        ("version", AttributeValue::N("2".into())),
        ("updated_at", s("2026-11-28T11:00:00Z")),
        ("report_count", AttributeValue::N("1".into())),
        ("report_ids", AttributeValue::Ss(vec!["x".into()])),
        ("GSI1PK", s("SWEEP")),
        ("GSI1SK", s("2026-12-01#x")),
        ("GSI2SK", s("lovelace\u{1}")),
        ("invite_hash", s("abc")),
        ("is_primary", AttributeValue::Bool(true)),
    ];

    let mapped = map(&change(Some(contact(&[])), Some(contact(&derived))), InternalNotes::Withheld).unwrap();

    assert!(mapped.events.is_empty() && mapped.activity.is_empty(), "{mapped:?}");
}

#[test]
fn a_new_contacts_event_carries_the_fields_a_user_sets_but_not_the_name_index_key() {
    let new = contact(&[("GSI2SK", s("lovelace\u{1}"))]);

    let mapped = map(&change(None, Some(new)), InternalNotes::Withheld).unwrap();

    let created = &mapped.events[0].data["contact"];
    assert_eq!(created["last_name"], "Lovelace");
    assert!(created.get(keys::NAME_SK).is_none(), "{created}");
}

#[test]
fn an_email_and_another_field_changed_together_are_one_email_event_and_one_update() {
    let new = contact(&[("email", s("new@example.com")), ("job_title", s("CFO"))]);

    let mapped = map(&change(Some(contact(&[])), Some(new)), InternalNotes::Withheld).unwrap();

    assert_eq!(kinds(&mapped), ["contact.email_changed", "contact.updated"]);
    assert_eq!(
        mapped.events[1].data,
        json!({"changes": [{"field": "job_title", "old": null, "new": "CFO"}]})
    );
    assert_eq!(mapped.activity.len(), 1);
    let fields = vec!["email".to_owned(), "job_title".to_owned()];
    assert_eq!(mapped.activity[0].kind, ChangeKind::FieldsChanged(fields));
    assert_eq!(mapped.activity[0].actor.as_deref(), Some("user-1"));
}

/// The record a deletion writes beside the deleted contact (`contact: true`) or client.
fn deletion_record(contact: bool) -> Item {
    let (pk, sk) = match contact {
        true => (format!("TENANT#acme#CLIENT#{CLIENT}"), format!("DELETED#CONTACT#{ADA}")),
        false => ("TENANT#acme".to_owned(), format!("DELETED#CLIENT#{CLIENT}")),
    };
    let mut item = Item::from([
        ("PK".to_owned(), s(&pk)),
        ("SK".to_owned(), s(&sk)),
        ("entity".to_owned(), s("deletion")),
        ("tenant_id".to_owned(), s("acme")),
        ("client_id".to_owned(), s(CLIENT)),
        ("deleted_by".to_owned(), s("deleter")),
        ("deleted_at".to_owned(), s("2026-11-28T12:00:00.5Z")),
        ("expires_at".to_owned(), AttributeValue::N("1795953600".into())),
    ]);
    if contact {
        item.insert("contact_id".to_owned(), s(ADA));
    }
    item
}

#[test]
fn a_removed_contact_erases_its_activity_and_publishes_nothing() {
    let mapped = map(&change(Some(contact(&[])), None), InternalNotes::Withheld).unwrap();

    assert!(mapped.events.is_empty(), "{mapped:?}");
    let erased = mapped.erase_activity_of.map(|(t, c)| (t.to_string(), c.to_string()));
    assert_eq!(erased, Some(("acme".to_owned(), ADA.to_owned())));
}

#[test]
fn a_contacts_deletion_record_maps_to_its_deletion_by_the_deleter_carrying_only_ids() {
    let mapped = map(&change(None, Some(deletion_record(true))), InternalNotes::Withheld).unwrap();

    assert_eq!(kinds(&mapped), ["contact.deleted"]);
    let event = &mapped.events[0];
    assert_eq!(event.id, "ev-1:contact.deleted");
    assert_eq!((event.actor.as_deref(), event.at.as_str()), (Some("deleter"), "2026-11-28T12:00:00.5Z"));
    assert_eq!(
        (event.tenant_id.as_str(), event.client_id.as_str(), event.contact_id.as_deref()),
        ("acme", CLIENT, Some(ADA))
    );
    assert_eq!(event.data, json!({}));
    assert!(mapped.activity.is_empty() && mapped.erase_activity_of.is_none());
}

#[test]
fn a_clients_deletion_record_maps_to_its_deletion_by_the_deleter() {
    let mapped = map(&change(None, Some(deletion_record(false))), InternalNotes::Withheld).unwrap();

    assert_eq!(kinds(&mapped), ["client.deleted"]);
    let event = &mapped.events[0];
    assert_eq!((event.actor.as_deref(), event.contact_id.as_deref()), (Some("deleter"), None));
    assert_eq!((event.client_id.as_str(), &event.data), (CLIENT, &json!({})));
}

#[test]
fn a_removed_client_maps_to_nothing() {
    let client = Item::from([
        ("PK".to_owned(), s("TENANT#acme")),
        ("SK".to_owned(), s(&format!("CLIENT#{CLIENT}"))),
        ("entity".to_owned(), s("client")),
        ("updated_at".to_owned(), s("2026-11-28T10:00:00Z")),
    ]);

    let mapped = map(&change(Some(client), None), InternalNotes::Withheld).unwrap();

    assert!(mapped.events.is_empty(), "{mapped:?}");
}

#[test]
fn a_deletion_records_expiry_and_changes_map_to_nothing() {
    let expired = change(Some(deletion_record(true)), None);
    let changed = change(Some(deletion_record(false)), Some(deletion_record(false)));

    for record in [expired, changed] {
        let mapped = map(&record, InternalNotes::Withheld).unwrap();
        assert!(mapped.events.is_empty() && mapped.erase_activity_of.is_none(), "{mapped:?}");
    }
}

#[test]
fn a_deletion_record_under_keys_that_are_not_the_services_is_unmappable() {
    let mut item = deletion_record(true);
    item.insert("PK".into(), s("TENANT#acme"));

    assert!(map(&change(None, Some(item)), InternalNotes::Withheld).is_err());
}

#[test]
fn items_other_than_contacts_and_clients_map_to_nothing() {
    let marker = Item::from([
        ("PK".to_owned(), s("TENANT#acme#EMAIL#ada@example.com")),
        ("SK".to_owned(), s("EMAIL")),
        ("entity".to_owned(), s("email")),
    ]);

    let mapped = map(&change(None, Some(marker)), InternalNotes::Withheld).unwrap();

    assert!(mapped.events.is_empty());
}

#[test]
fn a_contact_item_under_keys_that_are_not_the_services_is_unmappable() {
    let mut item = contact(&[]);
    item.insert("PK".into(), s("TENANT#acme#CLIENT#not-an-id"));

    assert!(map(&change(None, Some(item)), InternalNotes::Withheld).is_err());
}

fn note(text: &str, version: &str) -> Item {
    Item::from([
        ("PK".to_owned(), s(&format!("TENANT#acme#CONTACT#{ADA}#ACTIVITY"))),
        ("SK".to_owned(), s("AT#2026-12-07T10:00:00.000Z#NOTE#01JN0000000000000000000000")),
        ("entity".to_owned(), s("activity")),
        ("tenant_id".to_owned(), s("acme")),
        ("client_id".to_owned(), s(CLIENT)),
        ("contact_id".to_owned(), s(ADA)),
        ("kind".to_owned(), s("note")),
        ("note_id".to_owned(), s("01JN0000000000000000000000")),
        ("note_kind".to_owned(), s("call")),
        ("text".to_owned(), s(text)),
        ("actor".to_owned(), s("author-1")),
        ("created_at".to_owned(), s("2026-12-07T10:00:00Z")),
        ("updated_at".to_owned(), s("2026-12-07T11:00:00Z")),
        ("updated_by".to_owned(), s("editor-1")),
        ("version".to_owned(), AttributeValue::N(version.into())),
    ])
}

#[test]
fn a_note_written_changed_and_deleted_publishes_its_ids_and_kind_never_its_text() {
    let added = map(&change(None, Some(note("Asked about renewal", "1"))), InternalNotes::Published).unwrap();
    let edited = change(Some(note("Asked about renewal", "1")), Some(note("Will renew", "2")));
    let changed = map(&edited, InternalNotes::Published).unwrap();
    let deleted = map(&change(Some(note("Will renew", "2")), None), InternalNotes::Published).unwrap();

    assert_eq!(kinds(&added), ["contact.note_added"]);
    assert_eq!(
        (added.events[0].actor.as_deref(), added.events[0].at.as_str()),
        (Some("author-1"), "2026-12-07T10:00:00Z")
    );
    assert_eq!(added.events[0].contact_id.as_deref(), Some(ADA));
    assert_eq!(added.events[0].data, json!({ "note_id": "01JN0000000000000000000000", "note_kind": "call" }));
    assert_eq!(kinds(&changed), ["contact.note_changed"]);
    assert_eq!(changed.events[0].actor.as_deref(), Some("editor-1"));
    assert_eq!(changed.events[0].data["fields"], json!(["text"]));
    assert_eq!(kinds(&deleted), ["contact.note_deleted"]);
    for event in [&added.events[0], &changed.events[0], &deleted.events[0]] {
        let published = event.detail().to_string();
        assert!(!published.contains("renew"), "{published}");
    }
}

#[test]
fn a_history_entry_that_is_not_a_note_publishes_nothing() {
    let mut email = note("x", "1");
    email.insert("kind".into(), s("email"));

    let mapped = map(&change(None, Some(email)), InternalNotes::Withheld).unwrap();

    assert!(mapped.events.is_empty() && mapped.activity.is_empty(), "{mapped:?}");
}

#[test]
fn every_contact_record_carries_the_contact_before_and_after_for_its_duplicate_keys() {
    let phone = [("phone", s("+12025550143"))];
    let added = map(&change(None, Some(contact(&phone))), InternalNotes::Withheld).unwrap();
    let removed = map(&change(Some(contact(&phone)), None), InternalNotes::Withheld).unwrap();

    let (tenant, before, after) = added.duplicate_keys.expect("an add's keys");
    assert_eq!((tenant.as_str(), before.is_none()), ("acme", true));
    assert_eq!(
        after.expect("the new contact").fields.phone.map(|p| p.as_str().to_owned()).as_deref(),
        Some("+12025550143")
    );
    let (_, before, after) = removed.duplicate_keys.expect("a removal's keys");
    assert!(before.is_some() && after.is_none());
}

#[test]
fn a_contact_image_that_is_not_a_whole_contact_still_maps_its_events_and_leaves_its_keys() {
    let mut partial = contact(&[]);
    partial.remove("created_at");

    let mapped = map(&change(None, Some(partial)), InternalNotes::Withheld).unwrap();

    assert_eq!(kinds(&mapped), ["contact.created"]);
    assert!(mapped.duplicate_keys.is_none());
}

/// A record of contact Ada's archive, restore or merge into `SURVIVOR`
/// (`shared::store::deletions`), by `archiver`.
fn relocation_record(kind: Relocation, portal: (&str, &str)) -> Item {
    let stamp = shared::domain::Stamp { at: "2026-12-07T10:00:00Z".into(), by: "archiver".into() };
    let (client, contact) = (ClientId::parse(CLIENT).unwrap(), ContactId::parse(ADA).unwrap());
    let portal = (portal.0.parse().unwrap(), portal.1.parse().unwrap());
    let record = shared::store::deletions::MoveRecord {
        kind,
        contact,
        version: 3,
        from: client,
        to: client,
        portal,
        stamp: &stamp,
    };
    shared::store::deletions::move_item(&TenantId::parse("acme").unwrap(), &record)
}

#[test]
fn an_archive_record_is_contact_archived_with_the_end_of_portal_access_and_no_field_change() {
    let record = relocation_record(Relocation::Archive, ("active", "revoked"));

    let mapped = map(&change(None, Some(record)), InternalNotes::Withheld).unwrap();

    assert_eq!(kinds(&mapped), ["contact.archived", "contact.portal_status_changed"]);
    let event = &mapped.events[0];
    assert_eq!(
        (event.actor.as_deref(), event.contact_id.as_deref(), &event.data),
        (Some("archiver"), Some(ADA), &json!({}))
    );
    assert!(mapped.rehome.is_none(), "an archive keeps the contact's history where it is");
    let entries: Vec<&ChangeKind> = mapped.activity.iter().map(|a| &a.kind).collect();
    assert!(matches!(entries[..], [ChangeKind::Archived, ChangeKind::PortalStatus { .. }]), "{mapped:?}");
}

#[test]
fn a_restore_record_is_contact_restored_and_the_restored_item_is_no_new_contact() {
    let record = relocation_record(Relocation::Restore, ("none", "none"));
    let restored = contact(&[("restored_at", s("2026-12-07T10:00:00Z"))]);

    let events = map(&change(None, Some(record)), InternalNotes::Withheld).unwrap();
    let arrival = map(&change(None, Some(restored)), InternalNotes::Withheld).unwrap();

    assert_eq!(kinds(&events), ["contact.restored"]);
    assert!(matches!(events.activity[..], [ActivityChange { kind: ChangeKind::Restored, .. }]), "{events:?}");
    assert!(arrival.events.is_empty(), "{arrival:?}");
    assert!(arrival.duplicate_keys.is_some(), "its duplicate keys come back with it");
}

#[test]
fn an_archived_items_removal_erases_as_a_contacts_unless_its_restore_record_says_otherwise() {
    let mut archived =
        contact(&[("entity", s("archived_contact")), ("version", AttributeValue::N("4".into()))]);
    archived.insert("SK".to_owned(), s(&format!("ARCHIVED#CONTACT#{ADA}")));

    let removed = map(&change(Some(archived.clone()), None), InternalNotes::Withheld).unwrap();
    let kept = map(&change(None, Some(archived)), InternalNotes::Withheld).unwrap();

    assert!(removed.events.is_empty(), "{removed:?}");
    let erased = removed.erase_activity_of.map(|(t, c)| (t.to_string(), c.to_string()));
    assert_eq!(erased, Some(("acme".to_owned(), ADA.to_owned())));
    assert_eq!(removed.removed.map(|(c, v)| (c.to_string(), v)), Some((CLIENT.to_owned(), 4)));
    assert!(removed.duplicate_keys.is_none(), "its keys went when it was archived");
    assert!(kept.events.is_empty() && kept.erase_activity_of.is_none() && kept.duplicate_keys.is_none());
}

const SURVIVOR: &str = "01JD0000000000000000000001";

#[test]
fn a_merge_record_is_contact_merged_of_the_survivor_naming_both_and_moves_the_history() {
    let into = ContactId::parse(SURVIVOR).unwrap();
    let record = relocation_record(Relocation::Merge { into }, ("active", "active"));

    let mapped = map(&change(None, Some(record)), InternalNotes::Withheld).unwrap();

    assert_eq!(kinds(&mapped), ["contact.merged"]);
    let event = &mapped.events[0];
    assert_eq!((event.actor.as_deref(), event.contact_id.as_deref()), (Some("archiver"), Some(SURVIVOR)));
    assert_eq!(event.data, json!({"survivor_contact_id": SURVIVOR, "merged_contact_id": ADA}));
    let history = mapped
        .merge_history
        .map(|(t, m, (c, s))| (t.to_string(), m.to_string(), c.to_string(), s.to_string()));
    assert_eq!(history, Some(("acme".into(), ADA.into(), CLIENT.into(), SURVIVOR.into())));
    assert!(mapped.activity.is_empty() && mapped.erase_activity_of.is_none());
}

#[test]
fn a_note_moved_by_a_merge_is_neither_added_nor_deleted() {
    let mut original = note("Met at the fair", "1");
    original.insert("merged_into".to_owned(), s(SURVIVOR));
    let mut copy = note("Met at the fair", "1");
    copy.insert("merged_from".to_owned(), s(ADA));

    let marked =
        map(&change(Some(note("Met at the fair", "1")), Some(original.clone())), InternalNotes::Withheld);
    let copied = map(&change(None, Some(copy)), InternalNotes::Withheld).unwrap();
    let removed = map(&change(Some(original), None), InternalNotes::Withheld).unwrap();

    assert!(marked.unwrap().events.is_empty());
    assert!(copied.events.is_empty(), "{copied:?}");
    assert!(removed.events.is_empty(), "{removed:?}");
}

#[test]
fn a_note_a_merge_moved_is_deleted_as_any_note_later() {
    let mut moved = note("Met at the fair", "1");
    moved.insert("merged_from".to_owned(), s(ADA));

    let deleted = map(&change(Some(moved), None), InternalNotes::Withheld).unwrap();

    assert_eq!(kinds(&deleted), ["contact.note_deleted"]);
}
