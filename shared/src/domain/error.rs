//! The error of the domain, the store and the services. The HTTP adapter adds its own cases
//! (`http::Error`), and `http::problem` maps both to RFC 9457 responses in one place.

use serde::Serialize;

/// One invalid field of a request, named by its JSON path (`address.country`, `notifications[2]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Any error kept as the source of an internal one.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why the rules refuse a request: one variant per rule, each with its problem code (see
/// `code`). Failures of what the rules run on are the layers' own: the store's
/// (`store::StoreError`), the email service's and the services' (`crate::error`), and the HTTP
/// adapter's (`http::HttpError`); `http::problem` maps them all to RFC 9457 responses.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("the file has more than {0} rows; split it into smaller files")]
    TooManyRows(usize),
    /// An import file that is not UTF-8 CSV with a readable header row.
    #[error("{0}")]
    UnreadableFile(String),
    #[error("{} invalid field(s)", .0.len())]
    Validation(Vec<FieldError>),
    #[error("the email address is already used by another contact of this tenant")]
    EmailTaken,
    #[error("a client with contacts must keep exactly one primary contact")]
    PrimaryRequired,
    #[error("the client still has contacts (archived ones count); delete them first")]
    ClientHasContacts,
    #[error("a contact manages at most {0} others; reassign some of its reports first")]
    TooManyReports(u64),
    #[error("a contact is linked to at most {0} projects; unlink one first")]
    TooManyProjects(u64),
    #[error("a contact has at most {0} tags; remove one first")]
    TooManyTags(u64),
    /// A move writes its contact, its links and its index items in one transaction, which
    /// holds at most 100 items (`domain::moving`).
    #[error("moving this contact would write {0} items, more than one transaction's 100; unlink some of its projects, reports or tags first")]
    MoveTooLarge(usize),
    /// A merge writes both contacts, their links, tags and index items in one transaction
    /// (`domain::merge`).
    #[error("merging these contacts would write {0} items, more than one transaction's 100; unlink some of the merged contact's projects or tags first")]
    MergeTooLarge(usize),
    #[error("the tenant already has a tag of that name")]
    TagNameTaken,
    /// A tag being deleted takes no new contacts; its deletion goes on with `DELETE` again.
    #[error("the tag is being deleted; delete it again to finish")]
    TagBeingDeleted,
    /// A custom field's type cannot change while contacts hold values of it.
    #[error("contacts hold values of custom.{0}; its type cannot change while they do (clear them, or define a new field)")]
    CustomFieldInUse(String),
    /// An invitation needs an email address; the detail says which request lacked one.
    #[error("{0}")]
    NoEmail(&'static str),
    #[error("the contact already uses the portal")]
    PortalActive,
    /// An inactive client's contacts cannot be invited to the portal.
    #[error("the client is inactive; make it active to invite its contacts")]
    ClientInactive,
    /// Inviting a client means inviting its primary contact, which it does not have.
    #[error("the client has no primary contact to invite; add a contact first")]
    NoPrimaryContact,
    /// SES reported the contact's address bouncing or complained: no invitation or new
    /// password goes to it until the address changes.
    #[error("the contact's address is {}: no portal email is sent to it until the address changes", .0.as_str())]
    EmailSuppressed(super::EmailStatus),
    /// A new password can only be sent to a contact that uses the portal already.
    #[error("the contact does not use the portal (accept an invitation first)")]
    PortalNotActive,
    #[error("the contact's support has not started yet")]
    SupportNotStarted,
    #[error("the contact's support has ended")]
    SupportEnded,
    /// A portal user whose contact may not use the portal now (revoked, deleted, outside its
    /// support window), even with a token that is still valid.
    #[error("{0}")]
    PortalAccess(super::portal::PortalRefusal),
    #[error(
        "sending {} email(s) would exceed this tenant's quota of {} a day ({} sent in the last 24 hours); nothing was sent",
        .0.wanted, .0.limit, .0.used
    )]
    QuotaExceeded(super::quota::OverQuota),
    #[error("{0}")]
    Gone(&'static str),
    /// Only a note's author, or an administrator, changes or deletes it.
    #[error("only the note's author or an administrator may change or delete it")]
    NotTheAuthor,
    /// Stored data that breaks a rule (a client with contacts and no primary): a fault of the
    /// data, not of the request, answered as an internal error.
    #[error("stored data breaks a rule: {0}")]
    Inconsistent(&'static str),
}

/// What failed inside the service, with the error that made it fail as its source.
#[derive(Debug, thiserror::Error)]
#[error("{what}")]
pub struct Failed {
    what: String,
    #[source]
    source: BoxError,
}

impl Failed {
    /// A failure saying what failed (`PutItem`), keeping `source`.
    pub(crate) fn boxed(what: impl Into<String>, source: impl Into<BoxError>) -> BoxError {
        Box::new(Self { what: what.into(), source: source.into() })
    }
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// The problem code callers switch on (`type` is `/problems/<code>`); stable, listed in
    /// `docs/api.md`.
    pub fn code(&self) -> &'static str {
        use DomainError::*;
        match self {
            NotFound(_) => "not-found",
            TooManyRows(_) => "payload-too-large",
            UnreadableFile(_) => "bad-request",
            Validation(_) => "validation-failed",
            EmailTaken => "email-taken",
            PrimaryRequired => "primary-required",
            ClientHasContacts => "client-has-contacts",
            TooManyReports(_) => "too-many-reports",
            TooManyProjects(_) => "too-many-projects",
            TooManyTags(_) => "too-many-tags",
            MoveTooLarge(_) => "move-too-large",
            MergeTooLarge(_) => "merge-too-large",
            TagNameTaken => "tag-name-taken",
            TagBeingDeleted => "tag-being-deleted",
            CustomFieldInUse(_) => "custom-field-in-use",
            NoEmail(_) => "no-email",
            PortalActive => "portal-active",
            ClientInactive => "client-inactive",
            NoPrimaryContact => "no-primary-contact",
            PortalNotActive => "portal-not-in-use",
            EmailSuppressed(_) => "email-suppressed",
            SupportNotStarted => "support-not-started",
            SupportEnded => "support-ended",
            PortalAccess(refusal) => refusal.code(),
            QuotaExceeded(_) => "email-quota-exceeded",
            Gone(_) => "gone",
            NotTheAuthor => "forbidden",
            Inconsistent(_) => "internal",
        }
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
