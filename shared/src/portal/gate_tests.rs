//! Specs of the sign-in gate (`gate.rs`) on Cognito's own event shapes: the sample events
//! of `events/` (as Cognito sends them) and the local emulator's variant.
use super::*;
use crate::domain::contact::{Audit, ContactFields, ContactPatch, PortalState, Stamp};
use crate::domain::{PhoneRegion, PortalStatus};
use time::macros::date;

const SIGN_IN: &str = include_str!("../../../events/portal-sign-in.json");
const REFRESH: &str = include_str!("../../../events/portal-sign-in-refresh.json");
const POOL: Pools = Pools { portal: Some("us-east-1_PortalDemo"), pass_through: None };
/// The local emulator's build: the staff pool's events pass through.
const LOCAL: Pools =
    Pools { portal: Some("us-east-1_PortalDemo"), pass_through: Some("us-east-1_StaffDemo") };
const TODAY: Date = date!(2026 - 06 - 15);

fn event(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// The demo contact the sample events name, with this status and window.
fn contact(status: PortalStatus, end: Option<Date>) -> Contact {
    let body = json!({ "last_name": "Lovelace", "email": "ada@demo.example", "permissions": ["support", "invoices"] });
    let patch = ContactPatch::parse(
        body.as_object().unwrap().clone(),
        PhoneRegion::default(),
        &Default::default(),
        true,
    )
    .unwrap();
    let mut fields = ContactFields::create(patch).unwrap();
    fields.support_end = end;
    Contact {
        id: ContactId::parse("01JDEM0C0NTACT000000000000").unwrap(),
        client_id: ClientId::parse("01JDEM0C11ENT0000000000000").unwrap(),
        fields,
        is_primary: true,
        portal: PortalState { status, ..PortalState::default() },
        email_delivery: Default::default(),
        project_count: 0,
        tag_ids: Vec::new(),
        audit: Audit::new(&Stamp { at: "2026-01-01T00:00:00Z".into(), by: "u".into() }),
    }
}

/// The answer to `event` for `contact`, as `Gate::run` makes it after its one read.
fn answer(event: Value, contact: Option<&Contact>) -> Result<Value, GateError> {
    let Some(user) = portal_user(&event, POOL)? else { return Ok(event) };
    Ok(with_claims(event.clone(), decide(contact, &user, TODAY)?))
}

#[test]
fn an_active_contact_in_its_window_signs_in_with_its_permissions_and_ids_in_the_token() {
    let ada = contact(PortalStatus::Active, Some(TODAY));
    for sample in [SIGN_IN, REFRESH] {
        let answered = answer(event(sample), Some(&ada)).unwrap();
        let claims = &answered["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"];
        assert_eq!(
            claims,
            &json!({ "permissions": "invoices support", "tenant_id": "demo",
                     "client_id": "01JDEM0C11ENT0000000000000", "contact_id": "01JDEM0C0NTACT000000000000" })
        );
        let mut rest = answered.clone();
        rest["response"] = event(sample)["response"].clone();
        assert_eq!(rest, event(sample), "nothing else of the event changes");
    }
}

#[test]
fn the_user_is_the_contact_its_immutable_attributes_name() {
    let user = portal_user(&event(SIGN_IN), POOL).unwrap().unwrap();
    assert_eq!(user.tenant.as_str(), "demo");
    assert_eq!(user.client.to_string(), "01JDEM0C11ENT0000000000000");
    assert_eq!(user.contact.to_string(), "01JDEM0C0NTACT000000000000");
}

#[test]
fn sign_in_and_refresh_are_refused_when_support_has_ended() {
    let ended = contact(PortalStatus::Active, Some(date!(2026 - 06 - 14)));
    for sample in [SIGN_IN, REFRESH] {
        let refused = answer(event(sample), Some(&ended)).unwrap_err();
        assert!(matches!(refused, GateError::Refused(PortalRefusal::SupportEnded(_))), "{refused:?}");
        assert_eq!(refused.to_string(), "this contact's support has ended (on 2026-06-14)");
    }
}

#[test]
fn a_revoked_or_never_activated_contact_is_refused() {
    for status in [PortalStatus::Revoked, PortalStatus::Invited, PortalStatus::None] {
        let refused = answer(event(SIGN_IN), Some(&contact(status, None))).unwrap_err();
        assert!(matches!(refused, GateError::Refused(PortalRefusal::NotActive)), "{status}: {refused:?}");
    }
}

#[test]
fn a_deleted_contact_is_refused() {
    let refused = answer(event(REFRESH), None).unwrap_err();
    assert!(matches!(refused, GateError::Refused(PortalRefusal::Gone)), "{refused:?}");
}

#[test]
fn a_user_without_the_contact_attributes_is_refused() {
    let mut staff_like = event(SIGN_IN);
    staff_like["request"]["userAttributes"].as_object_mut().unwrap().remove("custom:contact_id");
    assert!(matches!(portal_user(&staff_like, POOL), Err(GateError::NotAContact)));
    let mut forged = event(SIGN_IN);
    forged["request"]["userAttributes"]["custom:tenant_id"] = json!("demo#CLIENT#x");
    assert!(matches!(portal_user(&forged, POOL), Err(GateError::NotAContact)));
}

fn staff_event() -> Value {
    let mut staff = event(SIGN_IN);
    staff["userPoolId"] = json!("us-east-1_StaffDemo");
    staff["request"]["userAttributes"] = json!({ "sub": "s", "custom:tenant_id": "demo" });
    staff
}

#[test]
fn the_pass_through_pools_event_passes_through_unchanged() {
    // Given the local emulator's build, which names the staff pool
    // When a staff user signs in
    let staff = staff_event();
    // Then its event comes back as it came
    assert_eq!(portal_user(&staff, LOCAL).unwrap(), None);
}

#[test]
fn an_event_of_another_pool_than_the_configured_one_is_refused_not_passed_through() {
    // Given a gate told the portal pool's id (a misconfigured id looks the same)
    // When another pool's event arrives
    let refused = portal_user(&staff_event(), POOL).unwrap_err();
    // Then the sign-in is refused, naming both pools for the log
    assert!(
        matches!(&refused, GateError::WrongPool { configured, called_by }
            if configured == "us-east-1_PortalDemo" && called_by == "us-east-1_StaffDemo"),
        "{refused:?}"
    );
    assert_eq!(refused.kind(), "WrongUserPool");
}

#[test]
fn without_a_configured_pool_every_event_is_gated() {
    let mut other = event(SIGN_IN);
    other["userPoolId"] = json!("us-east-1_Other");
    assert!(portal_user(&other, Pools::default()).unwrap().is_some());
}

#[test]
fn a_user_whose_address_is_no_longer_the_contacts_is_refused() {
    // Given an active contact whose address changed after its user was made
    let mut ada = contact(PortalStatus::Active, None);
    ada.fields.email = Some(crate::domain::Email::parse("ada.new@demo.example").unwrap());
    // When the old user signs in or refreshes
    for sample in [SIGN_IN, REFRESH] {
        let refused = answer(event(sample), Some(&ada)).unwrap_err();
        // Then it is refused
        assert!(matches!(refused, GateError::Refused(PortalRefusal::AddressChanged)), "{refused:?}");
    }
}

#[test]
fn the_local_emulators_event_shape_is_read_too() {
    // cognito-local sends empty objects where Cognito sends nulls, and region "local".
    let mut local = event(SIGN_IN);
    local["region"] = json!("local");
    local["request"]["groupConfiguration"] = json!({});
    local["response"] = json!({ "claimsOverrideDetails": {} });
    let answered = answer(local, Some(&contact(PortalStatus::Active, None))).unwrap();
    assert_eq!(
        answered["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]["permissions"],
        "invoices support"
    );
}

#[test]
fn an_event_of_another_trigger_is_not_answered() {
    let mut other = event(SIGN_IN);
    other["triggerSource"] = json!("PostAuthentication_Authentication");
    assert!(matches!(portal_user(&other, POOL), Err(GateError::NotAnEvent(_))));
    assert!(matches!(portal_user(&json!({ "hello": 1 }), POOL), Err(GateError::NotAnEvent(_))));
}

#[test]
fn lambda_hears_what_kind_of_error_each_refusal_is() {
    let refused = answer(event(SIGN_IN), None).unwrap_err();
    assert_eq!(
        (refused.kind(), refused.to_string().as_str()),
        ("PortalAccessRefused", "this contact no longer has portal access")
    );
    let mut staff_like = event(SIGN_IN);
    staff_like["request"]["userAttributes"] = json!({ "sub": "s" });
    assert_eq!(portal_user(&staff_like, POOL).unwrap_err().kind(), "NotAPortalUser");
}
