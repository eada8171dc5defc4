//! The API Gateway HTTP API v2 event of a request, as the function behind its route receives
//! it: built by the local API's one event builder (`local_api::event::event`) from the
//! request's parts, with the caller's token in its headers and the authorizer's claims.

use serde_json::{json, Map, Value};

use shared::http::routes::Route;

use super::{Caller, TestApi, VERIFIED_TOKEN};

impl TestApi {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn event(
        &self,
        route: &Route,
        caller: &Caller,
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Value {
        let (headers, claims) = headers_and_claims(caller, headers);
        let mut event = local_api::event::event(local_api::event::EventParts {
            method,
            template: route.template,
            path,
            query,
            headers,
            cookies: Vec::new(),
            body: body.as_deref().unwrap_or_default().as_bytes(),
            request_id: &format!("req-{}", ulid::Ulid::new()),
            claims,
        });
        // Without path parameters, as cargo lambda watch passes a raw path.
        if !self.path_parameters {
            event["pathParameters"] = Value::Null;
        }
        event
    }
}

/// The request's headers (names lower-cased) with what the caller brings: a raw
/// `Authorization` header, or the verified token's header and the authorizer's claims.
fn headers_and_claims(
    caller: &Caller,
    headers: &[(&str, &str)],
) -> (Map<String, Value>, Option<Map<String, Value>>) {
    let mut map: Map<String, Value> = headers.iter().map(|(k, v)| (k.to_lowercase(), json!(v))).collect();
    let claims = match caller {
        Caller::RawAuthorization(value) => {
            map.insert("authorization".into(), json!(value));
            None
        }
        Caller::Authorizer(claims) => {
            map.insert("authorization".into(), json!(format!("Bearer {VERIFIED_TOKEN}")));
            Some(claims.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
        }
        Caller::Anonymous => None,
    };
    (map, claims)
}
