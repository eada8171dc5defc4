//! Specs of the primary-contact rule (`primary.rs`).
use super::*;

fn led(primary: ContactId, count: u64) -> Option<ClientContacts> {
    Some(ClientContacts::Led { primary, count })
}

#[test]
fn a_client_without_contacts_has_no_primary_to_keep() {
    assert_eq!(ClientContacts::of(0, None).unwrap(), ClientContacts::Empty);
}

#[test]
fn a_client_with_contacts_is_led_by_the_primary_it_names() {
    let primary = ContactId::generate();

    assert_eq!(ClientContacts::of(3, Some(primary)).unwrap(), ClientContacts::Led { primary, count: 3 });
}

#[test]
fn a_client_with_contacts_but_no_primary_is_a_fault_of_the_data() {
    assert!(matches!(ClientContacts::of(2, None), Err(DomainError::Inconsistent(_))));
}

#[test]
fn the_first_contact_of_a_client_becomes_primary_whether_asked_or_not() {
    assert_eq!(on_add(Some(ClientContacts::Empty), false), OnAdd::First);
    assert_eq!(on_add(Some(ClientContacts::Empty), true), OnAdd::First);
    assert!(OnAdd::First.is_primary());
}

#[test]
fn a_contact_asking_for_the_role_takes_it_from_the_current_primary() {
    let primary = ContactId::generate();

    let decision = on_add(led(primary, 2), true);

    assert_eq!(decision, OnAdd::TakesOver { demote: primary });
    assert!(decision.is_primary());
}

#[test]
fn a_contact_not_asking_for_the_role_joins_a_client_that_has_a_primary() {
    let decision = on_add(led(ContactId::generate(), 1), false);

    assert_eq!(decision, OnAdd::Joins);
    assert!(!decision.is_primary());
}

#[test]
fn an_add_planned_without_reading_the_client_assumes_the_common_case() {
    assert_eq!(on_add(None, true), OnAdd::First, "asking for the role: assumed the first contact");
    assert_eq!(on_add(None, false), OnAdd::Joins, "otherwise: assumed to join existing contacts");
}

#[test]
fn only_is_primary_true_asks_for_the_role() {
    assert!(asks_for_role(&Patch::Set(true)));
    assert!(!asks_for_role(&Patch::Set(false)));
    assert!(!asks_for_role(&Patch::Null));
    assert!(!asks_for_role(&Patch::Absent));
}

#[test]
fn only_a_promotion_or_a_demotion_of_the_primary_means_anything() {
    assert!(wants_promotion(false, &Patch::Set(true)).unwrap());
    assert!(!wants_promotion(true, &Patch::Set(true)).unwrap());
    assert!(!wants_promotion(false, &Patch::Set(false)).unwrap());
    assert!(!wants_promotion(true, &Patch::Absent).unwrap());
}

#[test]
fn un_setting_the_primary_is_refused_as_primary_required() {
    assert!(matches!(wants_promotion(true, &Patch::Set(false)), Err(DomainError::PrimaryRequired)));
    assert!(matches!(wants_promotion(true, &Patch::Null), Err(DomainError::PrimaryRequired)));
    let refused = on_promote(ContactId::generate(), true, &Patch::Set(false), led(ContactId::generate(), 2));
    assert!(matches!(refused, Err(DomainError::PrimaryRequired)));
}

#[test]
fn promoting_a_contact_moves_the_role_from_the_current_primary() {
    let (id, primary) = (ContactId::generate(), ContactId::generate());

    let decision = on_promote(id, false, &Patch::Set(true), led(primary, 2)).unwrap();

    assert_eq!(decision, OnPromote::From { demote: primary });
}

#[test]
fn a_patch_that_does_not_promote_leaves_the_role_without_needing_the_client() {
    let id = ContactId::generate();

    assert_eq!(on_promote(id, false, &Patch::Absent, None).unwrap(), OnPromote::Unchanged);
    assert_eq!(on_promote(id, true, &Patch::Set(true), None).unwrap(), OnPromote::Unchanged);
    assert_eq!(on_promote(id, false, &Patch::Set(false), None).unwrap(), OnPromote::Unchanged);
}

#[test]
fn promoting_a_contact_of_a_client_that_is_gone_is_not_found() {
    let refused = on_promote(ContactId::generate(), false, &Patch::Set(true), None);

    assert!(matches!(refused, Err(DomainError::NotFound("client"))));
}

#[test]
fn promoting_while_the_client_has_no_primary_is_a_fault_of_the_data() {
    let refused = on_promote(ContactId::generate(), false, &Patch::Set(true), Some(ClientContacts::Empty));

    assert!(matches!(refused, Err(DomainError::Inconsistent(_))));
}

#[test]
fn a_client_naming_the_unflagged_contact_primary_is_read_again() {
    let id = ContactId::generate();

    let decision = on_promote(id, false, &Patch::Set(true), led(id, 2)).unwrap();

    assert_eq!(decision, OnPromote::ReadAgain);
}

#[test]
fn deleting_a_contact_that_is_not_primary_keeps_the_primary() {
    assert_eq!(on_delete(false), OnDelete::KeepsPrimary);
}

#[test]
fn the_primary_may_be_deleted_only_as_the_last_contact() {
    assert_eq!(on_delete(true), OnDelete::OnlyAsLast);
}

#[test]
fn deleting_the_primary_of_a_client_with_other_contacts_is_refused() {
    assert_eq!(on_refused_delete(led(ContactId::generate(), 2)), Refused::PrimaryRequired);
}

#[test]
fn a_refused_delete_of_the_last_contact_is_planned_again() {
    // The refusal came from something else (a concurrent change): one contact left means this
    // one may still go.
    assert_eq!(on_refused_delete(led(ContactId::generate(), 1)), Refused::PlanAgain);
    assert_eq!(on_refused_delete(Some(ClientContacts::Empty)), Refused::PlanAgain);
    assert_eq!(on_refused_delete(None), Refused::PlanAgain, "a client gone: the contact's read says");
}

#[test]
fn the_first_imported_row_of_a_client_without_contacts_becomes_primary() {
    let decision = on_import(Some(ClientContacts::Empty));

    assert_eq!(decision, OnImport::FirstRowPrimary);
    assert!(decision.is_primary(0));
    assert!(!decision.is_primary(1));
}

#[test]
fn imported_rows_of_a_client_with_contacts_leave_its_primary() {
    let decision = on_import(led(ContactId::generate(), 4));

    assert_eq!(decision, OnImport::KeepsPrimary);
    assert!(!decision.is_primary(0));
}

#[test]
fn an_import_planned_without_reading_the_client_assumes_it_has_contacts() {
    assert_eq!(on_import(None), OnImport::KeepsPrimary);
}
