//! The services' errors: a rule's refusal, the store's failures, the email service's, and
//! anything else that failed inside (the identity pool, a template). Each layer's cases stay
//! its own: a store refusal becomes `Refused`, so a refusal has one place however it was found.

use crate::domain::error::{BoxError, Failed};
use crate::domain::DomainError;
use crate::store::StoreError;

/// The email service could not take a message.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// SES refused this message for good. The source (SES's code and words) is for the logs;
    /// callers get a generic detail.
    #[error("the email was refused")]
    Rejected(#[source] BoxError),
    /// SES could not take the message now (throttled, failing, paused).
    #[error("email could not be sent right now")]
    Unavailable(#[source] BoxError),
}

impl EmailError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Rejected(_) => "email-rejected",
            Self::Unavailable(_) => "email-unavailable",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Refused(DomainError),
    /// Never `StoreError::Refused` (see `From<StoreError>`).
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Email(#[from] EmailError),
    /// Anything the caller cannot fix; its source chain is logged where the response is made.
    #[error("internal error")]
    Internal(#[source] BoxError),
}

pub(crate) type ServiceResult<T> = Result<T, ServiceError>;

impl From<DomainError> for ServiceError {
    fn from(refusal: DomainError) -> Self {
        Self::Refused(refusal)
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Refused(refusal) => Self::Refused(refusal),
            other => Self::Store(other),
        }
    }
}

impl ServiceError {
    /// An internal error: a broken invariant (a message) or an error passed on as it is.
    pub fn internal(err: impl Into<BoxError>) -> Self {
        Self::Internal(err.into())
    }

    /// An internal error saying what failed (`AdminGetUser`), keeping `source`.
    pub fn failed(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Internal(Failed::boxed(what, source))
    }

    /// Whether nothing the caller did explains it (logged with its whole chain).
    pub(crate) fn is_internal(&self) -> bool {
        matches!(
            self,
            Self::Internal(_)
                | Self::Store(StoreError::Internal(_))
                | Self::Refused(DomainError::Inconsistent(_))
        )
    }

    /// The problem code callers switch on (see `DomainError::code`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Refused(refusal) => refusal.code(),
            Self::Store(err) => err.code(),
            Self::Email(err) => err.code(),
            Self::Internal(_) => "internal",
        }
    }
}
