//! Building JSON responses.

use lambda_http::{Body, Response};
use serde::Serialize;

use crate::domain::{DomainError, DomainResult};
use crate::store::StoredResponse;

pub fn json<T: Serialize>(status: u16, value: &T) -> DomainResult<Response<Body>> {
    let body = serde_json::to_string(value).map_err(DomainError::internal)?;
    with_body(status, body, None, None)
}

pub fn with_body(
    status: u16,
    body: String,
    etag: Option<&str>,
    location: Option<&str>,
) -> DomainResult<Response<Body>> {
    let mut builder = Response::builder().status(status).header("content-type", "application/json");
    if let Some(etag) = etag {
        builder = builder.header("etag", etag);
    }
    if let Some(location) = location {
        builder = builder.header("location", location);
    }
    builder.body(Body::Text(body)).map_err(DomainError::internal)
}

pub fn no_content() -> DomainResult<Response<Body>> {
    Response::builder().status(204).body(Body::Empty).map_err(DomainError::internal)
}

pub fn replay(stored: StoredResponse) -> DomainResult<Response<Body>> {
    let mut response =
        with_body(stored.status, stored.body, stored.etag.as_deref(), stored.location.as_deref())?;
    response.headers_mut().insert("idempotent-replayed", http::HeaderValue::from_static("true"));
    Ok(response)
}

/// A JSON page of a list.
#[derive(Serialize)]
pub struct ListBody<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
