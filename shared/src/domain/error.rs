//! The one error type of the service. Every layer returns it; `http::problem` maps it to
//! RFC 9457 responses in one place.

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

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("authentication required: {0}")]
    Unauthenticated(&'static str),
    #[error("this operation needs an administrator or the manage_all_clients privilege")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error("unsupported content type; send {0}")]
    UnsupportedMediaType(&'static str),
    #[error("request body larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the file has more than {0} rows; split it into smaller files")]
    TooManyRows(usize),
    #[error("{} invalid field(s)", .0.len())]
    Validation(Vec<FieldError>),
    #[error("the email address is already used by another contact of this tenant")]
    EmailTaken,
    #[error("a client with contacts must keep exactly one primary contact")]
    PrimaryRequired,
    #[error("the client still has contacts; delete them first")]
    ClientHasContacts,
    #[error("the resource changed since it was read (If-Match does not match)")]
    PreconditionFailed,
    #[error("this Idempotency-Key was already used with a different request")]
    IdempotencyKeyReused,
    #[error("the request conflicted with concurrent changes; retry it")]
    Contention,
    #[error("{0}")]
    Conflict(&'static str, String),
    /// SES's code and words, for the logs; callers get a generic detail.
    #[error("the email was refused: {0}")]
    EmailRejected(String),
    #[error("email could not be sent right now: {0}")]
    EmailUnavailable(String),
    #[error(
        "sending {} email(s) would exceed this tenant's quota of {} a day ({} sent in the last 24 hours); nothing was sent",
        .0.wanted, .0.limit, .0.used
    )]
    QuotaExceeded(super::quota::OverQuota),
    /// DynamoDB kept leaving reads unprocessed (throttling) after bounded retries.
    #[error("the data store is busy; nothing was changed, retry in a moment")]
    StoreBusy,
    #[error("{0}")]
    Gone(&'static str),
    /// Anything the caller cannot fix. The message is logged, never returned.
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        Self::Internal(err.to_string())
    }

    /// The problem code callers switch on (`type` is `/problems/<code>`); stable, documented in
    /// `docs/api.md`.
    pub fn code(&self) -> &'static str {
        use DomainError::*;
        match self {
            Unauthenticated(_) => "unauthenticated",
            Forbidden => "forbidden",
            NotFound(_) => "not-found",
            BadRequest(_) => "bad-request",
            UnsupportedMediaType(_) => "unsupported-media-type",
            PayloadTooLarge(_) | TooManyRows(_) => "payload-too-large",
            Validation(_) => "validation-failed",
            EmailTaken => "email-taken",
            PrimaryRequired => "primary-required",
            ClientHasContacts => "client-has-contacts",
            PreconditionFailed => "precondition-failed",
            IdempotencyKeyReused => "idempotency-key-reused",
            Contention => "contention",
            Conflict(code, _) => code,
            Gone(_) => "gone",
            EmailRejected(_) => "email-rejected",
            EmailUnavailable(_) => "email-unavailable",
            QuotaExceeded(_) => "email-quota-exceeded",
            StoreBusy => "store-busy",
            Internal(_) => "internal",
        }
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
