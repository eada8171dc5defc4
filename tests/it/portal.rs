//! The portal's own routes, `GET, PATCH /portal/me`, driven in-process with the claims the
//! `PortalJwt` authorizer passes: the profile, self-service edits, the checks every call makes
//! again (a token that is still valid opens nothing once the contact lost access), and the two
//! pools kept apart.

use serde_json::{json, Value};
use shared::domain::dates::{format_date, Clock};
use testkit::mail::{invite_token, messages_to};
use testkit::{Caller, TestApi};

use crate::invites::accept;
use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

/// A contact that accepted its invitation, and its portal user.
pub struct PortalUser {
    pub tenant: String,
    pub client: String,
    pub contact: Value,
    pub email: String,
    pub caller: Caller,
}

impl PortalUser {
    pub fn path(&self) -> String {
        contact_path(&self.client, &self.contact)
    }

    pub fn id(&self) -> &str {
        self.contact["id"].as_str().expect("contact id")
    }
}

/// The password every portal user of the specs chooses.
pub const PASSWORD: &str = "correct horse battery staple";

/// A contact of a new client of `tenant` with permissions `invoices` and `support`, support from
/// yesterday to 30 days on (the app's clock), invited and accepted through the API.
pub async fn given_portal_user(api: &TestApi, tenant: &str) -> PortalUser {
    let admin = TestApi::admin(tenant);
    let client = given_client(api, &admin, "Acme Portal Ltd").await;
    let email = unique_email("portal");
    let today = api.clock.now().date();
    let window = json!({ "support_start": format_date(today.previous_day().unwrap()),
                         "support_end": format_date(today + time::Duration::days(30)) });
    let body = json!({ "first_name": "Ada", "last_name": "Lovelace", "email": email,
                       "permissions": ["support", "invoices"], "portal": window });
    let contact = given_contact(api, &admin, &client, body).await;
    let invited = api.post(&admin, &format!("{}/invite", contact_path(&client, &contact)), json!({})).await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    let mail = messages_to(&email).await;
    let token = invite_token(mail.last().expect("an invitation")["body"]["text"].as_str().unwrap()).unwrap();
    let accepted = accept(api, &token, PASSWORD).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let caller = TestApi::portal_user(tenant, &client, contact["id"].as_str().unwrap());
    PortalUser { tenant: tenant.to_owned(), client, contact, email, caller }
}

#[tokio::test]
async fn a_portal_user_reads_its_profile_with_its_clients_name_permissions_and_window() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;

    let res = api.get(&ada.caller, "/portal/me").await;

    assert_eq!(res.status, 200, "{}", res.body);
    let me = res.json();
    assert_eq!(me["id"], ada.id());
    assert_eq!(me["client_name"], "Acme Portal Ltd");
    assert_eq!(me["permissions"], json!(["invoices", "support"]));
    assert_eq!(me["portal"]["status"], "active");
    assert_eq!(me["portal"]["support_end"], ada.contact["portal"]["support_end"]);
    assert_eq!(me["email"], ada.email.as_str());
    assert!(me.get("description").is_none() && me.get("notifications").is_none(), "{me}");
    assert_eq!(res.header("etag"), Some(format!("\"v{}\"", me["version"]).as_str()));
}

#[tokio::test]
async fn a_portal_user_changes_its_job_title_and_the_staff_see_it() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;

    let res = api.patch(&ada.caller, "/portal/me", json!({ "job_title": "Head of Finance" })).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["job_title"], "Head of Finance");
    let seen = api.get(&TestApi::admin("t1"), &ada.path()).await.json();
    assert_eq!(seen["job_title"], "Head of Finance");
    assert_eq!(seen["updated_by"], format!("portal-user-{}", ada.id()));
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_portal_user_cannot_change_its_email_or_permissions() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;

    let body = json!({ "email": "elsewhere@example.com", "permissions": ["projects"], "job_title": "CTO" });
    let res = api.patch(&ada.caller, "/portal/me", body).await;

    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(res.problem_code(), "validation-failed");
    let errors = res.json()["errors"].clone();
    let fields: Vec<&str> = errors.as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "permissions"]);
    let seen = api.get(&TestApi::admin("t1"), &ada.path()).await.json();
    assert_eq!(
        (seen["email"].as_str(), seen["job_title"].as_str()),
        (Some(ada.email.as_str()), None),
        "nothing changed"
    );
}

