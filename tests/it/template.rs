//! template.yaml and the code agree: every function crate is deployed, every route is wired,
//! every permission is the least its function needs (`template_observability`: alarms, logs and
//! the dashboard).

use std::collections::HashSet;

use local_api::Template;
use shared::handlers::{OPERATIONS, ROUTES};
use testkit::table::repo_root;

#[test]
fn every_function_crate_has_a_function_resource_in_the_template() {
    let binaries: HashSet<String> = Template::of_repo().functions().into_iter().collect();
    for entry in std::fs::read_dir(repo_root().join("functions")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(binaries.contains(&name), "functions/{name} has no function resource in template.yaml");
    }
}

#[test]
fn the_template_routes_are_exactly_the_service_routes_and_the_portal_pages() {
    let routes = Template::of_repo().routes().unwrap();
    let in_template: HashSet<(String, String, String)> =
        routes.iter().map(|r| (r.function.clone(), r.method.clone(), r.path.clone())).collect();
    let operations = ROUTES.iter().map(|r| (r.function, r.method, r.template));
    let pages = portal_pages::ROUTES.iter().map(|(method, path)| ("portal-pages", *method, *path));
    let in_code: HashSet<(String, String, String)> =
        operations.chain(pages).map(|(f, m, p)| (f.to_owned(), m.to_owned(), p.to_owned())).collect();
    assert_eq!(in_template, in_code);
    // The pages are public: nothing they serve is the contact's; the API checks its token.
    for page in routes.iter().filter(|r| r.function == "portal-pages") {
        assert_eq!(page.authorizer, None, "{} {}", page.method, page.path);
    }
}

#[test]
fn the_template_never_sets_the_local_jwt_secret() {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    assert!(!text.contains("LOCAL_JWT_SECRET"));
}

#[test]
fn every_function_has_a_sample_event_that_parses_as_its_route() {
    for route in ROUTES {
        let path = repo_root().join("events").join(format!("{}.json", route.function));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {}", path.display()));
        let request =
            lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(request.method().as_str(), route.method, "{}", path.display());
        assert!(
            route.match_path(request.uri().path()).is_some(),
            "{} path matches {}",
            path.display(),
            route.template
        );
    }
}

