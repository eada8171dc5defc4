//! template.yaml's domain events: the table's stream, the bus, the stream's consumer with its
//! failure handling, its least privilege and its alarms (docs/events.md, docs/operations.md).

use crate::template::{actions, tagged, template_yaml};

fn resource<'a>(template: &'a serde_yaml::Value, name: &str) -> &'a serde_yaml::Value {
    let found = &template["Resources"][name];
    assert!(!found.is_null(), "template.yaml has no {name}");
    found
}

fn tag(kind: &str, value: &str) -> Option<(String, String)> {
    Some((kind.to_owned(), value.to_owned()))
}

#[test]
fn the_table_streams_new_and_old_images_to_the_change_events_function() {
    let template = template_yaml();
    let table = resource(&template, "ContactsTable");
    assert_eq!(table["Properties"]["StreamSpecification"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
    let stream = &resource(&template, "ChangeEventsFunction")["Properties"]["Events"]["TableStream"];
    assert_eq!(stream["Type"], "DynamoDB");
    assert_eq!(tagged(&stream["Properties"]["Stream"]), tag("!GetAtt", "ContactsTable.StreamArn"));
}

#[test]
fn a_failing_record_is_reported_alone_retried_and_then_sent_to_the_on_failure_queue() {
    let template = template_yaml();
    let function = resource(&template, "ChangeEventsFunction");
    let mapping = &function["Properties"]["Events"]["TableStream"]["Properties"];
    assert_eq!(mapping["FunctionResponseTypes"][0], "ReportBatchItemFailures");
    assert_eq!(mapping["BisectBatchOnFunctionError"], true);
    assert!(mapping["MaximumRetryAttempts"].as_u64().is_some_and(|n| n >= 1), "{mapping:?}");
    assert!(mapping["MaximumRecordAgeInSeconds"].as_u64().is_some(), "{mapping:?}");
    let on_failure = &mapping["DestinationConfig"]["OnFailure"];
    assert_eq!(on_failure["Type"], "SQS");
    assert_eq!(tagged(&on_failure["Destination"]), tag("!GetAtt", "ChangeEventsFailureQueue.Arn"));
    assert_eq!(resource(&template, "ChangeEventsFailureQueue")["Type"], "AWS::SQS::Queue");
}

#[test]
fn the_function_may_publish_only_to_the_services_bus() {
    let template = template_yaml();
    assert_eq!(resource(&template, "ContactsEventBus")["Type"], "AWS::Events::EventBus");
    let function = resource(&template, "ChangeEventsFunction");
    let statements = function["Properties"]["Policies"][0]["Statement"].as_sequence().unwrap();
    let publishing: Vec<_> =
        statements.iter().filter(|s| actions(s).iter().any(|a| a.starts_with("events:"))).collect();
    assert_eq!(publishing.len(), 1);
    assert_eq!(actions(publishing[0]), ["events:PutEvents"]);
    assert_eq!(tagged(&publishing[0]["Resource"]), tag("!GetAtt", "ContactsEventBus.Arn"));
    let env = &function["Properties"]["Environment"]["Variables"];
    assert_eq!(tagged(&env["EVENT_BUS_NAME"]), tag("!Ref", "ContactsEventBus"));
    // The retention is every function's (Globals), this one's too.
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert!(env.get("ACTIVITY_RETENTION_DAYS").is_none(), "set once, in Globals");
    assert_eq!(tagged(&globals["ACTIVITY_RETENTION_DAYS"]), tag("!Ref", "ActivityRetentionDays"));
}

#[test]
fn records_on_the_failure_queue_and_a_lagging_stream_raise_alarms_on_the_alarm_topic() {
    let template = template_yaml();
    let queue = resource(&template, "ChangeEventsFailedRecordsAlarm");
    assert_eq!(queue["Properties"]["Namespace"], "AWS/SQS");
    let dimension = &queue["Properties"]["Dimensions"][0]["Value"];
    assert_eq!(tagged(dimension), tag("!GetAtt", "ChangeEventsFailureQueue.QueueName"));
    let age = resource(&template, "ChangeEventsIteratorAgeAlarm");
    assert_eq!(age["Properties"]["MetricName"], "IteratorAge");
    assert_eq!(tagged(&age["Properties"]["Dimensions"][0]["Value"]), tag("!Ref", "ChangeEventsFunction"));
    for alarm in [queue, age] {
        assert_eq!(tagged(&alarm["Properties"]["AlarmActions"][0]), tag("!Ref", "AlarmTopic"));
    }
}

#[test]
fn the_activity_retention_default_is_the_services_default() {
    let template = local_api::Template::of_repo();
    assert_eq!(
        template.parameter_default("ActivityRetentionDays"),
        Some(shared::store::activity_changes::DEFAULT_RETENTION_DAYS.to_string())
    );
}
