//! The primary-contact rule: a client with contacts has exactly one primary contact, and a
//! client without contacts names none. The first contact becomes primary, asking for the role
//! moves it, and the primary cannot be un-set, nor deleted while other contacts remain.
//!
//! These are pure decisions over what the client has (or is assumed to have); the store turns
//! each into the conditions of its write, and reads a refused write back through
//! [`on_refused_delete`] (or plans again from the client as the refusal returned it).

use super::error::DomainError;
use super::ids::ContactId;
use super::patch::Patch;

/// What a client has, as far as the primary role is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientContacts {
    /// No contacts, so no primary.
    Empty,
    /// `count` contacts, `primary` among them.
    Led { primary: ContactId, count: u64 },
}

impl ClientContacts {
    /// Reads a client's `contact_count` and `primary_contact_id`; a client with contacts but no
    /// primary breaks the rule, which is a fault of the stored data, not of the request.
    pub fn of(count: u64, primary: Option<ContactId>) -> Result<Self, DomainError> {
        match (count, primary) {
            (0, _) => Ok(Self::Empty),
            (count, Some(primary)) => Ok(Self::Led { primary, count }),
            (_, None) => Err(DomainError::Inconsistent("a client with contacts and no primary")),
        }
    }
}

/// The primary role of a contact being added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnAdd {
    /// The client has no contacts: the new one becomes primary (the client must still have none).
    First,
    /// Asked for: the new one takes the role from `demote` (which must still hold it).
    TakesOver { demote: ContactId },
    /// Another contact stays primary (the client must still have contacts).
    Joins,
}

impl OnAdd {
    pub fn is_primary(self) -> bool {
        !matches!(self, Self::Joins)
    }
}

/// Decides the primary role of a new contact. With nothing known of the client (`None`: the
/// add writes without reading first), the common case is assumed: a contact asking for the
/// role is the first, any other joins a client that has contacts. The write's conditions check
/// the assumption, and a refusal returns the client's state to decide again.
pub(crate) fn on_add(client: Option<ClientContacts>, wants_primary: bool) -> OnAdd {
    match client {
        None if wants_primary => OnAdd::First,
        None => OnAdd::Joins,
        Some(ClientContacts::Empty) => OnAdd::First,
        Some(ClientContacts::Led { primary, .. }) if wants_primary => OnAdd::TakesOver { demote: primary },
        Some(ClientContacts::Led { .. }) => OnAdd::Joins,
    }
}

/// Whether a request's `is_primary` asks for the role (only `true` does: on a new contact
/// `false` or `null` leave the choice to the rule). On a PATCH it can move the role, so the
/// client must be read to know where the role is now.
pub(crate) fn asks_for_role(requested: &Patch<bool>) -> bool {
    matches!(requested, Patch::Set(true))
}

/// What a patch's `is_primary` asks of a contact that currently is (or is not) primary.
/// Promoting moves the role from the current primary; un-setting it is refused, because a
/// client with contacts keeps exactly one primary.
pub(crate) fn wants_promotion(currently_primary: bool, requested: &Patch<bool>) -> Result<bool, DomainError> {
    match (currently_primary, requested) {
        (false, Patch::Set(true)) => Ok(true),
        (true, Patch::Set(false) | Patch::Null) => Err(DomainError::PrimaryRequired),
        _ => Ok(false),
    }
}

/// What a patch does to the primary role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnPromote {
    /// The role stays where it is.
    Unchanged,
    /// The contact takes the role from `demote`, which the client must still name primary.
    From { demote: ContactId },
    /// The client names this contact primary while the contact is not flagged so: the read met
    /// another move of the role half-applied (a batch read is read-committed per item, not per
    /// batch). Read again once it has settled.
    ReadAgain,
}

/// Decides what a patch of contact `id` does to the primary role, given whether the contact is
/// primary now and, when [`asks_for_role`] asked for it, the client's state.
pub(crate) fn on_promote(
    id: ContactId,
    currently_primary: bool,
    requested: &Patch<bool>,
    client: Option<ClientContacts>,
) -> Result<OnPromote, DomainError> {
    if !wants_promotion(currently_primary, requested)? {
        return Ok(OnPromote::Unchanged);
    }
    match client {
        None => Err(DomainError::NotFound("client")),
        Some(ClientContacts::Empty) => {
            Err(DomainError::Inconsistent("a client with contacts and no primary"))
        }
        Some(ClientContacts::Led { primary, .. }) if primary == id => Ok(OnPromote::ReadAgain),
        Some(ClientContacts::Led { primary, .. }) => Ok(OnPromote::From { demote: primary }),
    }
}

/// What deleting a contact asks of the client's primary role. The delete does not read the
/// client, so the decision rests on the contact's own flag and the write's condition checks
/// the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnDelete {
    /// Not the primary: the role stays where it is.
    KeepsPrimary,
    /// The primary: it may go only as the client's last contact (the client must have exactly
    /// one, this one), and the client then names no primary.
    OnlyAsLast,
}

pub(crate) fn on_delete(is_primary: bool) -> OnDelete {
    if is_primary {
        OnDelete::OnlyAsLast
    } else {
        OnDelete::KeepsPrimary
    }
}

/// What a refused delete of the primary means, read from the client as the refusal returned
/// it (`None`: the client is gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Other contacts remain: the rule refuses the delete (409 `primary-required`).
    PrimaryRequired,
    /// The client changed in another way since the contact was read: plan again.
    PlanAgain,
}

pub(crate) fn on_refused_delete(client: Option<ClientContacts>) -> Refused {
    match client {
        Some(ClientContacts::Led { count, .. }) if count > 1 => Refused::PrimaryRequired,
        _ => Refused::PlanAgain,
    }
}

/// The primary role among the rows of an import, added to one client together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnImport {
    /// The client has no contacts: the batch's first row becomes primary (the client must
    /// still have none).
    FirstRowPrimary,
    /// The client keeps its primary (it must still have contacts); no row is primary.
    KeepsPrimary,
}

impl OnImport {
    /// Whether the row at `index` of the batch is primary.
    pub fn is_primary(self, index: usize) -> bool {
        self == Self::FirstRowPrimary && index == 0
    }
}

/// Decides the primary role among imported rows. An import row never asks for the role; with
/// nothing known of the client (`None`), it is assumed to have contacts already, as most
/// imports add to clients in use, and the write's condition checks that.
pub(crate) fn on_import(client: Option<ClientContacts>) -> OnImport {
    match client {
        Some(ClientContacts::Empty) => OnImport::FirstRowPrimary,
        None | Some(ClientContacts::Led { .. }) => OnImport::KeepsPrimary,
    }
}

#[cfg(test)]
#[path = "primary_tests.rs"]
mod tests;
