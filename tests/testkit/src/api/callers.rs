//! Who sends a request, and the callers the specs use most.

use std::collections::HashMap;

use super::{TestApi, ADMIN_GROUP};

/// Who sends a request, as the function sees it behind API Gateway (whose JWT authorizer has
/// verified the token: the local API's authorizer specs cover that part with real tokens).
#[derive(Clone, Debug)]
pub enum Caller {
    /// An `Authorization` header with any value and no authorizer context: what a function
    /// would see if a route were ever deployed without its authorizer.
    RawAuthorization(String),
    /// Claims placed in the request context, as API Gateway's JWT authorizer passes them
    /// (every value a string, groups as `[a b]`).
    Authorizer(HashMap<String, String>),
    Anonymous,
}

impl TestApi {
    /// A staff user of `tenant` in `groups`, as the authorizer passes one.
    pub fn staff(tenant: &str, groups: &[&str]) -> Caller {
        Self::staff_user(tenant, &format!("user-of-{tenant}"), groups)
    }

    /// The staff user `sub` of `tenant`, in `groups`.
    pub fn staff_user(tenant: &str, sub: &str, groups: &[&str]) -> Caller {
        Caller::Authorizer(HashMap::from([
            ("sub".to_owned(), sub.to_owned()),
            ("custom:tenant_id".to_owned(), tenant.to_owned()),
            ("cognito:groups".to_owned(), format!("[{}]", groups.join(" "))),
            ("token_use".to_owned(), "id".to_owned()),
        ]))
    }

    pub fn admin(tenant: &str) -> Caller {
        Self::staff(tenant, &[ADMIN_GROUP])
    }

    pub fn reader(tenant: &str) -> Caller {
        Self::staff(tenant, &[])
    }

    /// A client contact signed in to the portal, as the `PortalJwt` authorizer passes the
    /// portal pool's ID token: its ids in the pool's immutable attributes, `token_use` `id`.
    pub fn portal_user(tenant: &str, client: &str, contact: &str) -> Caller {
        Caller::Authorizer(HashMap::from([
            ("sub".to_owned(), format!("portal-user-{contact}")),
            ("token_use".to_owned(), "id".to_owned()),
            ("iss".to_owned(), "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Portal".to_owned()),
            ("custom:tenant_id".to_owned(), tenant.to_owned()),
            ("custom:client_id".to_owned(), client.to_owned()),
            ("custom:contact_id".to_owned(), contact.to_owned()),
        ]))
    }
}
