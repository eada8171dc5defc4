//! Specs of the item mapping: what a contact and a client become as items, and back.
use super::*;
use crate::domain::address::{Address, CountryCode};
use crate::domain::client::Website;
use crate::domain::dates::parse_stored_date;
use crate::domain::{
    Client, ClientFields, ClientId, Contact, ContactFields, ContactId, Email, NotificationTopic, Permission,
    PortalState, PortalStatus, TenantId,
};
use crate::store::StoreError;

fn text(value: &str) -> Option<Text> {
    Some(Text::from_stored(value.into()))
}

fn audit() -> Audit {
    Audit {
        version: 3,
        created_at: "2024-01-01T00:00:00Z".into(),
        updated_at: "2024-02-01T00:00:00Z".into(),
        created_by: "u1".into(),
        updated_by: "u2".into(),
    }
}

fn address() -> Address {
    Address {
        line1: text("1 Main St"),
        line2: None,
        city: text("London"),
        region: None,
        postal_code: text("N1 9GU"),
        country: Some(CountryCode::from_stored("GB".into())),
    }
}

fn contact() -> Contact {
    Contact {
        id: ContactId::generate(),
        client_id: ClientId::generate(),
        fields: ContactFields {
            salutation: text("Ms."),
            first_name: text("Ada"),
            last_name: Text::from_stored("Lovelace".into()),
            job_title: text("CFO"),
            department: None,
            description: None,
            email: Some(Email::from_stored("Ada@Example.com".into())),
            mobile: Some(PhoneNumber::from_stored("+447911123456".into())),
            phone: None,
            secondary_phone: None,
            address: Some(address()),
            line_manager_id: Some(ContactId::generate()),
            notifications: vec![NotificationTopic::Invoice, NotificationTopic::Ticket],
            permissions: vec![Permission::Support],
            support_start: parse_stored_date("2026-01-01"),
            support_end: parse_stored_date("2026-12-31"),
            // Every kind of value a custom field stores, read back as it was written.
            custom: crate::domain::custom_field::CustomValues::from_stored(
                serde_json::from_value(serde_json::json!({
                    "region": "North", "channels": ["mail", "chat"], "spend": 1200,
                    "ratio": -2.5, "vip": false, "renewal": "2027-03-01",
                }))
                .unwrap(),
            ),
        },
        is_primary: true,
        portal: PortalState { status: PortalStatus::Active, invited_at: None, activated_at: None },
        email_delivery: Default::default(),
        project_count: 0,
        tag_ids: Vec::new(),
        audit: audit(),
    }
}

fn client() -> Client {
    Client {
        id: ClientId::generate(),
        fields: ClientFields {
            name: Text::from_stored("Acme".into()),
            email: None,
            phone: Some(PhoneNumber::from_stored("+12025550143".into())),
            website: Some(Website::from_stored("https://acme.test".into())),
            address: Some(address()),
            status: crate::domain::ClientStatus::Inactive,
            sla: crate::domain::sla::Sla(
                [(
                    crate::domain::Priority::High,
                    crate::domain::sla::SlaTimes { response_minutes: 30, resolution_minutes: 240 },
                )]
                .into(),
            ),
        },
        primary_contact_id: None,
        contact_count: 0,
        archived_count: 0,
        audit: audit(),
    }
}

fn tenant() -> TenantId {
    TenantId::parse("t1").expect("valid tenant")
}

#[test]
fn a_contact_reads_back_from_its_item_as_it_was_written() {
    let contact = contact();

    let item = new_contact_item(&tenant(), &contact).unwrap();
    let read = ContactRecord::from_item(item).unwrap().into_contact().unwrap();

    assert_eq!(read, contact);
}

#[test]
fn a_contact_item_carries_its_keys_entity_and_audit() {
    let contact = contact();

    let item = new_contact_item(&tenant(), &contact).unwrap();

    assert_eq!(item["PK"], s(format!("TENANT#t1#CLIENT#{}", contact.client_id)));
    assert_eq!(item["SK"], s(format!("CONTACT#{}", contact.id)));
    assert_eq!(item["entity"], s("contact"));
    assert_eq!(item["portal_status"], s("active"));
    assert_eq!(item["version"], n(3));
    assert_eq!(item["email"], s("Ada@Example.com"), "stored as entered");
}

