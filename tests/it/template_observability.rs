//! template.yaml's observability: an alarm on every function that notifies the alarm topic
//! and says what to do, the API's JSON access log, the functions' JSON logs and tracing, and
//! the dashboard (docs/operations.md).

use crate::template::{tagged, template_yaml};

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
