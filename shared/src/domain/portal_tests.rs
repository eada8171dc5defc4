//! Specs of the portal rules (`portal.rs`).
use super::*;
use crate::domain::contact::{Audit, ContactFields, PortalState, Stamp};
use crate::domain::{ClientId, ContactId};
use serde_json::json;
use time::macros::date;

const TODAY: Date = date!(2026 - 06 - 15);

fn contact(status: PortalStatus, start: Option<Date>, end: Option<Date>) -> Contact {
    let body = json!({ "last_name": "Lovelace", "email": "ada@x.test" });
    let patch = ContactPatch::parse(
        body.as_object().unwrap().clone(),
        PhoneRegion::default(),
        &Default::default(),
        true,
    )
    .unwrap();
    let mut fields = ContactFields::create(patch).unwrap();
    fields.support_start = start;
    fields.support_end = end;
    Contact {
        id: ContactId::generate(),
        client_id: ClientId::generate(),
        fields,
        is_primary: true,
        portal: PortalState { status, ..PortalState::default() },
        email_delivery: Default::default(),
        project_count: 0,
        tag_ids: Vec::new(),
        audit: Audit::new(&Stamp { at: "2026-01-01T00:00:00Z".into(), by: "u".into() }),
    }
}

#[test]
fn an_active_contact_within_its_window_may_use_the_portal_on_both_end_days() {
    for (start, end) in [(Some(TODAY), Some(TODAY)), (None, None), (Some(date!(2026 - 01 - 01)), None)] {
        let ada = contact(PortalStatus::Active, start, end);
        assert_eq!(check_access(Some(&ada), TODAY), Ok(&ada), "{start:?}..{end:?}");
    }
}

#[test]
fn a_contact_that_is_gone_may_not() {
    assert_eq!(check_access(None, TODAY), Err(PortalRefusal::Gone));
}

#[test]
fn a_contact_whose_status_is_not_active_may_not_even_within_its_window() {
    for status in [PortalStatus::None, PortalStatus::Invited, PortalStatus::Revoked] {
        let ada = contact(status, None, None);
        assert_eq!(check_access(Some(&ada), TODAY), Err(PortalRefusal::NotActive), "{status}");
    }
}

#[test]
fn an_active_contact_outside_its_window_may_not() {
    let early = contact(PortalStatus::Active, Some(date!(2026 - 06 - 16)), None);
    assert_eq!(
        check_access(Some(&early), TODAY),
        Err(PortalRefusal::SupportNotStarted(date!(2026 - 06 - 16)))
    );
    let late = contact(PortalStatus::Active, None, Some(date!(2026 - 06 - 14)));
    assert_eq!(check_access(Some(&late), TODAY), Err(PortalRefusal::SupportEnded(date!(2026 - 06 - 14))));
}

#[test]
fn a_refusal_for_the_support_window_names_its_day() {
    assert_eq!(
        PortalRefusal::SupportEnded(date!(2026 - 06 - 14)).to_string(),
        "this contact's support has ended (on 2026-06-14)"
    );
    assert_eq!(
        PortalRefusal::SupportNotStarted(date!(2026 - 06 - 16)).to_string(),
        "this contact's support has not started yet (it starts on 2026-06-16)"
    );
}

#[test]
fn each_refusal_has_a_stable_problem_code() {
    let codes: Vec<&str> = [
        PortalRefusal::Gone,
        PortalRefusal::NotActive,
        PortalRefusal::SupportNotStarted(TODAY),
        PortalRefusal::SupportEnded(TODAY),
    ]
    .iter()
    .map(|r| r.code())
    .collect();
    assert_eq!(
        codes,
        ["portal-not-active", "portal-not-active", "portal-support-not-started", "portal-support-ended"]
    );
}

fn self_service(body: serde_json::Value) -> Result<ContactPatch, DomainError> {
    self_service_patch(body.as_object().unwrap().clone(), PhoneRegion::default())
}