#[test]
fn a_contact_item_has_no_attribute_for_an_empty_field() {
    let item = contact_editable_item(&contact().fields).unwrap();

    for absent in ["department", "description", "phone", "secondary_phone"] {
        assert!(!item.contains_key(absent), "{absent} is written although empty");
    }
    let written: Vec<&String> = item.keys().collect();
    assert!(written.iter().all(|k| CONTACT_EDITABLE.contains(&k.as_str())), "{written:?}");
}

#[test]
fn a_contact_item_from_before_reports_and_portal_were_kept_reads_with_their_defaults() {
    let mut item = new_contact_item(&tenant(), &contact()).unwrap();
    item.remove("portal_status");
    item.remove("is_primary");

    let record = ContactRecord::from_item(item).unwrap();

    assert_eq!((record.report_count, record.report_ids.len(), record.invite_hash.is_none()), (0, 0, true));
    let read = record.into_contact().unwrap();
    assert_eq!(read.portal.status, PortalStatus::None);
    assert!(!read.is_primary);
}

#[test]
fn a_contact_item_with_an_invalid_id_is_an_internal_error_naming_it() {
    let mut item = new_contact_item(&tenant(), &contact()).unwrap();
    item.insert("line_manager_id".into(), s("not-an-id"));

    let err = ContactRecord::from_item(item).unwrap().into_contact().unwrap_err();

    assert!(matches!(&err, StoreError::Internal(m) if m.to_string().contains("line_manager_id")), "{err:?}");
}

#[test]
fn a_contact_item_with_an_unreadable_date_is_an_internal_error() {
    let mut item = new_contact_item(&tenant(), &contact()).unwrap();
    item.insert("support_end".into(), s("31/12/2026"));

    let err = ContactRecord::from_item(item).unwrap().into_contact().unwrap_err();

    assert!(matches!(&err, StoreError::Internal(m) if m.to_string().contains("date")), "{err:?}");
}

#[test]
fn a_client_reads_back_from_its_item_as_it_was_written() {
    let client = client();

    let item = new_client_item(&tenant(), &client).unwrap();
    let read = ClientRecord::from_item(item).unwrap().into_client().unwrap();

    assert_eq!(read, client);
}

#[test]
fn a_client_item_carries_its_keys_and_count_and_no_empty_field() {
    let client = client();

    let item = new_client_item(&tenant(), &client).unwrap();

    assert_eq!(item["PK"], s("TENANT#t1"));
    assert_eq!(item["SK"], s(format!("CLIENT#{}", client.id)));
    assert_eq!(item["entity"], s("client"));
    assert_eq!(item["contact_count"], n(0));
    assert!(!item.contains_key("email"));
    assert!(!item.contains_key("primary_contact_id"), "a client without contacts names no primary");
}

#[test]
fn a_client_item_naming_its_primary_reads_it_back() {
    let primary = ContactId::generate();
    let mut item = new_client_item(&tenant(), &Client { contact_count: 2, ..client() }).unwrap();
    item.insert("primary_contact_id".into(), s(primary.to_string()));

    let read = ClientRecord::from_item(item).unwrap().into_client().unwrap();

    assert_eq!((read.primary_contact_id, read.contact_count), (Some(primary), 2));
}

#[test]
fn a_client_item_stored_before_statuses_and_service_levels_reads_as_active_without_them() {
    let mut item = new_client_item(&tenant(), &client()).unwrap();
    item.remove("status");
    item.remove("sla");

    let read = ClientRecord::from_item(item).unwrap().into_client().unwrap();

    assert_eq!(read.fields.status, crate::domain::ClientStatus::Active);
    assert!(read.fields.sla.0.is_empty());
}

#[test]
fn an_item_missing_a_required_attribute_is_an_internal_error() {
    let mut item = new_client_item(&tenant(), &client()).unwrap();
    item.remove("name");

    assert!(matches!(ClientRecord::from_item(item), Err(StoreError::Internal(_))));
}
