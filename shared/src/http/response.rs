//! Building JSON responses.

use lambda_http::{Body, Response};
use serde::{Deserialize, Serialize};

use super::error::{HttpError, HttpResult};
use crate::store::Recorded;

/// A creating request's first response, recorded (`Recorded`) in the transaction that created
/// what it describes and replayed for retries of the same `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredResponse {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub etag: Option<String>,
}

impl StoredResponse {
    /// The response as the store records it.
    pub fn record(&self) -> Recorded {
        // A struct of numbers, strings and options always converts.
        Recorded(serde_json::to_value(self).unwrap_or_default())
    }

    /// The response itself, as first sent.
    pub fn send(self) -> HttpResult<Response<Body>> {
        with_body(self.status, self.body, self.etag.as_deref(), self.location.as_deref())
    }
}

pub fn json<T: Serialize>(status: u16, value: &T) -> HttpResult<Response<Body>> {
    let body = serde_json::to_string(value).map_err(HttpError::internal)?;
    with_body(status, body, None, None)
}

pub(crate) fn with_body(
    status: u16,
    body: String,
    etag: Option<&str>,
    location: Option<&str>,
) -> HttpResult<Response<Body>> {
    let mut builder = Response::builder().status(status).header("content-type", "application/json");
    if let Some(etag) = etag {
        builder = builder.header("etag", etag);
    }
    if let Some(location) = location {
        builder = builder.header("location", location);
    }
    builder.body(Body::Text(body)).map_err(HttpError::internal)
}

pub(crate) fn no_content() -> HttpResult<Response<Body>> {
    Response::builder().status(204).body(Body::Empty).map_err(HttpError::internal)
}

/// A recorded first response sent again, marked as a replay.
pub(crate) fn replay(recorded: Recorded) -> HttpResult<Response<Body>> {
    let stored: StoredResponse = serde_json::from_value(recorded.0).map_err(HttpError::internal)?;
    let mut response = stored.send()?;
    response.headers_mut().insert("idempotent-replayed", http::HeaderValue::from_static("true"));
    Ok(response)
}

/// A JSON page of a list.
#[derive(Serialize)]
pub(crate) struct ListBody<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
