//! The HTTP adapter's errors: callers refused before any rule sees the request (no verified
//! identity, groups that do not grant the route) and requests it cannot read (malformed, of the
//! wrong media type, too large), beside every error of the layers below. `problem` maps them.

use crate::domain::DomainError;

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
    Domain(#[from] DomainError),
}

impl HttpError {
    /// An internal error passed on as it is (see `DomainError::internal`).
    pub fn internal(err: impl Into<crate::domain::error::BoxError>) -> Self {
        Self::Domain(DomainError::internal(err))
    }
}

pub type HttpResult<T> = Result<T, HttpError>;
