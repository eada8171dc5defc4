//! The portal sign-in gate: the portal pool's pre token generation trigger (event version 1).
//! Cognito calls it before it issues tokens, on every sign-in and every refresh
//! (`TokenGeneration_Authentication`, `_RefreshTokens`, `_HostedAuth`, `_NewPasswordChallenge`,
//! `_AuthenticateDevice`). It reads the contact the user's immutable attributes name
//! (`custom:tenant_id`, `custom:client_id`, `custom:contact_id`; one GetItem) and refuses,
//! with an error Cognito turns into a refused sign-in, unless `domain::portal::check_sign_in`
//! allows it today (the contact's access, and the user's address still the contact's); else it
//! adds the contact's permissions and ids to the ID token. It fails closed: an event it cannot
//! place (another pool's, a user without the attributes) is refused, never passed through,
//! except a pool the local emulator's build names (`Pools::pass_through`).
//!
//! The event is read with a small struct of our own rather than `aws_lambda_events`' type:
//! that type requires `groupOverrideDetails` and `claimsToSuppress` in the response, which
//! Cognito's events (and the local emulator's, `claimsOverrideDetails: {}`) leave out. The
//! event goes back as it came, with only `response.claimsOverrideDetails` set.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};
use time::Date;
use tracing::{info, warn};

use crate::domain::dates::Clock;
use crate::domain::portal::{check_sign_in, PortalRefusal};
use crate::domain::{ClientId, Contact, ContactId, DomainError, TenantId};
use crate::store::{Store, StoreError};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    user_pool_id: String,
    trigger_source: String,
    request: EventRequest,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventRequest {
    #[serde(default)]
    user_attributes: BTreeMap<String, String>,
}

/// The contact a portal user is, from its immutable attributes, and the address it signs in
/// with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalUser {
    pub tenant: TenantId,
    pub client: ClientId,
    pub contact: ContactId,
    pub email: Option<String>,
}

/// Why no tokens are issued. The words are what Cognito shows the user (after "PreTokenGeneration
/// failed with error"), so they say nothing about the service's insides.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error("{0}")]
    Refused(PortalRefusal),
    #[error("this user is not a portal user of a contact")]
    NotAContact,
    /// An event of a pool the gate was not configured for: a misconfiguration, refused (and
    /// logged with both ids) rather than let through ungated.
    #[error("sign-in is not available here")]
    WrongPool { configured: String, called_by: String },
    #[error("not a pre token generation event")]
    NotAnEvent(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the sign-in could not be checked; try again")]
    Failed(#[source] StoreError),
}

impl GateError {
    /// The error's type as the trigger reports it to Lambda (`errorType`).
    pub fn kind(&self) -> &'static str {
        match self {
            GateError::Refused(_) => "PortalAccessRefused",
            GateError::NotAContact => "NotAPortalUser",
            GateError::WrongPool { .. } => "WrongUserPool",
            GateError::NotAnEvent(_) => "NotAPreTokenGenerationEvent",
            GateError::Failed(_) => "CheckFailed",
        }
    }
}

/// Which pools' events the gate answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pools<'a> {
    /// The portal pool's id, if the function is told it; an event of any other pool is then
    /// refused. In AWS it is not told (the template cannot pass a pool its own trigger's id
    /// without a circular dependency), and only the portal pool calls its trigger.
    pub portal: Option<&'a str>,
    /// A pool whose events pass through ungated: the staff pool on the local emulator, which
    /// calls one trigger for both pools. Only the trigger's `local-emulator` build and the
    /// tests' stand-in set it.
    pub pass_through: Option<&'a str>,
}

/// What the gate needs: the store, the clock, and which pools' events it answers.
pub struct Gate<'a> {
    pub store: &'a Store,
    pub clock: &'a dyn Clock,
    pub pools: Pools<'a>,
}

