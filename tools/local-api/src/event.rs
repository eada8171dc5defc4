//! What API Gateway's HTTP API hands a function and takes back: the payload format 2.0 event
//! of a request (`routeKey`, `pathParameters`, headers joined with commas, cookies apart, and a
//! body that is not UTF-8 text base64-encoded with `isBase64Encoded`), and the function's
//! response object (`statusCode`, `headers`, `cookies`, `body`, `isBase64Encoded`) turned back
//! into an HTTP response.
//!
//! On a route with an authorizer, the claims of the token it verified (see `authorizer`) are in
//! `requestContext.authorizer.jwt.claims`, the only identity the functions read.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Response, StatusCode};
use serde_json::{json, Map, Value};
use shared::http::routes::{captures, percent_decode, percent_decode_lossy};

use crate::template::TemplateRoute;

/// What a request event is made of, however the request arrived (over HTTP to the local API,
/// or built by the tests): the one place the event's shape is written.
pub struct EventParts<'a> {
    /// The route's method and template (`routeKey`), and where its parameters are.
    pub method: &'a str,
    pub template: &'a str,
    /// The raw path and query, as the client sent them.
    pub path: &'a str,
    pub query: &'a str,
    /// Header names lower-cased, repeated ones joined with commas; cookies apart.
    pub headers: Map<String, Value>,
    pub cookies: Vec<String>,
    pub body: &'a [u8],
    pub request_id: &'a str,
    /// The claims of the token the route's authorizer verified, if it has one.
    pub claims: Option<Map<String, Value>>,
}

/// The payload format 2.0 event of a request.
pub fn event(parts: EventParts<'_>) -> Value {
    let path_parameters: Map<String, Value> = path_parameters(parts.template, parts.path);
    let query_parameters = query_parameters(parts.query);
    let route_key = format!("{} {}", parts.method, parts.template);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let header = |name: &str| parts.headers.get(name).and_then(Value::as_str).map(str::to_owned);
    let host = header("host").unwrap_or_else(|| "localhost".to_owned());
    let user_agent = header("user-agent").unwrap_or_default();
    let (body, encoded) = event_body(parts.body);
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "cookies": if parts.cookies.is_empty() { Value::Null } else { json!(parts.cookies) },
        "headers": parts.headers,
        "queryStringParameters": if query_parameters.is_empty() { Value::Null } else { Value::Object(query_parameters) },
        "pathParameters": if path_parameters.is_empty() { Value::Null } else { Value::Object(path_parameters) },
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap_or(&host),
            "http": {
                "method": parts.method,
                "path": parts.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": user_agent,
            },
            "requestId": parts.request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": "",
            "timeEpoch": now,
        },
        "body": body,
        "isBase64Encoded": encoded,
    });
    if let Some(claims) = parts.claims {
        event["requestContext"]["authorizer"] = json!({ "jwt": { "claims": claims, "scopes": null } });
    }
    event
}

/// The event for `route`, from the request's head and its whole body.
pub fn request_event(
    route: &TemplateRoute,
    parts: &Parts,
    body: &[u8],
    request_id: &str,
    claims: Option<Map<String, Value>>,
) -> Value {
    let (headers, cookies) = headers_and_cookies(parts);
    event(EventParts {
        method: &route.method,
        template: &route.path,
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers,
        cookies,
        body,
        request_id,
        claims,
    })
}

/// The query string's parameters, percent-decoded as API Gateway passes them, repeated ones
/// joined with commas.
fn query_parameters(query: &str) -> Map<String, Value> {
    let mut parameters = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (percent_decode_lossy(name), percent_decode_lossy(value));
        match parameters.get_mut(&name) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                parameters.insert(name, Value::String(value));
            }
        }
    }
    parameters
}

/// The request's headers, repeated ones joined with commas, and apart from them its cookies.
fn headers_and_cookies(parts: &Parts) -> (Map<String, Value>, Vec<String>) {
    let mut headers: Map<String, Value> = Map::new();
    let mut cookies: Vec<String> = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == "cookie" {
            cookies.extend(value.split(';').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned));
            continue;
        }
        match headers.get_mut(name.as_str()) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::String(value));
            }
        }
    }
    (headers, cookies)
}

/// The event's `body` and `isBase64Encoded`: no body is null, UTF-8 text is passed as it came,
/// anything else base64-encoded.
fn event_body(body: &[u8]) -> (Value, bool) {
    match std::str::from_utf8(body) {
        _ if body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::String(text.to_owned()), false),
        Err(_) => (Value::String(BASE64.encode(body)), true),
    }
}

