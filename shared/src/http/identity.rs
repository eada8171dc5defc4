//! Who is calling. Behind API Gateway the JWT authorizer has verified the token and the claims
//! arrive in the request context. Without that context (local runs, tests) the token is
//! verified here (HS256 with `LOCAL_JWT_SECRET`), and only if that secret is configured.

use std::collections::HashMap;

use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::Value;

use crate::domain::{DomainError, DomainResult, TenantId, UserId};

const WRITER_GROUPS: &[&str] = &["global_admins", "psa_admins"];
const WRITER_PRIVILEGE: &str = "manage_all_clients";

#[derive(Debug, Clone)]
pub struct Identity {
    pub tenant: TenantId,
    pub user: UserId,
    pub groups: Vec<String>,
    pub privileges: Vec<String>,
}

impl Identity {
    pub fn can_write(&self) -> bool {
        self.groups.iter().any(|g| WRITER_GROUPS.contains(&g.as_str()))
            || self.privileges.iter().any(|p| p == WRITER_PRIVILEGE)
    }

    pub fn require_writer(&self) -> DomainResult<()> {
        if self.can_write() {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }
}

pub struct Authenticator {
    local_key: Option<DecodingKey>,
}

impl Authenticator {
    pub fn new(local_jwt_secret: Option<&str>) -> Self {
        Self { local_key: local_jwt_secret.map(|s| DecodingKey::from_secret(s.as_bytes())) }
    }

    pub fn authenticate(&self, req: &Request) -> DomainResult<Identity> {
        if let Some(claims) = authorizer_claims(req) {
            return identity_from(|name| claims.get(name).map(|v| ClaimValue::Text(v.clone())));
        }
        let key = self.local_key.as_ref().ok_or(DomainError::Unauthenticated("no verified identity"))?;
        let token = bearer_token(req)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = decode::<HashMap<String, Value>>(token, key, &validation)
            .map_err(|_| DomainError::Unauthenticated("invalid or expired token"))?;
        let claims = data.claims;
        identity_from(|name| claims.get(name).map(|v| ClaimValue::Json(v.clone())))
    }
}

fn authorizer_claims(req: &Request) -> Option<&HashMap<String, String>> {
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => Some(&ctx.authorizer.as_ref()?.jwt.as_ref()?.claims),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

fn bearer_token(req: &Request) -> DomainResult<&str> {
    let header = req
        .headers()
        .get("authorization")
        .ok_or(DomainError::Unauthenticated("missing Authorization header"))?;
    let value =
        header.to_str().map_err(|_| DomainError::Unauthenticated("malformed Authorization header"))?;
    let (scheme, token) =
        value.split_once(' ').ok_or(DomainError::Unauthenticated("malformed Authorization header"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(DomainError::Unauthenticated("expected a Bearer token"));
    }
    Ok(token.trim())
}

enum ClaimValue {
    /// As API Gateway passes claims: strings, arrays flattened to `[a b]`.
    Text(String),
    /// As a JWT carries them.
    Json(Value),
}

impl ClaimValue {
    fn as_text(&self) -> Option<String> {
        match self {
            ClaimValue::Text(s) => Some(s.clone()),
            ClaimValue::Json(Value::String(s)) => Some(s.clone()),
            ClaimValue::Json(Value::Number(n)) => Some(n.to_string()),
            ClaimValue::Json(_) => None,
        }
    }

    /// A list claim in any of its shapes: a JSON array, `[a b]`, `a b`, `a,b` or `["a","b"]`.
    fn as_list(&self) -> Vec<String> {
        match self {
            ClaimValue::Json(Value::Array(items)) => {
                items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
            }
            other => other
                .as_text()
                .unwrap_or_default()
                .trim_matches(|c| c == '[' || c == ']')
                .split(|c: char| c.is_whitespace() || c == ',')
                .map(|s| s.trim_matches('"'))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }
}

fn identity_from(claim: impl Fn(&str) -> Option<ClaimValue>) -> DomainResult<Identity> {
    let text = |name: &str| claim(name).and_then(|v| v.as_text());
    let tenant = text("custom:tenant_id")
        .and_then(|t| TenantId::parse(&t))
        .ok_or(DomainError::Unauthenticated("token has no valid custom:tenant_id"))?;
    let user = text("sub")
        .and_then(|s| UserId::parse(&s))
        .ok_or(DomainError::Unauthenticated("token has no valid sub"))?;
    let list = |name: &str| claim(name).map(|v| v.as_list()).unwrap_or_default();
    Ok(Identity { tenant, user, groups: list("cognito:groups"), privileges: list("custom:privileges") })
}

#[cfg(test)]
mod tests {
    use super::ClaimValue;
    use serde_json::json;

    #[test]
    fn groups_arrive_in_any_of_their_shapes() {
        let expected = vec!["global_admins".to_owned(), "staff".to_owned()];
        assert_eq!(ClaimValue::Text("[global_admins staff]".into()).as_list(), expected);
        assert_eq!(ClaimValue::Text("global_admins,staff".into()).as_list(), expected);
        assert_eq!(ClaimValue::Text("[\"global_admins\",\"staff\"]".into()).as_list(), expected);
        assert_eq!(ClaimValue::Json(json!(["global_admins", "staff"])).as_list(), expected);
        assert!(ClaimValue::Text("[]".into()).as_list().is_empty());
    }
}
