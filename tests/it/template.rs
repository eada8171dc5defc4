//! template.yaml and the code agree: every function crate is deployed, every route is wired.

use std::collections::HashSet;

use harness::table::repo_root;
use local_api::Template;
use shared::http::routes;

#[test]
fn every_function_crate_has_a_function_resource_in_the_template() {
    let binaries: HashSet<String> = Template::of_repo().functions().into_iter().collect();
    for entry in std::fs::read_dir(repo_root().join("functions")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(binaries.contains(&name), "functions/{name} has no function resource in template.yaml");
    }
}

#[test]
fn the_template_routes_are_exactly_the_service_routes() {
    let in_template: HashSet<(String, String, String)> =
        Template::of_repo().routes().unwrap().into_iter().map(|r| (r.function, r.method, r.path)).collect();
    let in_code: HashSet<(String, String, String)> = routes::ALL
        .iter()
        .map(|r| (r.function.to_owned(), r.method.to_owned(), r.template.to_owned()))
        .collect();
    assert_eq!(in_template, in_code);
}

#[test]
fn the_template_never_sets_the_local_jwt_secret() {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    assert!(!text.contains("LOCAL_JWT_SECRET"));
}

#[test]
fn every_function_has_a_sample_event_that_parses_as_its_route() {
    for route in routes::ALL {
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
fn template_yaml() -> serde_yaml::Value {
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
                .unwrap()
                .iter()
                .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
                .collect();
            (binary, statements)
        })
        .collect()
}

fn tagged(value: &serde_yaml::Value) -> Option<(String, String)> {
    match value {
        serde_yaml::Value::Tagged(t) => Some((t.tag.to_string(), t.value.as_str()?.to_owned())),
        _ => None,
    }
}

fn actions(statement: &serde_yaml::Value) -> Vec<String> {
    match &statement["Action"] {
        serde_yaml::Value::Sequence(list) => {
            list.iter().filter_map(|a| a.as_str().map(str::to_owned)).collect()
        }
        other => other.as_str().map(|a| vec![a.to_owned()]).unwrap_or_default(),
    }
}

/// The key prefixes each function may touch, written down from the key layout (README, Table):
/// the public accept-invite function reaches only invitations, contacts and credentials; the
/// sweep only contacts; staff functions only their tenant's items, plus invitations where they
/// invite.
fn expected_leading_keys(function: &str) -> Vec<&'static str> {
    match function {
        "accept-invite" => vec!["INVITE#*", "TENANT#*#CLIENT#*", "TENANT#*#CREDENTIAL#*"],
        "support-expiry-sweep" => vec!["TENANT#*#CLIENT#*", "TENANT#*#QUOTA"],
        "add-contact" | "invite-contact" => vec!["TENANT#*", "INVITE#*"],
        _ => vec!["TENANT#*"],
    }
}

#[test]
fn every_table_permission_is_limited_to_the_key_prefixes_its_function_touches() {
    let template = template_yaml();
    let functions = function_statements(&template);
    assert_eq!(functions.len(), routes::ALL.len() + 1, "every route's function and the sweep");
    for (function, statements) in functions {
        let on_table: Vec<&serde_yaml::Value> = statements
            .iter()
            .filter(|s| {
                tagged(&s["Resource"]) == Some(("!GetAtt".to_owned(), "ContactsTable.Arn".to_owned()))
            })
            .collect();
        assert!(!on_table.is_empty(), "{function} has no table statement");
        for statement in on_table {
            let condition = &statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
            let prefixes: Vec<&str> =
                condition.as_sequence().into_iter().flatten().filter_map(|v| v.as_str()).collect();
            assert_eq!(prefixes, expected_leading_keys(&function), "{function}: {statement:?}");
        }
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
    assert_eq!(senders, 4, "add-contact, invite-contact, notify-contacts and the sweep send email");
}

#[test]
fn the_templates_defaults_are_the_services_defaults() {
    let template = local_api::Template::of_repo();
    let email = shared::config::EmailConfig::default();
    let default =
        |name: &str| template.parameter_default(name).unwrap_or_else(|| panic!("{name} has no default"));
    assert_eq!(default("InviteTtlHours"), email.invite_ttl_hours.to_string());
    assert_eq!(
        template.function_timeout("invite-contact"),
        Some(10),
        "the SES timeouts (6 s a send) fit in it"
    );
}