/// The `{name}` segments of `template` in `path` (which the router matched to it),
/// percent-decoded as API Gateway passes them; a segment that does not decode to UTF-8 is
/// passed as it came.
fn path_parameters(template: &str, path: &str) -> Map<String, Value> {
    captures(template, path)
        .map(|(name, segment)| {
            let decoded = percent_decode(segment).unwrap_or_else(|| segment.to_owned());
            (name.to_owned(), Value::String(decoded))
        })
        .collect()
}

/// The HTTP response a function's response object describes; `Err` says why the payload is
/// not one (a function that failed answers an error object instead).
pub fn response_from(payload: &[u8]) -> Result<Response<Full<Bytes>>, String> {
    let object: Value =
        serde_json::from_slice(payload).map_err(|e| format!("the function's answer is not JSON: {e}"))?;
    let status = object["statusCode"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| format!("the function's answer has no statusCode: {}", truncated(&object)))?;
    let body = match object["body"].as_str() {
        None => Bytes::new(),
        Some(text) if object["isBase64Encoded"].as_bool() == Some(true) => {
            Bytes::from(BASE64.decode(text).map_err(|e| format!("the function's body is not base64: {e}"))?)
        }
        Some(text) => Bytes::from(text.to_owned()),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    for (name, value) in object["headers"].as_object().into_iter().flatten() {
        if let (Ok(name), Some(Ok(value))) =
            (HeaderName::from_bytes(name.as_bytes()), value.as_str().map(HeaderValue::from_str))
        {
            headers.insert(name, value);
        }
    }
    for cookie in object["cookies"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append("set-cookie", value);
        }
    }
    Ok(response)
}

fn truncated(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(300) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::Request;

    fn route() -> TemplateRoute {
        TemplateRoute {
            method: "POST".into(),
            path: "/clients/{clientId}/contacts".into(),
            function: "add-contact".into(),
            authorizer: Some("StaffJwt".into()),
        }
    }

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = Request::post(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn a_body_that_is_not_utf8_is_passed_base64_encoded() {
        let event = request_event(&route(), &parts("/clients/C1/contacts", &[]), b"\xc3\x28", "r1", None);
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(event["body"], BASE64.encode(b"\xc3\x28"));
    }

    #[test]
    fn a_text_body_is_passed_as_it_came_and_no_body_as_null() {
        let event = request_event(
            &route(),
            &parts("/clients/C1/contacts", &[]),
            "{\"a\":\"ö\"}".as_bytes(),
            "r1",
            None,
        );
        assert_eq!(
            (event["isBase64Encoded"].clone(), event["body"].clone()),
            (json!(false), json!("{\"a\":\"ö\"}"))
        );
        let event = request_event(&route(), &parts("/clients/C1/contacts", &[]), b"", "r1", None);
        assert_eq!(event["body"], Value::Null);
    }

    #[test]
    fn the_event_names_the_route_its_decoded_parameters_and_the_raw_path_and_query() {
        let headers = [("x-multi", "one"), ("x-multi", "two"), ("cookie", "a=1; b=2")];
        let event =
            request_event(&route(), &parts("/clients/C%201/contacts?x=a%2Bb&x=2", &headers), b"", "r1", None);
        assert_eq!(event["routeKey"], "POST /clients/{clientId}/contacts");
        assert_eq!(event["requestContext"]["routeKey"], "POST /clients/{clientId}/contacts");
        assert_eq!(event["pathParameters"], json!({ "clientId": "C 1" }));
        assert_eq!(event["rawPath"], "/clients/C%201/contacts");
        assert_eq!(event["rawQueryString"], "x=a%2Bb&x=2");
        assert_eq!(event["headers"]["x-multi"], "one,two");
        assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
        assert_eq!(event["queryStringParameters"], json!({ "x": "a+b,2" }));
        assert_eq!(event["requestContext"]["http"]["method"], "POST");
    }

    #[test]
    fn a_response_object_becomes_status_headers_cookies_and_decoded_body() {
        let payload = json!({
            "statusCode": 201,
            "headers": { "etag": "\"v1\"", "content-type": "application/octet-stream" },
            "cookies": ["a=1", "b=2"],
            "body": BASE64.encode(b"\x00\xff"),
            "isBase64Encoded": true,
        });
        let response = response_from(payload.to_string().as_bytes()).unwrap();
        assert_eq!(response.status(), 201);
        assert_eq!(response.headers()["etag"], "\"v1\"");
        assert_eq!(response.headers().get_all("set-cookie").iter().collect::<Vec<_>>(), ["a=1", "b=2"]);
    }

    #[test]
    fn an_error_object_is_not_a_response() {
        let payload = json!({ "errorType": "Panic", "errorMessage": "boom" });
        assert!(response_from(payload.to_string().as_bytes()).unwrap_err().contains("statusCode"));
        assert!(response_from(b"not json").is_err());
    }
}