impl Gate<'_> {
    /// `run`, with one log line saying what it decided (an internal failure with its causes).
    pub async fn answer(&self, event: Value) -> Result<Value, GateError> {
        let source = event["triggerSource"].as_str().unwrap_or("-").to_owned();
        let answer = self.run(event).await;
        match &answer {
            Ok(_) => info!(trigger = %source, "sign-in allowed"),
            Err(GateError::Failed(e)) => {
                warn!(trigger = %source, error = %crate::telemetry::chain(e), "sign-in check failed")
            }
            Err(GateError::WrongPool { configured, called_by }) => {
                warn!(trigger = %source, configured, called_by, "sign-in refused: an event of another pool than PORTAL_USER_POOL_ID")
            }
            Err(refused) => info!(trigger = %source, reason = %refused, "sign-in refused"),
        }
        answer
    }

    /// The event to answer Cognito with, or the refusal.
    pub async fn run(&self, event: Value) -> Result<Value, GateError> {
        let Some(user) = portal_user(&event, self.pools)? else {
            return Ok(event);
        };
        let contact = match self.store.get_contact(&user.tenant, user.client, user.contact).await {
            Ok(contact) => Some(contact),
            Err(StoreError::Refused(DomainError::NotFound(_))) => None,
            Err(other) => return Err(GateError::Failed(other)),
        };
        let claims = decide(contact.as_ref(), &user, self.clock.now().date())?;
        Ok(with_claims(event, claims))
    }
}

/// The user the event is about, or None when it is the pass-through pool's.
pub fn portal_user(event: &Value, pools: Pools<'_>) -> Result<Option<PortalUser>, GateError> {
    let event = Event::deserialize(event).map_err(|e| GateError::NotAnEvent(e.into()))?;
    if !event.trigger_source.starts_with("TokenGeneration_") {
        return Err(GateError::NotAnEvent(format!("trigger source {}", event.trigger_source).into()));
    }
    if pools.pass_through == Some(event.user_pool_id.as_str()) {
        return Ok(None);
    }
    if let Some(configured) = pools.portal.filter(|pool| *pool != event.user_pool_id) {
        return Err(GateError::WrongPool {
            configured: configured.to_owned(),
            called_by: event.user_pool_id,
        });
    }
    let attribute = |name: &str| event.request.user_attributes.get(name).map(String::as_str);
    let user = PortalUser {
        tenant: attribute("custom:tenant_id").and_then(TenantId::parse).ok_or(GateError::NotAContact)?,
        client: attribute("custom:client_id").and_then(ClientId::parse).ok_or(GateError::NotAContact)?,
        contact: attribute("custom:contact_id").and_then(ContactId::parse).ok_or(GateError::NotAContact)?,
        email: attribute("email").map(str::to_owned),
    };
    Ok(Some(user))
}

/// The claims a portal user's ID token gets, if its contact may use the portal `today` with
/// the user's address: the contact's permissions (their names, space-separated, as scopes
/// are) and its ids.
pub fn decide(
    contact: Option<&Contact>,
    user: &PortalUser,
    today: Date,
) -> Result<BTreeMap<&'static str, String>, GateError> {
    let contact = check_sign_in(contact, user.email.as_deref(), today).map_err(GateError::Refused)?;
    let permissions: Vec<&str> = contact.fields.permissions.iter().map(|p| p.as_str()).collect();
    Ok(BTreeMap::from([
        ("permissions", permissions.join(" ")),
        ("tenant_id", user.tenant.as_str().to_owned()),
        ("client_id", contact.client_id.to_string()),
        ("contact_id", contact.id.to_string()),
    ]))
}

/// The event with `claims` to add to the ID token (claims Cognito reserves, such as `sub` or
/// `iss`, are not among them).
pub(crate) fn with_claims(mut event: Value, claims: BTreeMap<&'static str, String>) -> Value {
    if !event["response"].is_object() {
        event["response"] = json!({});
    }
    event["response"]["claimsOverrideDetails"] = json!({ "claimsToAddOrOverride": claims });
    event
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;
