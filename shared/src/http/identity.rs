//! Who is calling. API Gateway's JWT authorizer has verified the token against the staff user
//! pool (locally, the local API does the same against the Cognito emulator) and hands the
//! function its claims in the request context. That context is the only identity a function
//! reads: a request without it is unauthenticated, whatever its `Authorization` header says.

use std::collections::HashMap;

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::Value;

use super::error::AccessError;
use super::routes::Access;
use crate::domain::{TenantId, UserId};

/// The administrators' groups: they alone change what holds for the whole tenant (its
/// settings). Only administrators change group membership; no attribute a user could write
/// grants anything.
const ADMIN_GROUPS: &[&str] = &["global_admins", "psa_admins"];

/// The group of the "manage all clients" privilege: its members write clients and their
/// contacts, as administrators do, but not the tenant's settings.
const MANAGER_GROUP: &str = "manage_all_clients";

#[derive(Debug, Clone)]
pub struct Identity {
    pub tenant: TenantId,
    pub user: UserId,
    pub groups: Vec<String>,
}

impl Identity {
    fn in_any(&self, groups: &[&str]) -> bool {
        self.groups.iter().any(|g| groups.contains(&g.as_str()))
    }

    pub(crate) fn is_admin(&self) -> bool {
        self.in_any(ADMIN_GROUPS)
    }

    pub(crate) fn can_write(&self) -> bool {
        self.is_admin() || self.in_any(&[MANAGER_GROUP])
    }

    /// Whether the caller's groups grant `access` (a staff route's): anyone of the tenant
    /// reads, writers write, administrators alone change the tenant's settings.
    pub(crate) fn require(&self, access: Access) -> Result<(), AccessError> {
        let (allowed, needs) = match access {
            Access::Write => (
                self.can_write(),
                "this operation needs an administrator or the manage_all_clients privilege",
            ),
            Access::Admin => {
                (self.is_admin(), "this operation needs an administrator (global_admins or psa_admins)")
            }
            Access::Read | Access::Public | Access::Portal => (true, ""),
        };
        if allowed {
            Ok(())
        } else {
            Err(AccessError::Forbidden(needs))
        }
    }
}

/// Reads the caller from the authorizer's claims.
#[derive(Debug, Clone, Copy, Default)]
pub struct Authenticator;

impl Authenticator {
    pub fn new() -> Self {
        Self
    }

    pub fn authenticate(&self, req: &Request) -> Result<Identity, AccessError> {
        let claims = authorizer_claims(req).ok_or(AccessError::Unauthenticated("no verified identity"))?;
        identity_from(|name| claims.get(name).map(|v| ClaimValue::Text(v.clone())))
    }
}

fn authorizer_claims(req: &Request) -> Option<&HashMap<String, String>> {
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => Some(&ctx.authorizer.as_ref()?.jwt.as_ref()?.claims),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

enum ClaimValue {
    /// As API Gateway passes claims: strings, arrays flattened to `[a b]`.
    Text(String),
    /// As a JWT carries them (unit specs of the shapes).
    #[cfg_attr(not(test), allow(dead_code))]
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

    /// `cognito:groups` in exactly the two forms a JWT authorizer produces: a JSON array of
    /// strings (as the token carries it), or API Gateway's flattening of it, `[a b c]`, split on
    /// single spaces (Cognito group names hold no whitespace, but may hold commas, brackets and
    /// quotes, so nothing else is split or stripped). Text is never read as JSON: a group named
    /// `"psa_admins"`, quotes included, flattens to `["psa_admins"]`, which is that one name.
    /// Any other shape grants nothing.
    fn as_groups(&self) -> Vec<String> {
        if let ClaimValue::Json(Value::Array(items)) = self {
            return items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
        }
        let text = self.as_text().unwrap_or_default();
        match text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            Some(inner) => inner.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            None => Vec::new(),
        }
    }
}

fn identity_from(claim: impl Fn(&str) -> Option<ClaimValue>) -> Result<Identity, AccessError> {
    let text = |name: &str| claim(name).and_then(|v| v.as_text());
    let tenant = text("custom:tenant_id")
        .and_then(|t| TenantId::parse(&t))
        .ok_or(AccessError::Unauthenticated("token has no valid custom:tenant_id"))?;
    let user = text("sub")
        .and_then(|s| UserId::parse(&s))
        .ok_or(AccessError::Unauthenticated("token has no valid sub"))?;
    let groups = claim("cognito:groups").map(|v| v.as_groups()).unwrap_or_default();
    Ok(Identity { tenant, user, groups })
}

