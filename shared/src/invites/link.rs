//! The two single-use links a contact can be sent, and the email each goes out in.

use serde::Serialize;

use super::greeting_name;
use crate::domain::activity::EmailKind;
use crate::domain::invite::InviteToken;
use crate::domain::{Contact, TenantId};
use crate::email::{render, Mailing, Rendered};
use crate::error::ServiceResult;

#[derive(Serialize)]
struct LinkEmail<'a> {
    contact_name: String,
    client_name: &'a str,
    sender_name: &'a str,
    link: String,
    expires_at: &'a str,
}

/// The two single-use links a contact can be sent. Both are accepted by `POST /invites/accept`
/// (the stored record says which it is): the same token rules, store and quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Link {
    Invite,
    Reset,
}

impl Link {
    /// The email template, and the metrics' `Kind`.
    pub(super) fn name(self) -> &'static str {
        match self {
            Link::Invite => "invite",
            Link::Reset => "password-reset",
        }
    }

    /// The portal page the link opens.
    fn page(self) -> &'static str {
        match self {
            Link::Invite => "accept-invite",
            Link::Reset => "reset-password",
        }
    }

    /// The email's kind in the contact's activity and its message tags.
    pub(super) fn kind(self) -> EmailKind {
        match self {
            Link::Invite => EmailKind::Invitation,
            Link::Reset => EmailKind::PasswordReset,
        }
    }

    pub(super) fn subject(self, sender: &str) -> String {
        match self {
            Link::Invite => format!("Your client portal invitation from {sender}"),
            Link::Reset => format!("Set a new password for the client portal of {sender}"),
        }
    }
}

/// Who a link's email is to, for which client, signed by whom (the tenant's settings).
pub(super) struct Names<'a> {
    /// The tenant whose portal the contact signs in to (the link names it: the pages sign in
    /// with the tenant and the address).
    pub(super) tenant: &'a TenantId,
    pub(super) contact: &'a Contact,
    pub(super) client: &'a str,
    pub(super) sender: &'a str,
}

/// The link's email, the link carrying the token in the fragment.
pub(super) fn link_email(
    mail: &Mailing<'_>,
    link: Link,
    names: &Names<'_>,
    token: &InviteToken,
    expires_at: &str,
) -> ServiceResult<Rendered> {
    render(
        link.name(),
        &LinkEmail {
            contact_name: greeting_name(names.contact),
            client_name: names.client,
            sender_name: names.sender,
            link: format!(
                "{}/{}?tenant={}#token={}",
                mail.portal_url.trim_end_matches('/'),
                link.page(),
                names.tenant.as_str(),
                token.as_str()
            ),
            expires_at,
        },
    )
}
