//! What API Gateway's JWT authorizer does before a route's function runs, against the local
//! Cognito emulator's pools: the token (with or without `Bearer `) must be an RS256 JWT signed
//! by a key of the pool's JWKS, with the pool's issuer, not expired or not yet valid, and an
//! `aud` (ID token) or `client_id` (access token) naming the pool's app client. Otherwise 401
//! `{"message":"Unauthorized"}` with a `WWW-Authenticate` challenge, and the function never
//! runs. A verified token's claims reach the function as API Gateway passes them: every value
//! a string, arrays flattened to `[a b]`.

use std::collections::HashMap;
use std::sync::RwLock;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use hyper::{HeaderMap, Request, Response, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One user pool as the local stack made it (`tools/local-cognito` writes these).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LocalPool {
    pub pool_id: String,
    pub client_id: String,
    /// The `iss` of its tokens, `<endpoint>/<pool id>`; its JWKS is under it.
    pub issuer: String,
}

/// Both pools of template.yaml on the local emulator.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LocalPools {
    pub staff: LocalPool,
    pub portal: LocalPool,
}

impl LocalPools {
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// One authorizer of the template: the pool whose tokens it accepts.
pub struct JwtAuthorizer {
    pool: LocalPool,
    /// The pool's signing keys by `kid`, fetched on first use and again for an unknown `kid`.
    keys: RwLock<HashMap<String, DecodingKey>>,
}

/// The template's authorizers by name (`StaffJwt`, `PortalJwt`).
pub struct Authorizers {
    by_name: HashMap<String, JwtAuthorizer>,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// Why a request gets no further than the authorizer: the challenge's `error_description`.
type Refusal = Option<&'static str>;

impl Authorizers {
    /// The template's `StaffJwt` and `PortalJwt` authorizers on these pools.
    pub fn new(pools: &LocalPools) -> Self {
        let authorizer = |pool: &LocalPool| JwtAuthorizer { pool: pool.clone(), keys: RwLock::default() };
        let by_name = HashMap::from([
            ("StaffJwt".to_owned(), authorizer(&pools.staff)),
            ("PortalJwt".to_owned(), authorizer(&pools.portal)),
        ]);
        Self { by_name, client: Client::builder(TokioExecutor::new()).build_http() }
    }

    /// The claims to pass on, or the 401 to answer instead.
    pub async fn verify(
        &self,
        name: &str,
        headers: &HeaderMap,
    ) -> Result<Map<String, Value>, Response<Full<Bytes>>> {
        let Some(authorizer) = self.by_name.get(name) else {
            return Err(unauthorized(Some("no such authorizer")));
        };
        let token = bearer(headers).ok_or_else(|| unauthorized(None))?;
        self.claims(authorizer, token).await.map_err(unauthorized)
    }

    async fn claims(&self, authorizer: &JwtAuthorizer, token: &str) -> Result<Map<String, Value>, Refusal> {
        let header = decode_header(token).map_err(|_| Some("the token is not a JWT"))?;
        if header.alg != Algorithm::RS256 {
            return Err(Some("the token is not signed with RS256"));
        }
        let kid = header.kid.ok_or(Some("the token names no key"))?;
        let key = self.key(authorizer, &kid).await.ok_or(Some("the token's key is not the pool's"))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&authorizer.pool.issuer]);
        validation.set_required_spec_claims(&["exp", "iss"]);
        validation.validate_aud = false; // `aud` or `client_id`, checked below as API Gateway does
        validation.validate_nbf = true;
        validation.leeway = 0;
        let data = decode::<Map<String, Value>>(token, &key, &validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => Some("the token has expired"),
            jsonwebtoken::errors::ErrorKind::InvalidIssuer => Some("the token's issuer is not the pool"),
            _ => Some("the token's signature or claims are invalid"),
        })?;
        let client = &authorizer.pool.client_id;
        let names_client =
            |claim: &str| data.claims.get(claim).and_then(Value::as_str) == Some(client.as_str());
        if !names_client("aud") && !names_client("client_id") {
            return Err(Some("the token is for another app client"));
        }
        Ok(data
            .claims
            .into_iter()
            .map(|(name, value)| (name, Value::String(as_gateway_text(&value))))
            .collect())
    }

    async fn key(&self, authorizer: &JwtAuthorizer, kid: &str) -> Option<DecodingKey> {
        if let Some(key) = authorizer.keys.read().ok()?.get(kid) {
            return Some(key.clone());
        }
        let fetched = self.jwks(&authorizer.pool.issuer).await?;
        let mut keys = authorizer.keys.write().ok()?;
        *keys = fetched;
        keys.get(kid).cloned()
    }

    async fn jwks(&self, issuer: &str) -> Option<HashMap<String, DecodingKey>> {
        let request = Request::get(format!("{issuer}/.well-known/jwks.json")).body(Full::default()).ok()?;
        let response = self.client.request(request).await.ok()?;
        let body = response.into_body().collect().await.ok()?.to_bytes();
        let jwks: Value = serde_json::from_slice(&body).ok()?;
        let keys = jwks["keys"].as_array()?.iter().filter_map(|k| {
            let (kid, n, e) = (k["kid"].as_str()?, k["n"].as_str()?, k["e"].as_str()?);
            Some((kid.to_owned(), DecodingKey::from_rsa_components(n, e).ok()?))
        });
        Some(keys.collect())
    }
}

/// The token of an `Authorization` header: API Gateway takes it with or without `Bearer `.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    if value.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        Some(_) => return None,
        None => value,
    };
    (!token.is_empty()).then_some(token)
}

/// A claim as API Gateway hands it to a function: strings as they are, arrays as `[a b]`,
/// anything else in its JSON text.
pub fn as_gateway_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(as_gateway_text).collect();
            format!("[{}]", items.join(" "))
        }
        other => other.to_string(),
    }
}

/// API Gateway's answer when the authorizer refuses: 401 `{"message":"Unauthorized"}`.
fn unauthorized(why: Refusal) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(br#"{"message":"Unauthorized"}"#)));
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    let challenge = match why {
        None => "Bearer".to_owned(),
        Some(description) => format!("Bearer error=\"invalid_token\" error_description=\"{description}\""),
    };
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        headers.insert(WWW_AUTHENTICATE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_reach_the_function_as_api_gateway_flattens_them() {
        assert_eq!(as_gateway_text(&json!("demo")), "demo");
        assert_eq!(as_gateway_text(&json!(["psa_admins", "sales,x"])), "[psa_admins sales,x]");
        assert_eq!(as_gateway_text(&json!(1795850284)), "1795850284");
        assert_eq!(as_gateway_text(&json!(false)), "false");
    }

    #[test]
    fn a_token_comes_with_or_without_the_bearer_scheme_and_nothing_else() {
        let headers =
            |value: &str| HeaderMap::from_iter([(AUTHORIZATION, HeaderValue::from_str(value).unwrap())]);
        assert_eq!(bearer(&headers("Bearer abc")), Some("abc"));
        assert_eq!(bearer(&headers("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(&headers("abc")), Some("abc"));
        assert_eq!(bearer(&headers("Basic abc")), None);
        assert_eq!(bearer(&headers("Bearer ")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
