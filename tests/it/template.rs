//! template.yaml and the code agree: every function crate is deployed, every route is wired.

use std::collections::HashSet;

use local_api::Template;
use shared::http::routes;
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
                .unwrap()
                .iter()
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
/// sweep only contacts; staff functions only their tenant's items, plus invitations where they
/// invite or send a password reset.
fn expected_leading_keys(function: &str) -> Vec<&'static str> {
    match function {
        "accept-invite" => vec!["INVITE#*", "TENANT#*#CLIENT#*"],
        "support-expiry-sweep" => vec!["TENANT#*#CLIENT#*", "TENANT#*#QUOTA", "TENANT#*#CONTACT#*#ACTIVITY"],
        // SES's events: the contact they name and its activity, nothing else.
        "record-email-event" => vec!["TENANT#*#CLIENT#*", "TENANT#*#CONTACT#*#ACTIVITY"],
        "add-contact" | "invite-contact" | "invite-client" | "reset-contact-password" => {
            vec!["TENANT#*", "INVITE#*"]
        }
        // The sign-in gate reads only the contact its user is.
        "portal-sign-in" => vec!["TENANT#*#CLIENT#*"],
        // The stream's consumer writes and erases contacts' activity only.
        "change-events" => vec!["TENANT#*#CONTACT#*#ACTIVITY"],
        _ => vec!["TENANT#*"],
    }
}

#[test]
fn every_table_permission_is_limited_to_the_key_prefixes_its_function_touches() {
    let template = template_yaml();
    let functions = function_statements(&template);
    assert_eq!(
        functions.len(),
        routes::ALL.len() + 4,
        "every route's function, the sweep, the sign-in gate, the SES event recorder and the stream's consumer"
    );
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

fn resources_of_type<'a>(
    template: &'a serde_yaml::Value,
    kind: &str,
) -> Vec<(&'a str, &'a serde_yaml::Value)> {
    let resources = template["Resources"].as_mapping().unwrap();
    resources.iter().filter(|(_, r)| r["Type"] == kind).map(|(k, r)| (k.as_str().unwrap(), r)).collect()
}

