//! The portal sign-in gate through the real Cognito emulator: portal users made with the admin
//! API for contacts that accepted their invitation, signing in (and refreshing) with the
//! emulator calling the gate as Cognito would (`testkit::sign_in` explains the stand-in for
//! `cargo lambda watch` it calls), and their real ID tokens on the portal routes through the
//! local API's authorizers.

use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::error::DisplayErrorContext;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType, MessageActionType,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use local_api::proxy::bind_loopback;
use local_api::{Authorizers, Proxy, Router, Template};
use local_cognito::users::{staff_token, Role, StaffUser};
use serde_json::{json, Value};
use shared::domain::dates::Clock;
use testkit::cognito::client as cognito;
use testkit::sign_in::{pools, register};
use testkit::{watch, TestApi};

use crate::portal::{given_portal_user, PortalUser, PASSWORD};
use crate::portal_users::username;
use crate::support::unique_email;

/// A contact of a tenant of its own (the gate finds a tenant's table by its id), active in
/// the portal, with its user in the emulator's portal pool.
pub(crate) async fn given_signed_up(api: &TestApi) -> PortalUser {
    let tenant = format!("gate-{}", ulid::Ulid::new());
    let clock: Arc<dyn Clock> = api.clock.clone();
    register(&tenant, &api.table, clock);
    let ada = given_portal_user(api, &tenant).await;
    let pool = &pools().await.portal;
    let cognito = cognito().await;
    let attribute = |n: &str, v: &str| AttributeType::builder().name(n).value(v).build().unwrap();
    let created = cognito
        .admin_create_user()
        .user_pool_id(&pool.pool_id)
        .username(username(&tenant, &ada.email))
        .message_action(MessageActionType::Suppress)
        .user_attributes(attribute("email", &ada.email))
        .user_attributes(attribute("custom:tenant_id", &tenant))
        .user_attributes(attribute("custom:client_id", &ada.client))
        .user_attributes(attribute("custom:contact_id", ada.id()))
        .send()
        .await;
    // Accepting the invitation may have made the user already.
    if let Err(e) = created {
        assert!(e.as_service_error().is_some_and(|s| s.is_username_exists_exception()), "{e:?}");
    }
    let password = cognito
        .admin_set_user_password()
        .user_pool_id(&pool.pool_id)
        .username(username(&tenant, &ada.email))
        .password(PASSWORD);
    password.permanent(true).send().await.unwrap();
    ada
}

/// The tokens of an `InitiateAuth` with the portal's app client, or the emulator's words
/// refusing it.
async fn initiate(
    flow: AuthFlowType,
    parameters: &[(&str, &str)],
) -> Result<AuthenticationResultType, String> {
    let pool = &pools().await.portal;
    let mut auth = cognito().await.initiate_auth().client_id(&pool.client_id).auth_flow(flow);
    for (name, value) in parameters {
        auth = auth.auth_parameters(*name, *value);
    }
    let answer = auth.send().await.map_err(|e| DisplayErrorContext(e).to_string())?;
    Ok(answer.authentication_result().expect("tokens, not a challenge").clone())
}

/// A portal user's sign-in with its password, at its tenant's portal.
pub(crate) async fn sign_in(user: &PortalUser) -> Result<AuthenticationResultType, String> {
    let username = username(&user.tenant, &user.email);
    initiate(AuthFlowType::UserPasswordAuth, &[("USERNAME", &username), ("PASSWORD", PASSWORD)]).await
}

/// New tokens for the refresh token of a sign-in: its new ID token.
pub(crate) async fn refresh(tokens: &AuthenticationResultType) -> Result<String, String> {
    let refresh_token = tokens.refresh_token().expect("a refresh token");
    let fresh = initiate(AuthFlowType::RefreshTokenAuth, &[("REFRESH_TOKEN", refresh_token)]).await?;
    Ok(id_token(&fresh).to_owned())
}

