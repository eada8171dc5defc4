//! template.yaml's user pools: no user-writable attribute grants rights, nobody signs themselves
//! up, and each authorizer trusts exactly its pool.

use serde_yaml::Value;
use testkit::table::repo_root;

fn template() -> Value {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn resource<'a>(template: &'a Value, name: &str) -> &'a Value {
    let resource = &template["Resources"][name];
    assert!(!resource.is_null(), "template.yaml has no resource {name}");
    resource
}

fn strings(value: &Value) -> Vec<String> {
    value.as_sequence().unwrap_or(&Vec::new()).iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
}

/// The custom attributes of a pool's schema, each with whether a user may ever change it.
fn custom_attributes(pool: &Value) -> Vec<(String, bool)> {
    let schema = pool["Properties"]["Schema"].as_sequence().expect("a schema");
    schema.iter().map(|a| (a["Name"].as_str().unwrap().to_owned(), a["Mutable"] != false)).collect()
}

#[test]
fn the_staff_tenant_attribute_is_set_once_by_an_administrator_and_no_app_client_writes_it() {
    let template = template();
    let pool = resource(&template, "StaffUserPool");
    assert_eq!(custom_attributes(pool), [("tenant_id".to_owned(), false)]);
    let client = resource(&template, "StaffUserPoolClient");
    let writes = strings(&client["Properties"]["WriteAttributes"]);
    assert!(!writes.is_empty(), "WriteAttributes must be listed: left out, every attribute is writable");
    assert!(writes.iter().all(|a| !a.starts_with("custom:")), "the app client writes {writes:?}");
}

#[test]
fn staff_roles_are_groups_only_administrators_change_and_nobody_signs_up_alone() {
    let template = template();
    let mut groups: Vec<String> = ["GlobalAdminsGroup", "PsaAdminsGroup", "ManageAllClientsGroup"]
        .iter()
        .map(|name| resource(&template, name)["Properties"]["GroupName"].as_str().unwrap().to_owned())
        .collect();
    groups.sort();
    assert_eq!(groups, ["global_admins", "manage_all_clients", "psa_admins"]);
    for pool in ["StaffUserPool", "PortalUserPool"] {
        let config = &resource(&template, pool)["Properties"]["AdminCreateUserConfig"];
        assert_eq!(config["AllowAdminCreateUserOnly"], true, "{pool} allows self sign-up");
    }
}

#[test]
fn portal_users_cannot_change_their_tenant_client_or_contact() {
    let template = template();
    let mut attributes = custom_attributes(resource(&template, "PortalUserPool"));
    attributes.sort();
    let immutable = |n: &str| (n.to_owned(), false);
    assert_eq!(attributes, [immutable("client_id"), immutable("contact_id"), immutable("tenant_id")]);
    let writes = strings(&resource(&template, "PortalUserPoolClient")["Properties"]["WriteAttributes"]);
    assert!(
        !writes.is_empty() && writes.iter().all(|a| !a.starts_with("custom:") && a != "email"),
        "{writes:?}"
    );
}

#[test]
fn the_default_authorizer_trusts_the_staff_pool_and_its_app_client() {
    let template = template();
    let auth = &resource(&template, "HttpApi")["Properties"]["Auth"];
    let default = auth["DefaultAuthorizer"].as_str().unwrap();
    let jwt = &auth["Authorizers"][default]["JwtConfiguration"];
    let issuer = serde_yaml::to_string(&jwt["issuer"]).unwrap();
    assert!(issuer.contains("${StaffUserPool}") && issuer.contains("${ExistingStaffUserPoolId}"), "{issuer}");
    let audience = serde_yaml::to_string(&jwt["audience"]).unwrap();
    assert!(audience.contains("StaffUserPoolClient") && audience.contains("ExistingStaffUserPoolClientId"));
}

#[test]
fn the_portal_authorizer_trusts_only_the_portal_pool_and_guards_exactly_the_portal_routes() {
    let template = template();
    let jwt =
        &resource(&template, "HttpApi")["Properties"]["Auth"]["Authorizers"]["PortalJwt"]["JwtConfiguration"];
    let issuer = serde_yaml::to_string(&jwt["issuer"]).unwrap();
    assert!(issuer.contains("${PortalUserPool}") && !issuer.contains("Staff"), "{issuer}");
    assert_eq!(serde_yaml::to_string(&jwt["audience"]).unwrap().trim(), "- !Ref PortalUserPoolClient");
    // The portal's pages (public: they hold no data) aside, every /portal/ route is guarded.
    for route in
        local_api::Template::of_repo().routes().unwrap().into_iter().filter(|r| r.function != "portal-pages")
    {
        let portal = route.authorizer.as_deref() == Some("PortalJwt");
        assert_eq!(portal, route.path.starts_with("/portal/"), "{} {}", route.method, route.path);
    }
}

#[test]
fn the_portal_pool_signs_in_only_through_its_gate_which_only_cognito_may_call_for_that_pool() {
    let template = template();
    let trigger = &resource(&template, "PortalUserPool")["Properties"]["LambdaConfig"]["PreTokenGeneration"];
    assert_eq!(serde_yaml::to_string(trigger).unwrap().trim(), "!GetAtt PortalSignInFunction.Arn");
    let function = resource(&template, "PortalSignInFunction");
    assert_eq!(function["Metadata"]["BuildProperties"]["Binary"], "portal-sign-in");
    let permission = &resource(&template, "PortalSignInPermission")["Properties"];
    assert_eq!(permission["Principal"], "cognito-idp.amazonaws.com");
    assert_eq!(serde_yaml::to_string(&permission["SourceArn"]).unwrap().trim(), "!GetAtt PortalUserPool.Arn");
    assert_eq!(
        serde_yaml::to_string(&permission["FunctionName"]).unwrap().trim(),
        "!GetAtt PortalSignInFunction.Arn"
    );
    assert!(
        resource(&template, "StaffUserPool")["Properties"]["LambdaConfig"].is_null(),
        "staff sign in ungated"
    );
}

#[test]
fn portal_usernames_are_not_the_email_so_one_address_may_hold_a_user_at_each_tenant() {
    // Given the portal pool
    let template = template();
    let pool = &resource(&template, "PortalUserPool")["Properties"];
    // Then the email is neither the username nor an alias (both would make it unique in the
    // pool, which every tenant shares), and names compare without case, as the derived ones do
    assert!(pool["UsernameAttributes"].is_null(), "{:?}", pool["UsernameAttributes"]);
    assert!(pool["AliasAttributes"].is_null(), "{:?}", pool["AliasAttributes"]);
    assert_eq!(pool["UsernameConfiguration"]["CaseSensitive"], false);
}

#[test]
fn the_portal_pool_has_no_self_service_recovery_only_the_services_reset() {
    // Given the portal pool
    let template = template();
    let pool = &resource(&template, "PortalUserPool")["Properties"];
    // Then only an administrator recovers an account: Cognito's forgot-password, which bypasses
    // the tenant's email quota and the contact's activity, is off
    let mechanisms: Vec<&str> = pool["AccountRecoverySetting"]["RecoveryMechanisms"]
        .as_sequence()
        .expect("recovery mechanisms")
        .iter()
        .filter_map(|m| m["Name"].as_str())
        .collect();
    assert_eq!(mechanisms, ["admin_only"]);
}
