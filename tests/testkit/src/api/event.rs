//! The API Gateway HTTP API v2 event of a request, as the function behind its route receives
//! it: headers with the caller's token, the authorizer's claims, the decoded query and path
//! parameters.

use std::collections::HashMap;

use serde_json::{json, Value};

use shared::http::routes::{percent_decode_lossy, Route, RouteShape};

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
        let (header_map, authorizer) = headers_and_authorizer(caller, headers);
        let query_params = query_parameters(query);
        let path_params = self.path_parameters_of(route, path);
        let route_key = route.key();
        json!({
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": path,
            "rawQueryString": query,
            "headers": header_map,
            "queryStringParameters": if query_params.is_empty() { Value::Null } else { json!(query_params) },
            "pathParameters": if path_params.is_empty() { Value::Null } else { json!(path_params) },
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": "localhost",
                "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "tests" },
                "requestId": format!("req-{}", ulid::Ulid::new()),
                "routeKey": route_key,
                "stage": "$default",
                "time": "22/Nov/2026:10:00:00 +0000",
                "timeEpoch": 1_795_000_000_000_i64,
                "authorizer": authorizer,
            },
            "body": body,
            "isBase64Encoded": false,
        })
    }

    /// The route's path parameters, as API Gateway sends them; none when `path_parameters` is
    /// off (raw path only, as cargo lambda watch sends).
    fn path_parameters_of(&self, route: &Route, path: &str) -> HashMap<&'static str, String> {
        if self.path_parameters {
            route.match_path(path).unwrap_or_default().into_iter().collect()
        } else {
            HashMap::new()
        }
    }
}

/// The request's headers (names lower-cased) with what the caller brings: a raw
/// `Authorization` header, or the verified token's header and the authorizer's claims.
fn headers_and_authorizer(caller: &Caller, headers: &[(&str, &str)]) -> (HashMap<String, String>, Value) {
    let mut header_map: HashMap<String, String> =
        headers.iter().map(|(k, v)| (k.to_lowercase(), v.to_string())).collect();
    let mut authorizer = Value::Null;
    match caller {
        Caller::RawAuthorization(value) => {
            header_map.insert("authorization".into(), value.clone());
        }
        Caller::Authorizer(claims) => {
            header_map.insert("authorization".into(), format!("Bearer {VERIFIED_TOKEN}"));
            authorizer = json!({ "jwt": { "claims": claims, "scopes": null } });
        }
        Caller::Anonymous => {}
    }
    (header_map, authorizer)
}

/// The query string's parameters, percent-decoded as API Gateway passes them.
fn query_parameters(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            // API Gateway passes parameters percent-decoded.
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode_lossy(k), percent_decode_lossy(v))
        })
        .collect()
}