#[tokio::test]
async fn a_stale_if_match_on_a_portal_edit_is_412() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;

    let headers = [("content-type", "application/json"), ("if-match", "\"v1\"")];
    let res =
        api.send(&ada.caller, "PATCH", "/portal/me", &headers, Some(r#"{"job_title":"CTO"}"#.into())).await;

    assert_eq!(res.status, 412, "{}", res.body);
    assert_eq!(res.problem_code(), "precondition-failed");
}

#[tokio::test]
async fn a_revoked_contact_is_refused_at_once_though_its_token_is_still_valid() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;
    let revoke =
        api.patch(&TestApi::admin("t1"), &ada.path(), json!({ "portal": { "status": "revoked" } })).await;
    assert_eq!(revoke.status, 200, "{}", revoke.body);

    for res in [
        api.get(&ada.caller, "/portal/me").await,
        api.patch(&ada.caller, "/portal/me", json!({ "job_title": "CTO" })).await,
        // Not even which fields a portal user may change.
        api.patch(&ada.caller, "/portal/me", json!({ "email": "new@example.com" })).await,
    ] {
        assert_eq!(res.status, 403, "{}", res.body);
        assert_eq!(res.problem_code(), "portal-not-active");
    }
}

#[tokio::test]
async fn a_deleted_contact_is_refused() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;
    assert_eq!(api.delete(&TestApi::admin("t1"), &ada.path()).await.status, 204);

    let res = api.get(&ada.caller, "/portal/me").await;

    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(res.problem_code(), "portal-not-active");
}

#[tokio::test]
async fn outside_the_support_window_the_portal_is_refused() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;

    api.clock.advance(time::Duration::days(31));
    let ended = api.get(&ada.caller, "/portal/me").await;

    assert_eq!(ended.status, 403, "{}", ended.body);
    assert_eq!(ended.problem_code(), "portal-support-ended");
    let later = format_date(api.clock.now().date() + time::Duration::days(10));
    let moved = json!({ "portal": { "support_start": later, "support_end": null } });
    assert_eq!(api.patch(&TestApi::admin("t1"), &ada.path(), moved).await.status, 200);
    let early = api.get(&ada.caller, "/portal/me").await;
    assert_eq!(early.status, 403, "{}", early.body);
    assert_eq!(early.problem_code(), "portal-support-not-started");
}

#[tokio::test]
async fn a_staff_token_is_refused_on_the_portal_routes() {
    let api = TestApi::new().await;
    given_portal_user(&api, "t1").await;

    for staff in [TestApi::admin("t1"), TestApi::admin("t1")] {
        let res = api.get(&staff, "/portal/me").await;

        assert_eq!(res.status, 401, "{staff:?}: {}", res.body);
        assert_eq!(res.problem_code(), "unauthenticated");
    }
}

#[tokio::test]
async fn a_portal_token_is_refused_on_the_staff_routes_even_for_its_own_tenant_and_contact() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;

    for path in ["/clients".to_owned(), ada.path()] {
        let res = api.get(&ada.caller, &path).await;

        assert_eq!(res.status, 401, "{path}: {}", res.body);
        assert_eq!(res.problem_code(), "unauthenticated");
    }
}

#[tokio::test]
async fn a_portal_access_token_is_refused_since_only_id_tokens_carry_the_contact() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;
    let Caller::Authorizer(mut claims) = ada.caller.clone() else { unreachable!() };
    claims.insert("token_use".into(), "access".into());

    let res = api.get(&Caller::Authorizer(claims), "/portal/me").await;

    assert_eq!(res.status, 401, "{}", res.body);
}