fn invalid_fields(result: Result<ContactPatch, DomainError>) -> Vec<String> {
    match result {
        Err(DomainError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected 422, got {other:?}"),
    }
}

#[test]
fn a_contact_may_change_its_names_title_phones_and_address() {
    let patch = self_service(json!({
        "salutation": "Dr.", "first_name": "Ada", "last_name": "King", "job_title": "CTO",
        "mobile": "+1 202 555 0101", "phone": null, "secondary_phone": null,
        "address": { "city": "London", "country": "GB" }
    }))
    .unwrap();
    assert_eq!(patch.job_title, crate::domain::Patch::Set(crate::domain::Text::from_stored("CTO".into())));
    assert!(patch.email.is_absent() && patch.permissions.is_absent());
}

#[test]
fn every_other_field_is_refused_by_name_with_the_bad_values_of_allowed_ones() {
    let fields = invalid_fields(self_service(json!({
        "email": "new@x.test", "permissions": ["support"], "portal": { "status": "revoked" },
        "is_primary": true, "notifications": [], "department": "IT", "mobile": "not a phone",
        "unknown": 1
    })));
    assert_eq!(
        fields,
        ["department", "email", "is_primary", "mobile", "notifications", "permissions", "portal", "unknown"]
    );
}

#[test]
fn a_user_signing_in_with_the_contacts_address_in_any_case_is_let_in() {
    // Given an active contact at ada@x.test
    let ada = contact(PortalStatus::Active, None, None);
    // When its user signs in with that address, in other case
    let allowed = check_sign_in(Some(&ada), Some("ADA@x.test"), TODAY);
    // Then it may
    assert_eq!(allowed.map(|c| c.id), Ok(ada.id));
}

#[test]
fn a_user_whose_address_is_no_longer_the_contacts_is_refused() {
    // Given an active contact at ada@x.test
    let ada = contact(PortalStatus::Active, None, None);
    // When a user with another address, or none, signs in as it
    for email in [Some("old@x.test"), None, Some("not an address")] {
        // Then it is refused as an address change
        assert_eq!(
            check_sign_in(Some(&ada), email, TODAY).err(),
            Some(PortalRefusal::AddressChanged),
            "{email:?}"
        );
    }
}

#[test]
fn a_contact_without_an_address_lets_no_user_in() {
    // Given an active contact whose address was cleared
    let mut ada = contact(PortalStatus::Active, None, None);
    ada.fields.email = None;
    // When its old user signs in
    let refused = check_sign_in(Some(&ada), Some("ada@x.test"), TODAY).err();
    // Then it is refused
    assert_eq!(refused, Some(PortalRefusal::AddressChanged));
}

#[test]
fn the_address_check_comes_after_the_access_rules() {
    // Given a contact whose support ended, signing in with an old address
    let ada = contact(PortalStatus::Active, None, Some(date!(2026 - 06 - 01)));
    // Then the refusal says support ended (the reason that stays after a new invitation)
    let refused = check_sign_in(Some(&ada), Some("old@x.test"), TODAY).err();
    assert_eq!(refused, Some(PortalRefusal::SupportEnded(date!(2026 - 06 - 01))));
}

fn username(tenant: &str, email: &str) -> String {
    portal_username(&TenantId::parse(tenant).unwrap(), &Email::parse(email).unwrap())
}

#[test]
fn a_portal_username_names_the_tenant_and_hides_the_address() {
    // Given a tenant and an address
    let name = username("acme", "Ada.Lovelace@Example.test");
    // Then the username is the tenant, a colon and 48 hex digits of the address's hash
    let (tenant, hash) = name.split_once(':').unwrap();
    assert_eq!(tenant, "acme");
    assert_eq!(hash.len(), 48);
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{hash}");
    assert!(!name.to_lowercase().contains("lovelace"));
    // (the SHA-256 of "ada.lovelace@example.test" as `sha256sum` prints it)
    assert_eq!(hash, "3eb9ff6aeba9ec10cc46c0407437003906364055739acd8a");
}

#[test]
fn one_address_has_a_username_at_each_tenant_and_keeps_it_whatever_its_case() {
    assert_ne!(username("acme", "ada@x.test"), username("globex", "ada@x.test"));
    assert_eq!(username("acme", "ada@x.test"), username("acme", " ADA@X.test "));
    assert_ne!(username("acme", "ada@x.test"), username("acme", "ada2@x.test"));
}

#[test]
fn the_longest_tenant_still_gives_a_username_cognito_accepts() {
    // Cognito usernames hold at most 128 characters
    let longest = username(&"t".repeat(64), &format!("{}@{}.test", "a".repeat(64), "b".repeat(63)));
    assert_eq!(longest.chars().count(), 64 + 1 + 48);
}