/// The parsed template (CloudFormation tags such as `!GetAtt` stay as tagged values).
pub(crate) fn template_yaml() -> serde_yaml::Value {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// Each function's binary name and its IAM policy statements.
fn function_statements(template: &serde_yaml::Value) -> Vec<(String, Vec<serde_yaml::Value>)> {
    let resources = template["Resources"].as_mapping().unwrap();
    resources
        .values()
        .filter(|r| r["Type"] == "AWS::Serverless::Function")
        .map(|r| {
            let binary = r["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap().to_owned();
            let statements = r["Properties"]["Policies"]
                .as_sequence()
                .into_iter()
                .flatten()
                .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
                .collect();
            (binary, statements)
        })
        .collect()
}

pub(crate) fn tagged(value: &serde_yaml::Value) -> Option<(String, String)> {
    match value {
        serde_yaml::Value::Tagged(t) => Some((t.tag.to_string(), t.value.as_str()?.to_owned())),
        _ => None,
    }
}

pub(crate) fn actions(statement: &serde_yaml::Value) -> Vec<String> {
    match &statement["Action"] {
        serde_yaml::Value::Sequence(list) => {
            list.iter().filter_map(|a| a.as_str().map(str::to_owned)).collect()
        }
        other => other.as_str().map(|a| vec![a.to_owned()]).unwrap_or_default(),
    }
}

/// The key prefixes each function may touch, written down from the key layout (docs/table.md):
/// the public accept-invite function reaches only invitations and contacts; the
/// sweep contacts, and, erasing an archived contact, its client and claim; staff functions only their tenant's items, plus invitations where they
/// invite or send a password reset.
fn expected_leading_keys(function: &str) -> Vec<&'static str> {
    match function {
        "accept-invite" => vec!["INVITE#*", "TENANT#*#CLIENT#*"],
        "support-expiry-sweep" => {
            vec!["TENANT#*#CLIENT#*", "TENANT#*#QUOTA", "TENANT#*#CONTACT#*#ACTIVITY", "TENANT#*"]
        }
        // SES's events: the contact they name and its activity, nothing else.
        "record-email-event" => vec!["TENANT#*#CLIENT#*", "TENANT#*#CONTACT#*#ACTIVITY"],
        "add-contact" | "invite-contact" | "invite-client" | "reset-contact-password" => {
            vec!["TENANT#*", "INVITE#*"]
        }
        // The sign-in gate reads only the contact its user is.
        "portal-sign-in" => vec!["TENANT#*#CLIENT#*"],
        // The stream's consumer writes, erases and re-points contacts' activity, erases a
        // deleted contact's tag memberships, keeps the duplicate keys, and reads a contact's
        // move record beside it.
        "change-events" => {
            vec!["TENANT#*#CLIENT#*", "TENANT#*#CONTACT#*#ACTIVITY", "TENANT#*#DUPKEYS", "TENANT#*#TAG#*"]
        }
        _ => vec!["TENANT#*"],
    }
}

#[test]
fn every_table_permission_is_limited_to_the_key_prefixes_its_function_touches() {
    let template = template_yaml();
    let functions = function_statements(&template);
    assert_eq!(
        functions.len(),
        ROUTES.len() + 6,
        "every route's function, the sweep, the sign-in gate, the SES event recorder, the stream's consumer, the export jobs' runner and the portal's pages"
    );
    for (function, statements) in functions {
        let on_table: Vec<&serde_yaml::Value> = statements
            .iter()
            .filter(|s| {
                tagged(&s["Resource"]) == Some(("!GetAtt".to_owned(), "ContactsTable.Arn".to_owned()))
            })
            .collect();
        // Only a function declared to touch no item may go without a table statement.
        let touches_nothing = function == "portal-pages"
            || OPERATIONS.iter().any(|o| o.route.function == function && o.table_actions.is_empty());
        assert_eq!(on_table.is_empty(), touches_nothing, "{function}: table statements {on_table:?}");
        let mut prefixes: Vec<&str> = Vec::new();
        for statement in &on_table {
            let condition = &statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
            assert!(condition.as_sequence().is_some_and(|c| !c.is_empty()), "{function}: {statement:?}");
            prefixes.extend(condition.as_sequence().into_iter().flatten().filter_map(|v| v.as_str()));
        }
        prefixes.sort_unstable();
        prefixes.dedup();
        let mut expected = if on_table.is_empty() { Vec::new() } else { expected_leading_keys(&function) };
        expected.sort_unstable();
        assert_eq!(prefixes, expected, "{function}: {on_table:?}");
    }
}

#[test]
fn every_permission_to_send_email_is_pinned_to_the_sender_address() {
    let template = template_yaml();
    let mut senders = 0;
    for (function, statements) in function_statements(&template) {
        for statement in statements.iter().filter(|s| actions(s).iter().any(|a| a.starts_with("ses:"))) {
            assert_eq!(actions(statement), ["ses:SendEmail"], "{function}");
            let from = &statement["Condition"]["StringEquals"]["ses:FromAddress"];
            assert_eq!(tagged(from), Some(("!Ref".to_owned(), "SenderEmail".to_owned())), "{function}");
            senders += 1;
        }
    }
    assert_eq!(
        senders, 6,
        "add-contact, invite-contact, invite-client, reset-contact-password, notify-contacts and the sweep send email"
    );
}

#[test]
fn the_templates_defaults_are_the_services_defaults() {
    let template = local_api::Template::of_repo();
    let email = shared::config::EmailConfig::default();
    let default =
        |name: &str| template.parameter_default(name).unwrap_or_else(|| panic!("{name} has no default"));
    assert_eq!(default("InviteTtlHours"), email.invite_ttl_hours.to_string());
    assert_eq!(default("ActivityRetentionDays"), email.activity_retention_days.to_string());
    for function in ["invite-contact", "invite-client", "reset-contact-password"] {
        assert_eq!(
            template.function_timeout(function),
            Some(10),
            "{function}: the SES timeouts (6 s a send) fit in it"
        );
    }
}

#[test]
fn the_public_route_is_throttled_and_its_function_can_be_capped() {
    let template = template_yaml();
    let settings = &template["Resources"]["HttpApi"]["Properties"]["RouteSettings"]["POST /invites/accept"];
    for (setting, parameter) in
        [("ThrottlingRateLimit", "PublicRouteRateLimit"), ("ThrottlingBurstLimit", "PublicRouteBurstLimit")]
    {
        assert_eq!(tagged(&settings[setting]), Some(("!Ref".to_owned(), parameter.to_owned())), "{setting}");
        let default = template["Parameters"][parameter]["Default"].as_u64().expect("a default");
        assert!((1..=100).contains(&default), "{parameter} defaults to a modest rate: {default}");
    }
    let accept = &template["Resources"]["AcceptInviteFunction"]["Properties"];
    assert!(
        accept["ReservedConcurrentExecutions"].is_tagged_if(),
        "{:?}",
        accept["ReservedConcurrentExecutions"]
    );
}

trait TaggedIf {
    fn is_tagged_if(&self) -> bool;
}

impl TaggedIf for serde_yaml::Value {
    /// `!If [condition, ...]`, as a parameter-controlled setting is written.
    fn is_tagged_if(&self) -> bool {
        matches!(self, serde_yaml::Value::Tagged(t) if t.tag == "!If")
    }
}
