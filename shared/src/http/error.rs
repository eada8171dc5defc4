//! The HTTP adapter's errors: requests refused before any rule sees them (malformed, of the
//! wrong media type, too large), beside every error of the layers below. `problem` maps both.

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

/// What a handler fails with.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
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
