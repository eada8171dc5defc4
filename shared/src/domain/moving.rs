//! Moving a contact to another client of its tenant (a person changing company, or a record
//! entered under the wrong client): pure decisions of what the move keeps, drops and refuses.
//! The store turns them into one transaction (`store::contacts::moving`).
//!
//! The contact keeps its id, fields, address claim, tags, custom values, notes and history. What
//! belonged to the old client goes: its project links (projects are the old client's), its line
//! manager and reports (both the old client's contacts), and its portal access, which was
//! granted for the old client's documents: an invitation still pending is withdrawn and an
//! active user loses access. The new client's staff invite it again if they want it there.

use serde_json::{Map, Value};

use super::error::DomainError;
use super::fields::FieldReader;
use super::ids::ClientId;
use super::patch::Patch;
use super::topics::PortalStatus;

/// What one `TransactWriteItems` holds at most.
pub const MAX_TRANSACTION_ITEMS: usize = 100;

/// Reads a move's body, `{"client_id": ...}`: the client to move to.
pub fn parse_target(body: Map<String, Value>) -> Result<ClientId, DomainError> {
    let mut r = FieldReader::new(body);
    let target =
        r.exact("client_id", |raw| ClientId::parse(raw).ok_or_else(|| "must be a client id".to_owned()));
    let mut errors = r.finish();
    match target {
        Patch::Set(id) if errors.is_empty() => Ok(id),
        _ => {
            if !errors.iter().any(|e| e.field == "client_id") {
                errors.push(super::FieldError::new("client_id", "is required"));
            }
            Err(DomainError::Validation(errors))
        }
    }
}

/// The refusal of a target client that does not exist in the tenant: the body names it, so it
/// is the body's field that is wrong (as an unknown `line_manager_id` is), not the path.
pub(crate) fn unknown_target() -> DomainError {
    DomainError::invalid("client_id", "no such client of this tenant")
}

/// Refuses a move to the client the contact is under already.
pub(crate) fn check_target(from: ClientId, to: ClientId) -> Result<(), DomainError> {
    match from == to {
        true => Err(DomainError::invalid("client_id", "is the contact's client already")),
        false => Ok(()),
    }
}

/// The contact's portal status once moved (or archived): access granted for the old client
/// ends. A pending invitation is withdrawn (none), an active user is revoked; none and revoked
/// stay.
pub(crate) fn portal_after_leaving(status: PortalStatus) -> PortalStatus {
    match status {
        PortalStatus::Invited | PortalStatus::None => PortalStatus::None,
        PortalStatus::Active | PortalStatus::Revoked => PortalStatus::Revoked,
    }
}

/// Refuses a move whose writes do not fit one transaction: it is one, or nothing.
pub(crate) fn check_size(items: usize) -> Result<(), DomainError> {
    match items <= MAX_TRANSACTION_ITEMS {
        true => Ok(()),
        false => Err(DomainError::MoveTooLarge(items)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().expect("an object").clone()
    }

    #[test]
    fn a_move_names_its_client_and_nothing_else() {
        let acme = ClientId::generate();
        assert_eq!(
            parse_target(body(serde_json::json!({"client_id": acme.to_string()}))).expect("valid"),
            acme
        );
        for (bad, field) in [
            (serde_json::json!({}), "client_id"),
            (serde_json::json!({"client_id": null}), "client_id"),
            (serde_json::json!({"client_id": "acme"}), "client_id"),
            (serde_json::json!({"client_id": acme.to_string(), "primary": true}), "primary"),
        ] {
            let err = parse_target(body(bad.clone())).expect_err("refused");
            assert!(
                matches!(err, DomainError::Validation(ref e) if e.iter().any(|e| e.field == field)),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn a_move_to_the_contacts_own_client_is_refused_naming_client_id() {
        let acme = ClientId::generate();
        let err = check_target(acme, acme).expect_err("refused");
        assert!(matches!(err, DomainError::Validation(ref e) if e[0].field == "client_id"), "{err:?}");
        assert!(check_target(acme, ClientId::generate()).is_ok());
    }

    #[test]
    fn a_move_withdraws_a_pending_invitation_and_revokes_active_access() {
        assert_eq!(portal_after_leaving(PortalStatus::Invited), PortalStatus::None);
        assert_eq!(portal_after_leaving(PortalStatus::Active), PortalStatus::Revoked);
        assert_eq!(portal_after_leaving(PortalStatus::None), PortalStatus::None);
        assert_eq!(portal_after_leaving(PortalStatus::Revoked), PortalStatus::Revoked);
    }

    #[test]
    fn a_move_of_more_than_one_transactions_items_is_refused_with_the_count() {
        assert!(check_size(MAX_TRANSACTION_ITEMS).is_ok());
        let err = check_size(MAX_TRANSACTION_ITEMS + 1).expect_err("refused");
        assert!(matches!(err, DomainError::MoveTooLarge(101)), "{err:?}");
    }
}
