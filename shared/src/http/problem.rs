//! The one place where domain errors become HTTP responses (RFC 9457 problem details).
//! `type` is a stable relative URI and `code` the same slug, for clients to switch on.

use lambda_http::{Body, Response};
use serde::Serialize;

use crate::domain::{DomainError, FieldError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The body of every error response of the service (the local API's own 404/405/502 too).
#[derive(Serialize)]
pub struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    code: &'a str,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
}

impl<'a> Problem<'a> {
    pub fn new(status: u16, code: &'a str, title: &'a str, detail: String) -> Self {
        Self { kind: format!("/problems/{code}"), code, title, status, detail, errors: None }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The status, slug and title of an error.
pub fn classify(err: &DomainError) -> (u16, &'static str, &'static str) {
    use DomainError::*;
    match err {
        Unauthenticated(_) => (401, "unauthenticated", "Authentication required"),
        Forbidden => (403, "forbidden", "Not allowed"),
        NotFound(_) => (404, "not-found", "Not found"),
        BadRequest(_) => (400, "bad-request", "Bad request"),
        UnsupportedMediaType(_) => (415, "unsupported-media-type", "Unsupported media type"),
        PayloadTooLarge(_) | TooManyRows(_) => (413, "payload-too-large", "Payload too large"),
        Validation(_) => (422, "validation-failed", "Validation failed"),
        EmailTaken => (409, "email-taken", "Email already in use"),
        PrimaryRequired => (409, "primary-required", "Primary contact required"),
        ClientHasContacts => (409, "client-has-contacts", "Client still has contacts"),
        PreconditionFailed => (412, "precondition-failed", "Precondition failed"),
        IdempotencyKeyReused => (422, "idempotency-key-reused", "Idempotency key reused"),
        Contention => (409, "contention", "Concurrent modification"),
        Conflict(code, _) => (409, code, "Conflict"),
        Gone(_) => (410, "gone", "Gone"),
        EmailRejected(_) => (502, "email-rejected", "Email refused"),
        EmailUnavailable(_) => (503, "email-unavailable", "Email unavailable"),
        QuotaExceeded(_) => (429, "email-quota-exceeded", "Email quota exceeded"),
        StoreBusy => (503, "store-busy", "Store busy"),
        Internal(_) => (500, "internal", "Internal error"),
    }
}

pub fn problem_response(err: &DomainError) -> Response<Body> {
    let (status, code, title) = classify(err);
    let detail = match err {
        // Internals are logged by the caller, never returned.
        DomainError::Internal(_) => "the request could not be completed; it has been logged".to_owned(),
        DomainError::EmailUnavailable(_) => {
            "email could not be sent right now; nothing was changed, try again later".to_owned()
        }
        // SES's words name the account's identities, sandbox state and region: logs only.
        DomainError::EmailRejected(_) => {
            "the email service refused this message; sending it again will not help".to_owned()
        }
        other => other.to_string(),
    };
    let errors = match err {
        DomainError::Validation(errors) => Some(errors.as_slice()),
        _ => None,
    };
    let body = Problem { errors, ..Problem::new(status, code, title, detail) }.to_json();
    let mut builder = Response::builder().status(status).header("content-type", PROBLEM_JSON);
    if status == 401 {
        builder = builder.header("www-authenticate", "Bearer");
    }
    if let DomainError::QuotaExceeded(over) = err {
        builder = builder.header("retry-after", over.retry_after_secs.to_string());
    }
    if matches!(err, DomainError::StoreBusy) {
        // Throttling passes within a second or so; the retries already waited about one.
        builder = builder.header("retry-after", "1");
    }
    builder.body(Body::Text(body)).unwrap_or_default()
}
