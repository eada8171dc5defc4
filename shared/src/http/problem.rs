//! The one place where errors become HTTP responses (RFC 9457 problem details).
//! `type` is a stable relative URI and `code` the same slug, for clients to switch on.

use lambda_http::{Body, Response};
use serde::Serialize;

use super::error::{AccessError, HttpError, RequestError};
use crate::domain::{DomainError, FieldError};
use crate::error::{EmailError, ServiceError};
use crate::store::StoreError;

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

/// How one error shows on the wire: status, problem code, title and detail, the invalid fields
/// and when to retry where they apply.
#[derive(Debug)]
pub struct ProblemSpec<'e> {
    pub status: u16,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Option<&'e [FieldError]>,
    pub retry_after: Option<String>,
}

/// The one mapping from errors to problems. The code comes from the error itself.
pub fn describe(err: &HttpError) -> ProblemSpec<'_> {
    let (status, title) = match err {
        HttpError::Access(AccessError::Unauthenticated(_)) => (401, "Authentication required"),
        HttpError::Access(AccessError::Forbidden(_)) => (403, "Not allowed"),
        HttpError::Request(e) => request_status(e),
        HttpError::Service(e) => service_status(e),
    };
    let code = match err {
        HttpError::Access(AccessError::Unauthenticated(_)) => "unauthenticated",
        HttpError::Access(AccessError::Forbidden(_)) => "forbidden",
        HttpError::Request(e) => request_code(e),
        HttpError::Service(e) => e.code(),
    };
    let (errors, retry_after) = match err {
        HttpError::Service(ServiceError::Refused(DomainError::Validation(errors))) => {
            (Some(errors.as_slice()), None)
        }
        HttpError::Service(ServiceError::Refused(DomainError::QuotaExceeded(over))) => {
            (None, Some(over.retry_after_secs.to_string()))
        }
        // Throttling passes within a second or so; the retries already waited about one.
        HttpError::Service(ServiceError::Store(StoreError::Busy)) => (None, Some("1".to_owned())),
        _ => (None, None),
    };
    ProblemSpec { status, code, title, detail: detail(err), errors, retry_after }
}

fn request_code(err: &RequestError) -> &'static str {
    match err {
        RequestError::BadRequest(_) => "bad-request",
        RequestError::UnsupportedMediaType(_) => "unsupported-media-type",
        RequestError::PayloadTooLarge(_) => "payload-too-large",
    }
}

fn request_status(err: &RequestError) -> (u16, &'static str) {
    match err {
        RequestError::BadRequest(_) => (400, "Bad request"),
        RequestError::UnsupportedMediaType(_) => (415, "Unsupported media type"),
        RequestError::PayloadTooLarge(_) => (413, "Payload too large"),
    }
}

fn service_status(err: &ServiceError) -> (u16, &'static str) {
    match err {
        ServiceError::Refused(refusal) => refusal_status(refusal),
        ServiceError::Store(StoreError::Refused(refusal)) => refusal_status(refusal),
        ServiceError::Store(StoreError::PreconditionFailed) => (412, "Precondition failed"),
        ServiceError::Store(StoreError::IdempotencyKeyReused) => (422, "Idempotency key reused"),
        ServiceError::Store(StoreError::Contention) => (409, "Concurrent modification"),
        ServiceError::Store(StoreError::Busy) => (503, "Store busy"),
        ServiceError::Email(EmailError::Rejected(_)) => (502, "Email refused"),
        ServiceError::Email(EmailError::Unavailable(_)) => (503, "Email unavailable"),
        ServiceError::Store(StoreError::Internal(_)) | ServiceError::Internal(_) => (500, "Internal error"),
    }
}

fn refusal_status(err: &DomainError) -> (u16, &'static str) {
    use DomainError::*;
    match err {
        PortalAccess(_) => (403, "No portal access"),
        NotTheAuthor => (403, "Not allowed"),
        NotFound(_) => (404, "Not found"),
        UnreadableFile(_) => (400, "Bad request"),
        TooManyRows(_) => (413, "Payload too large"),
        Validation(_) => (422, "Validation failed"),
        EmailTaken => (409, "Email already in use"),
        PrimaryRequired => (409, "Primary contact required"),
        ClientHasContacts => (409, "Client still has contacts"),
        TagNameTaken => (409, "Tag name already in use"),
        CustomFieldInUse(_) => (409, "Custom field in use"),
        TooManyReports(_) | TooManyProjects(_) | TooManyTags(_) | MoveTooLarge(_) | MergeTooLarge(_)
        | TagBeingDeleted | NoEmail(_) | PortalActive | PortalNotActive | SupportNotStarted
        | SupportEnded | ClientInactive | NoPrimaryContact | EmailSuppressed(_) => (409, "Conflict"),
        Gone(_) => (410, "Gone"),
        QuotaExceeded(_) => (429, "Email quota exceeded"),
        Inconsistent(_) => (500, "Internal error"),
    }
}

fn detail(err: &HttpError) -> String {
    match err {
        // Internals are logged where the response is made, never returned.
        HttpError::Service(e) if e.is_internal() => {
            "the request could not be completed; it has been logged".to_owned()
        }
        HttpError::Service(ServiceError::Email(EmailError::Unavailable(_))) => {
            "email could not be sent right now; nothing was changed, try again later".to_owned()
        }
        // SES's words name the account's identities, sandbox state and region: logs only.
        HttpError::Service(ServiceError::Email(EmailError::Rejected(_))) => {
            "the email service refused this message; sending it again will not help".to_owned()
        }
        other => other.to_string(),
    }
}

impl ProblemSpec<'_> {
    /// The `application/problem+json` response.
    pub fn response(&self) -> Response<Body> {
        let problem = Problem {
            errors: self.errors,
            ..Problem::new(self.status, self.code, self.title, self.detail.clone())
        };
        let mut builder = Response::builder().status(self.status).header("content-type", PROBLEM_JSON);
        if self.status == 401 {
            builder = builder.header("www-authenticate", "Bearer");
        }
        if let Some(seconds) = &self.retry_after {
            builder = builder.header("retry-after", seconds.as_str());
        }
        builder.body(Body::Text(problem.to_json())).unwrap_or_default()
    }
}
