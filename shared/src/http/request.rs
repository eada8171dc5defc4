//! Reading requests at the edge: content type, size, JSON shape, query parameters, If-Match
//! and Idempotency-Key. Everything past this point works with parsed values.

use lambda_http::{Body, Request, RequestExt};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::error::{HttpError, HttpResult, RequestError};
use crate::store::IdempotentRequest;

/// Largest JSON body accepted. A contact is well under 8 KiB; this leaves room without
/// letting one request occupy a 128 MB function.
pub(crate) const MAX_JSON_BODY: usize = 64 * 1024;
const MAX_IDEMPOTENCY_KEY: usize = 255;

pub(crate) fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        #[allow(unreachable_patterns)]
        _ => &[],
    }
}

fn is_json(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// The body as a JSON object: 415 unless JSON, 413 when too large, 400 when not an object.
pub(crate) fn json_object(req: &Request) -> HttpResult<Map<String, Value>> {
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !is_json(content_type) {
        return Err(RequestError::UnsupportedMediaType("application/json").into());
    }
    let bytes = body_bytes(req);
    if bytes.len() > MAX_JSON_BODY {
        return Err(RequestError::PayloadTooLarge(MAX_JSON_BODY).into());
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| RequestError::BadRequest("body is not valid UTF-8".into()))?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(RequestError::BadRequest("body must be a JSON object".into()).into()),
        Err(e) => Err(RequestError::BadRequest(format!("malformed JSON: {e}")).into()),
    }
}

/// An upload (an import's file): its media type, one of `accepted` (`describe` says them in
/// the 415 for any other), and its body; 413 past `max_bytes`. Which types a route takes and
/// what they mean is its handler's business.
pub(crate) fn upload<'r>(
    req: &'r Request,
    (accepted, describe): (&[&'static str], &'static str),
    max_bytes: usize,
) -> HttpResult<(&'static str, &'r [u8])> {
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let media = accepted.iter().find(|a| **a == media).ok_or(RequestError::UnsupportedMediaType(describe))?;
    let bytes = body_bytes(req);
    if bytes.len() > max_bytes {
        return Err(RequestError::PayloadTooLarge(max_bytes).into());
    }
    Ok((media, bytes))
}

/// The version an `If-Match` header pins, if any. `*` (or an empty header) pins nothing. A tag
/// of the shape this service issues, `"v<digits>"` (weak `W/` too), pins its version: one the
/// resource is not at fails the precondition (412), also one past any version a counter reaches.
/// Any other value is no entity tag this service could have issued: 400.
pub fn if_match(req: &Request) -> HttpResult<Option<u64>> {
    let Some(value) = req.headers().get("if-match") else {
        return Ok(None);
    };
    let malformed = || -> HttpError {
        RequestError::BadRequest(r#"If-Match must be an ETag of this API ("v<version>") or *"#.into()).into()
    };
    let value = value.to_str().map_err(|_| malformed())?.trim();
    if value.is_empty() || value == "*" {
        return Ok(None);
    }
    let digits = value
        .strip_prefix("W/")
        .unwrap_or(value)
        .strip_prefix("\"v")
        .and_then(|v| v.strip_suffix('"'))
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(malformed)?;
    Ok(Some(digits.parse::<u64>().unwrap_or(u64::MAX)))
}

/// The `Idempotency-Key` of a creating request, with a fingerprint of what it asks for.
pub fn idempotency(req: &Request) -> HttpResult<Option<IdempotentRequest>> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| {
            !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .ok_or_else(|| {
            RequestError::BadRequest(format!(
                "Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} visible ASCII characters"
            ))
        })?;
    let mut hash = Sha256::new();
    hash.update(req.method().as_str());
    hash.update([0]);
    hash.update(req.uri().path());
    hash.update([0]);
    hash.update(body_bytes(req));
    let fingerprint = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Some(IdempotentRequest { key: key.to_owned(), fingerprint }))
}

/// Query parameters, refusing names the route does not know.
pub struct Query {
    params: Vec<(String, String)>,
}

impl Query {
    pub fn parse(req: &Request, allowed: &[&str]) -> HttpResult<Self> {
        Self::parse_open(req, allowed, &[])
    }

    /// As `parse`, also allowing every parameter whose name starts with one of `open`.
    pub fn parse_open(req: &Request, allowed: &[&str], open: &[&str]) -> HttpResult<Self> {
        let mut params = Vec::new();
        if let Some(map) = req.query_string_parameters_ref() {
            for (name, value) in map.iter() {
                if !allowed.contains(&name) && !open.iter().any(|prefix| name.starts_with(prefix)) {
                    return Err(RequestError::BadRequest(format!("unknown query parameter {name:?}")).into());
                }
                params.push((name.to_owned(), value.to_owned()));
            }
        }
        Ok(Self { params })
    }

    /// The parameters whose name starts with `prefix`, that prefix taken off, in name order.
    pub fn with_prefix(&self, prefix: &str) -> Vec<(&str, &str)> {
        let mut found: Vec<(&str, &str)> =
            (self.params.iter()).filter_map(|(n, v)| Some((n.strip_prefix(prefix)?, v.as_str()))).collect();
        found.sort_unstable();
        found
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// `limit`: 1..=100, default 25.
    pub fn limit(&self) -> HttpResult<i32> {
        match self.get("limit") {
            None => Ok(25),
            Some(raw) => raw.parse::<i32>().ok().filter(|n| (1..=100).contains(n)).ok_or_else(|| {
                RequestError::BadRequest("limit must be an integer from 1 to 100".into()).into()
            }),
        }
    }

    /// A `true`/`false` parameter, false when absent.
    pub fn flag(&self, name: &str) -> HttpResult<bool> {
        Ok(self.parsed(name, |v| v.parse::<bool>().ok())?.unwrap_or(false))
    }

    /// A parameter parsed by `parse`, 400 naming it when it does not parse.
    pub fn parsed<T>(&self, name: &str, parse: impl FnOnce(&str) -> Option<T>) -> HttpResult<Option<T>> {
        self.get(name)
            .map(|raw| {
                parse(raw).ok_or_else(|| RequestError::BadRequest(format!("invalid value for {name}")).into())
            })
            .transpose()
    }
}
