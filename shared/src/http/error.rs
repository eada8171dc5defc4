//! The HTTP adapter's errors: callers refused before any rule sees the request (no verified
//! identity, groups that do not grant the route) and requests it cannot read (malformed, of the
//! wrong media type, too large), beside every error of the layers below. `problem` maps them.

use crate::domain::DomainError;
use crate::error::{EmailError, ServiceError};
use crate::store::StoreError;

/// A request the adapter cannot read.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("{0}")]
    BadRequest(String),
    #[error("unsupported content type; send {0}")]
    UnsupportedMediaType(&'static str),
    #[error("request body larger than {0} bytes")]
    PayloadTooLarge(usize),
}

/// A caller the route does not let in.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("authentication required: {0}")]
    Unauthenticated(&'static str),
    /// The caller's groups do not grant what the route needs; the detail says what does.
    #[error("{0}")]
    Forbidden(&'static str),
}

/// What a handler fails with.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<DomainError> for HttpError {
    fn from(refusal: DomainError) -> Self {
        Self::Service(refusal.into())
    }
}

impl From<StoreError> for HttpError {
    fn from(err: StoreError) -> Self {
        Self::Service(err.into())
    }
}

impl From<EmailError> for HttpError {
    fn from(err: EmailError) -> Self {
        Self::Service(err.into())
    }
}

impl HttpError {
    /// An internal error passed on as it is (see `ServiceError::internal`).
    pub fn internal(err: impl Into<crate::domain::error::BoxError>) -> Self {
        Self::Service(ServiceError::internal(err))
    }
}

pub type HttpResult<T> = Result<T, HttpError>;