/// A client contact signed in to the portal: the portal pool's ID token, as the `PortalJwt`
/// authorizer passes its claims. Who it is comes only from the pool's immutable attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalIdentity {
    pub tenant: TenantId,
    pub client: ClientId,
    pub contact: ContactId,
    pub user: UserId,
}

/// The claim only portal users have: the staff pool has no such attribute.
const PORTAL_CLAIM: &str = "custom:contact_id";

use crate::domain::{ClientId, ContactId};

impl Authenticator {
    /// A staff caller (`authenticate`), refusing a portal user's token outright: the two pools
    /// are told apart by their claims, so a portal token that reached a staff route (an
    /// authorizer misconfigured) is no reader of its tenant.
    pub(crate) fn authenticate_staff(&self, req: &Request) -> Result<Identity, AccessError> {
        let claims = authorizer_claims(req);
        if claims.is_some_and(|c| c.contains_key(PORTAL_CLAIM) || c.contains_key("custom:client_id")) {
            return Err(AccessError::Unauthenticated("a portal user's token is not valid here"));
        }
        self.authenticate(req)
    }

    /// A portal caller, from the authorizer's claims only (portal routes have no other
    /// identity path): an ID token (`token_use` `id`, which alone carries the attributes) with
    /// the contact's tenant, client and contact; a staff token has no contact and is refused.
    pub(crate) fn authenticate_portal(&self, req: &Request) -> Result<PortalIdentity, AccessError> {
        let claims = authorizer_claims(req).ok_or(AccessError::Unauthenticated("no verified identity"))?;
        let claim = |name: &str| claims.get(name).map(String::as_str);
        if claim("token_use") != Some("id") {
            return Err(AccessError::Unauthenticated("a portal user's ID token is required"));
        }
        let refused = AccessError::Unauthenticated;
        Ok(PortalIdentity {
            contact: claim(PORTAL_CLAIM)
                .and_then(ContactId::parse)
                .ok_or(refused("a portal user's token is required"))?,
            client: claim("custom:client_id")
                .and_then(ClientId::parse)
                .ok_or(refused("token has no valid custom:client_id"))?,
            tenant: claim("custom:tenant_id")
                .and_then(TenantId::parse)
                .ok_or(refused("token has no valid custom:tenant_id"))?,
            user: claim("sub").and_then(UserId::parse).ok_or(refused("token has no valid sub"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ClaimValue;
    use serde_json::json;

    fn groups(value: ClaimValue) -> Vec<String> {
        value.as_groups()
    }

    #[test]
    fn groups_arrive_as_a_json_array_or_api_gateways_bracketed_list() {
        let expected = vec!["global_admins".to_owned(), "staff".to_owned()];
        assert_eq!(groups(ClaimValue::Text("[global_admins staff]".into())), expected);
        assert_eq!(groups(ClaimValue::Json(json!(["global_admins", "staff"]))), expected);
        assert!(groups(ClaimValue::Text("[]".into())).is_empty());
    }

    #[test]
    fn text_that_looks_like_a_json_array_is_read_as_api_gateways_list_not_as_json() {
        // Given group names holding quotes, as API Gateway flattens them: `"psa_admins"`, and
        // `"global_admins","staff"` (one name, with a comma)
        let quoted_name = ClaimValue::Text("[\"psa_admins\"]".into());
        let quoted_pair = ClaimValue::Text("[\"global_admins\",\"staff\"]".into());

        // When they are read, then each is the one name it was, quotes included
        assert_eq!(groups(quoted_name), ["\"psa_admins\""]);
        assert_eq!(groups(quoted_pair), ["\"global_admins\",\"staff\""]);
    }

    #[test]
    fn a_group_name_with_commas_or_quotes_stays_one_name() {
        assert_eq!(groups(ClaimValue::Text("[sales,psa_admins]".into())), ["sales,psa_admins"]);
        assert_eq!(groups(ClaimValue::Text("[\"psa_admins\",x]".into())), ["\"psa_admins\",x"]);
        assert_eq!(groups(ClaimValue::Json(json!(["sales,psa_admins"]))), ["sales,psa_admins"]);
    }

    #[test]
    fn any_other_shape_of_groups_is_no_group() {
        for text in ["psa_admins", "sales,psa_admins", "[psa_admins", "psa_admins]", ""] {
            assert!(groups(ClaimValue::Text(text.into())).is_empty(), "{text}");
        }
        assert!(groups(ClaimValue::Json(json!("sales,psa_admins"))).is_empty());
        assert!(groups(ClaimValue::Json(json!({"psa_admins": true}))).is_empty());
    }
}