fn claims_of(id_token: &str) -> Value {
    let payload = id_token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn id_token(tokens: &AuthenticationResultType) -> &str {
    tokens.id_token().expect("an ID token")
}

#[tokio::test]
async fn an_active_contact_in_its_window_signs_in_and_its_id_token_carries_its_permissions() {
    let api = TestApi::new().await;
    let ada = given_signed_up(&api).await;

    let tokens = sign_in(&ada).await.unwrap();

    let claims = claims_of(id_token(&tokens));
    assert_eq!(claims["permissions"], "invoices support");
    assert_eq!((&claims["contact_id"], &claims["custom:contact_id"]), (&json!(ada.id()), &json!(ada.id())));
    assert_eq!(claims["client_id"], ada.client.as_str());
    assert_eq!(claims["tenant_id"], ada.tenant.as_str());
    let refreshed = claims_of(&refresh(&tokens).await.unwrap());
    assert_eq!(refreshed["permissions"], "invoices support", "a refresh goes through the gate too");
}

#[tokio::test]
async fn once_support_has_ended_neither_sign_in_nor_refresh_gives_tokens() {
    let api = TestApi::new().await;
    let ada = given_signed_up(&api).await;
    let tokens = sign_in(&ada).await.unwrap();

    api.clock.advance(time::Duration::days(31));

    let refused = sign_in(&ada).await.unwrap_err();
    assert!(refused.contains("support has ended"), "{refused}");
    let refused = refresh(&tokens).await.unwrap_err();
    assert!(refused.contains("support has ended"), "{refused}");
}

#[tokio::test]
async fn a_revoked_contact_cannot_sign_in() {
    let api = TestApi::new().await;
    let ada = given_signed_up(&api).await;
    let revoke = json!({ "portal": { "status": "revoked" } });
    assert_eq!(api.patch(&TestApi::admin(&ada.tenant), &ada.path(), revoke).await.status, 200);

    let refused = sign_in(&ada).await.unwrap_err();

    assert!(refused.contains("portal access is not active"), "{refused}");
}

#[tokio::test]
async fn a_user_whose_address_is_no_longer_its_contacts_cannot_sign_in() {
    // Given an active contact whose user signs in with another address than the contact's
    // (what a failed removal after an address change would leave)
    let api = TestApi::new().await;
    let ada = given_signed_up(&api).await;
    let stale = AttributeType::builder().name("email").value(unique_email("stale")).build().unwrap();
    let pool = &pools().await.portal;
    let update = cognito().await.admin_update_user_attributes().user_pool_id(&pool.pool_id);
    update.username(username(&ada.tenant, &ada.email)).user_attributes(stale).send().await.unwrap();

    // When it signs in with its password
    let refused = sign_in(&ada).await.unwrap_err();

    // Then the gate refuses it
    assert!(refused.contains("this address no longer has portal access"), "{refused}");
}

#[tokio::test]
async fn a_deleted_contact_cannot_sign_in() {
    let api = TestApi::new().await;
    let ada = given_signed_up(&api).await;
    assert_eq!(api.delete(&TestApi::admin(&ada.tenant), &ada.path()).await.status, 204);

    let refused = sign_in(&ada).await.unwrap_err();

    // Deleting removes the portal user too (portal_users::deleting_the_contact_removes_its_portal_user);
    // had that call failed, the gate would refuse the user whose contact is gone
    // (portal::gate unit specs).
    assert!(
        refused.contains("NotAuthorizedException") || refused.contains("no longer has portal access"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_staff_sign_in_passes_the_gate_unchanged() {
    let cognito = cognito().await;
    let staff = &pools().await.staff;
    let email = format!("staff-{}@gate.test", ulid::Ulid::new()).to_lowercase();
    let user = StaffUser { email: &email, tenant: "acme", role: Role::Admin, password: "Local-gate-spec-1A" };

    let token = staff_token(&cognito, staff, &user).await.unwrap();

    let claims = claims_of(&token);
    assert_eq!(claims["custom:tenant_id"], "acme");
    assert!(claims.get("permissions").is_none() && claims.get("contact_id").is_none(), "{claims}");
}

/// Status and body of `method path` with a Bearer token and an optional JSON body, through
/// the local API.
async fn call(base: &str, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = hyper::Request::builder()
        .method(method)
        .uri(format!("{base}{path}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/merge-patch+json");
    let body = body.map(|b| Full::new(Bytes::from(b.to_string()))).unwrap_or_default();
    let response = client.request(request.body(body).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn through_the_local_api_each_pools_token_opens_only_its_own_routes() {
    // Given the local API with the template's authorizers in front of the real handlers
    let api = Arc::new(TestApi::new().await);
    let fake = watch::start(&api).await;
    let listener = bind_loopback(0).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut proxy = Proxy::new(Router::new(Template::of_repo().routes().unwrap()), &fake.url);
    proxy.log = false;
    proxy.authorizers = Some(Authorizers::new(pools().await));
    tokio::spawn(Arc::new(proxy).serve(listener));
    let ada = given_signed_up(&api).await;
    let portal = sign_in(&ada).await.unwrap();
    let email = format!("staff-{}@gate.test", ulid::Ulid::new()).to_lowercase();
    let user =
        StaffUser { email: &email, tenant: &ada.tenant, role: Role::Admin, password: "Local-gate-spec-1A" };
    let staff = staff_token(&cognito().await, &pools().await.staff, &user).await.unwrap();

    // When each token calls the portal profile and the staff list of clients
    let portal = id_token(&portal);
    let me = call(&base, "GET", "/portal/me", portal, None).await;
    let retitled = call(&base, "PATCH", "/portal/me", portal, Some(json!({"job_title": "CFO"}))).await;
    let new_email = call(&base, "PATCH", "/portal/me", portal, Some(json!({"email": "x@example.com"}))).await;
    let clients_as_portal = call(&base, "GET", "/clients", portal, None).await;
    let me_as_staff = call(&base, "GET", "/portal/me", &staff, None).await;

    // Then the portal user reads and edits its profile and nothing else, and the staff user
    // does not reach the portal
    assert_eq!(me.0, 200, "{}", me.1);
    let me: Value = serde_json::from_str(&me.1).unwrap();
    assert_eq!((&me["id"], &me["permissions"]), (&json!(ada.id()), &json!(["invoices", "support"])));
    assert_eq!(retitled.0, 200, "{}", retitled.1);
    assert_eq!(serde_json::from_str::<Value>(&retitled.1).unwrap()["job_title"], "CFO");
    assert_eq!(new_email.0, 422, "{}", new_email.1);
    assert!(new_email.1.contains("\"field\":\"email\""), "{}", new_email.1);
    assert_eq!(clients_as_portal.0, 401, "{}", clients_as_portal.1);
    assert_eq!(me_as_staff.0, 401, "{}", me_as_staff.1);
    let reached = fake.invoked.lock().unwrap().clone();
    assert_eq!(reached, ["get-portal-profile", "update-portal-profile", "update-portal-profile"]);
    drop(ada);
    assert_eq!(Arc::strong_count(&api), 1, "the server holds it weakly: the check on drop runs here");
}
