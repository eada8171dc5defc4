//! The invitation flows, between the handlers and the store: invite or reset a password (write,
//! then send, and undo the write if the email cannot be sent) and accept (single use; the
//! password goes to the contact's portal user in Cognito, never to the table).
//! Sending is `invites/send.rs`, the email a link goes out in `invites/link.rs`, accepting
//! `invites/accept.rs`.

use crate::domain::Contact;

mod accept;
mod link;
mod send;

pub use accept::{accept, Acceptance};
pub use send::{invite, reset, Invitation, PasswordReset};

/// The name an email greets a contact by.
pub(crate) fn greeting_name(contact: &Contact) -> String {
    let f = &contact.fields;
    match &f.first_name {
        Some(first) => format!("{} {}", first.as_str(), f.last_name.as_str()),
        None => f.last_name.as_str().to_owned(),
    }
}
