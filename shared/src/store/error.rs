//! What a store operation fails with: a rule its conditions enforced (`Refused`: the address is
//! taken, the client has no primary...), the version the caller read no longer stored, an
//! idempotency key reused, or the table itself (contention, throttling, a failed call).

use crate::domain::error::{BoxError, Failed};
use crate::domain::DomainError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Refused(#[from] DomainError),
    /// The version the caller read (`If-Match`) is not the stored one.
    #[error("the resource changed since it was read (If-Match does not match)")]
    PreconditionFailed,
    #[error("this Idempotency-Key was already used with a different request")]
    IdempotencyKeyReused,
    /// Concurrent changes kept winning the bounded retries.
    #[error("the request conflicted with concurrent changes; retry it")]
    Contention,
    /// DynamoDB kept throttling (reads or writes left unprocessed) after bounded retries.
    #[error("the data store is busy; nothing was changed, retry in a moment")]
    Busy,
    /// Anything the caller cannot fix. Its source chain is logged once, where the response is
    /// made; the caller gets a generic detail.
    #[error("internal error")]
    Internal(#[source] BoxError),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// An internal error: a broken invariant (a message) or an error passed on as it is.
    pub fn internal(err: impl Into<BoxError>) -> Self {
        Self::Internal(err.into())
    }

    /// An internal error saying what failed (`PutItem`), keeping `source`.
    pub fn failed(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Internal(Failed::boxed(what, source))
    }

    /// The problem code callers switch on (see `DomainError::code`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Refused(refusal) => refusal.code(),
            Self::PreconditionFailed => "precondition-failed",
            Self::IdempotencyKeyReused => "idempotency-key-reused",
            Self::Contention => "contention",
            Self::Busy => "store-busy",
            Self::Internal(_) => "internal",
        }
    }
}