/// The logical ids of the functions whose metrics `alarm` watches, with the metric names.
fn lambda_metrics_of(alarm: &serde_yaml::Value) -> Vec<(String, String)> {
    let metrics = alarm["Properties"]["Metrics"].as_sequence().cloned().unwrap_or_default();
    metrics
        .iter()
        .map(|m| &m["MetricStat"]["Metric"])
        .filter(|m| m["Namespace"] == "AWS/Lambda")
        .map(|m| {
            let dimension = &m["Dimensions"][0];
            assert_eq!(dimension["Name"], "FunctionName");
            let (_, function) = tagged(&dimension["Value"]).expect("!Ref of a function");
            (function, m["MetricName"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn every_function_has_an_alarm_on_its_errors_and_throttles_that_notifies_the_alarm_topic() {
    let template = template_yaml();
    let alarms = resources_of_type(&template, "AWS::CloudWatch::Alarm");
    for (function, _) in resources_of_type(&template, "AWS::Serverless::Function") {
        let watching: Vec<&serde_yaml::Value> = alarms
            .iter()
            .map(|(_, a)| *a)
            .filter(|a| lambda_metrics_of(a).iter().any(|(f, _)| f == function))
            .collect();
        assert_eq!(watching.len(), 1, "one alarm watches {function}");
        let metrics: Vec<String> = lambda_metrics_of(watching[0]).into_iter().map(|(_, m)| m).collect();
        assert_eq!(metrics, ["Errors", "Throttles"], "{function}");
        let actions = watching[0]["Properties"]["AlarmActions"].as_sequence().unwrap();
        assert_eq!(tagged(&actions[0]), Some(("!Ref".to_owned(), "AlarmTopic".to_owned())), "{function}");
    }
}

#[test]
fn every_alarm_says_what_to_do_and_notifies_the_alarm_topic() {
    let template = template_yaml();
    let alarms = resources_of_type(&template, "AWS::CloudWatch::Alarm");
    assert!(alarms.len() >= 19 + 6, "one per function, the API's two, the sweep's two and SES's two");
    for (name, alarm) in alarms {
        let description = alarm["Properties"]["AlarmDescription"].as_str().unwrap_or_default();
        assert!(description.contains("docs/operations.md"), "{name} points to the runbook: {description}");
        for actions in ["AlarmActions", "OKActions"] {
            let topic = &alarm["Properties"][actions][0];
            assert_eq!(tagged(topic), Some(("!Ref".to_owned(), "AlarmTopic".to_owned())), "{name} {actions}");
        }
    }
}

#[test]
fn the_api_writes_a_json_access_log_with_the_fields_operators_need_to_its_own_log_group() {
    let template = template_yaml();
    let settings = &template["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"];
    let destination = tagged(&settings["DestinationArn"]).expect("a !GetAtt of a log group");
    assert_eq!(destination, ("!GetAtt".to_owned(), "ApiAccessLogs.Arn".to_owned()));
    let group = &template["Resources"]["ApiAccessLogs"];
    assert_eq!(group["Type"], "AWS::Logs::LogGroup");
    assert_eq!(
        tagged(&group["Properties"]["RetentionInDays"]),
        Some(("!Ref".into(), "LogRetentionDays".into()))
    );

    // The format with its variables filled in must be JSON, whatever they hold.
    let format = settings["Format"].as_str().unwrap();
    let sample = filled_in(format);
    let line: serde_json::Value = serde_json::from_str(&sample).unwrap_or_else(|e| panic!("{e}: {sample}"));
    for (field, variable) in [
        ("requestId", "$context.requestId"),
        ("routeKey", "$context.routeKey"),
        ("status", "$context.status"),
        ("responseLatency", "$context.responseLatency"),
        ("integrationError", "$context.integrationErrorMessage"),
        ("tenant", "$context.authorizer.claims.custom:tenant_id"),
    ] {
        assert!(line.get(field).is_some(), "{field} in {format}");
        assert!(
            format.contains(&format!("\"{field}\":\"{variable}\""))
                || format.contains(&format!("\"{field}\":{variable}")),
            "{field} is {variable}"
        );
    }
}

/// `format` with each `$context...` variable replaced by a number, as API Gateway fills them.
fn filled_in(format: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find("$context.") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '$' | '.' | ':' | '_')))
            .unwrap_or(after.len());
        out.push_str("200");
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn every_function_logs_json_at_the_templates_level_to_its_own_group_and_is_traced() {
    let template = template_yaml();
    assert_eq!(
        tagged(&template["Globals"]["Function"]["Tracing"]),
        Some(("!Ref".into(), "TracingMode".into()))
    );
    for (function, resource) in resources_of_type(&template, "AWS::Serverless::Function") {
        let logging = &resource["Properties"]["LoggingConfig"];
        assert_eq!(logging["LogFormat"], "JSON", "{function}");
        assert_eq!(
            tagged(&logging["ApplicationLogLevel"]),
            Some(("!Ref".into(), "LogLevel".into())),
            "{function}"
        );
        let group = tagged(&logging["LogGroup"]).expect("a !Ref of its log group").1;
        let retention = &template["Resources"][group.as_str()]["Properties"]["RetentionInDays"];
        assert_eq!(tagged(retention), Some(("!Ref".into(), "LogRetentionDays".into())), "{function}");
    }
}

#[test]
fn the_dashboard_is_json_with_the_golden_signals_and_the_email_import_and_sweep_figures() {
    let template = template_yaml();
    let body = match &template["Resources"]["Dashboard"]["Properties"]["DashboardBody"] {
        serde_yaml::Value::Tagged(sub) => sub.value[0].as_str().unwrap().to_owned(),
        other => panic!("a !Sub: {other:?}"),
    };
    // Filled in as CloudFormation would, with any value.
    let mut filled = body.clone();
    while let Some(start) = filled.find("${") {
        let end = start + filled[start..].find('}').unwrap();
        filled.replace_range(start..=end, "x");
    }
    let dashboard: serde_json::Value =
        serde_json::from_str(&filled).unwrap_or_else(|e| panic!("{e}: {filled}"));
    let titles: Vec<&str> = dashboard["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["properties"]["title"].as_str().unwrap())
        .collect();
    for wanted in ["API requests and errors", "API latency (ms)", "Emails by kind and outcome", "Sweep runs"]
    {
        assert!(titles.contains(&wanted), "{wanted} in {titles:?}");
    }
    assert!(body.contains("by routeKey"), "per-route signals from the access log");
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
