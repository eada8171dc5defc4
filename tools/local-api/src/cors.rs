//! CORS as the deployed HTTP API does it, from the template's `CorsConfiguration`: API Gateway
//! answers browsers' preflight requests itself (no function runs), and on other responses it
//! sets the CORS headers, ignoring any the function returned. Only the allowed origins differ
//! locally: the template takes them from a stack parameter, the local API from
//! `CORS_ALLOWED_ORIGINS` (any origin when unset), so a front end on any local port works.

use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};
use serde_yaml::Value;

use crate::template::Template;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cors {
    /// `*` alone allows every origin.
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age: Option<u64>,
    pub allow_credentials: bool,
}

fn strings(value: &Value) -> Vec<String> {
    value.as_sequence().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect()
}

impl Cors {
    /// The `CorsConfiguration` of the template's HTTP API, with `allow_origins` in place of
    /// the stack parameter it refers to. `None` when the API has no CORS configuration.
    pub fn from_template(template: &Template, allow_origins: Vec<String>) -> Option<Self> {
        let api = template.resources("AWS::Serverless::HttpApi").next()?;
        let config = &api["Properties"]["CorsConfiguration"];
        if !config.is_mapping() {
            return None;
        }
        Some(Self {
            allow_origins,
            allow_methods: strings(&config["AllowMethods"]),
            allow_headers: strings(&config["AllowHeaders"]),
            expose_headers: strings(&config["ExposeHeaders"]),
            max_age: config["MaxAge"].as_u64(),
            allow_credentials: config["AllowCredentials"].as_bool().unwrap_or(false),
        })
    }

    /// Origins from a comma-separated list such as `CORS_ALLOWED_ORIGINS`; unset or empty
    /// means any origin.
    pub fn origins_from(list: Option<&str>) -> Vec<String> {
        let origins: Vec<String> = list
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect();
        if origins.is_empty() {
            vec!["*".to_owned()]
        } else {
            origins
        }
    }

    /// The `Access-Control-Allow-Origin` value for a request's `Origin`, if it is allowed.
    fn allowed_origin(&self, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        let origin = origin?.to_str().ok()?;
        if self.allow_origins.iter().any(|o| o == "*") {
            // With credentials a browser refuses `*`, so API Gateway echoes the origin.
            return HeaderValue::from_str(if self.allow_credentials { origin } else { "*" }).ok();
        }
        self.allow_origins
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin))
            .then(|| HeaderValue::from_str(origin).ok())?
    }

    /// A browser's preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    pub fn is_preflight(method: &str, headers: &HeaderMap) -> bool {
        method == "OPTIONS"
            && headers.contains_key("origin")
            && headers.contains_key("access-control-request-method")
    }

    /// The answer to a preflight: 204, with the CORS headers when the origin is allowed (a
    /// browser then refuses the real request otherwise).
    pub fn preflight<B: Default>(&self, request: &HeaderMap) -> Response<B> {
        let mut res = Response::new(B::default());
        *res.status_mut() = StatusCode::NO_CONTENT;
        if let Some(origin) = self.allowed_origin(request.get("origin")) {
            let headers = res.headers_mut();
            headers.insert("access-control-allow-origin", origin);
            insert_list(headers, "access-control-allow-methods", &self.allow_methods);
            insert_list(headers, "access-control-allow-headers", &self.allow_headers);
            if let Some(age) = self.max_age {
                headers.insert("access-control-max-age", HeaderValue::from(age));
            }
            if self.allow_credentials {
                headers.insert("access-control-allow-credentials", HeaderValue::from_static("true"));
            }
        }
        res
    }

    /// Replaces whatever CORS headers a function answered with the API's own for this request.
    pub fn apply(&self, request: &HeaderMap, response: &mut HeaderMap) {
        let theirs: Vec<_> =
            response.keys().filter(|k| k.as_str().starts_with("access-control-")).cloned().collect();
        for name in theirs {
            response.remove(name);
        }
        if let Some(origin) = self.allowed_origin(request.get("origin")) {
            response.insert("access-control-allow-origin", origin);
            insert_list(response, "access-control-expose-headers", &self.expose_headers);
            if self.allow_credentials {
                response.insert("access-control-allow-credentials", HeaderValue::from_static("true"));
            }
        }
    }
}

fn insert_list(headers: &mut HeaderMap, name: &'static str, values: &[String]) {
    if let Ok(value) = HeaderValue::from_str(&values.join(",")) {
        if !values.is_empty() {
            headers.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_template_configures_cors_for_the_api() {
        let cors = Cors::from_template(&Template::of_repo(), vec!["*".into()]).unwrap();
        assert!(cors.allow_methods.iter().any(|m| m == "PATCH"));
        assert!(cors.allow_headers.iter().any(|h| h == "if-match"));
        assert!(cors.expose_headers.iter().any(|h| h == "etag"));
    }

    #[test]
    fn an_empty_origin_list_allows_any_origin_and_a_list_is_trimmed() {
        assert_eq!(Cors::origins_from(None), ["*"]);
        assert_eq!(Cors::origins_from(Some(" , ")), ["*"]);
        assert_eq!(
            Cors::origins_from(Some("http://a.test, http://b.test")),
            ["http://a.test", "http://b.test"]
        );
    }
}
