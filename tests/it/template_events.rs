//! template.yaml's domain events: the table's stream, the bus, the stream's consumer with its
//! failure handling, its least privilege and its alarms; and the failure handling of SES's
//! delivery feedback (docs/events.md, docs/email.md, docs/operations.md).

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
fn only_the_change_events_role_may_put_events_on_the_bus() {
    // Given the bus's resource policy
    let template = template_yaml();
    let policy = resource(&template, "ContactsEventBusPolicy");
    assert_eq!(policy["Type"], "AWS::Events::EventBusPolicy");
    assert_eq!(tagged(&policy["Properties"]["EventBusName"]), tag("!Ref", "ContactsEventBus"));

    // Then it denies PutEvents to every principal but the function's role: an Allow alone
    // would not stop a principal of the account whose own policy allows events:PutEvents
    let statement = &policy["Properties"]["Statement"];
    assert_eq!(statement["Effect"], "Deny");
    assert_eq!(statement["Principal"], "*");
    assert_eq!(actions(statement), ["events:PutEvents"]);
    assert_eq!(tagged(&statement["Resource"]), tag("!GetAtt", "ContactsEventBus.Arn"));
    let except = &statement["Condition"]["ArnNotEquals"]["aws:PrincipalArn"];
    assert_eq!(tagged(except), tag("!GetAtt", "ChangeEventsFunctionRole.Arn"));
    // And that role is the one SAM generates for the function, under that name
    assert!(resource(&template, "ChangeEventsFunction")["Properties"]["Role"].is_null());
}

#[test]
fn the_email_events_rule_takes_only_this_accounts_events_of_the_stacks_configuration_set() {
    // Given the rule that routes SES's events to record-email-event
    let template = template_yaml();
    let rule = &resource(&template, "RecordEmailEventFunction")["Properties"]["Events"]["SesEvents"];
    let pattern = &rule["Properties"]["Pattern"];

    // Then it matches only events of this account
    let accounts = pattern["account"].as_sequence().expect("an account filter");
    assert_eq!(accounts.iter().map(tagged).collect::<Vec<_>>(), [tag("!Ref", "AWS::AccountId")]);
    // And only those of the emails the stack sent, which name its configuration set
    let sets = pattern["detail"]["mail"]["tags"]["ses:configuration-set"].as_sequence();
    let sets = sets.expect("a configuration set filter");
    assert_eq!(sets.iter().map(tagged).collect::<Vec<_>>(), [tag("!Ref", "EmailConfigurationSet")]);
    // Where SES's events carry it (the samples are SES's format)
    for sample in crate::events::RECORDED_SES_EVENTS {
        let event: serde_json::Value = serde_json::from_str(&crate::events::event(sample)).unwrap();
        let named = &event["detail"]["mail"]["tags"]["ses:configuration-set"];
        assert!(named.as_array().is_some_and(|sets| sets.len() == 1 && sets[0].is_string()), "{sample}");
    }
}

#[test]
fn events_carry_the_text_of_internal_notes_only_where_the_deployment_opts_in() {
    // Given the template
    let template = template_yaml();

    // Then a parameter, off by default, says whether notes are published
    let parameter = &template["Parameters"]["EventsPublishInternalNotes"];
    assert_eq!(parameter["Default"], "false");
    assert_eq!(
        parameter["AllowedValues"],
        serde_yaml::from_str::<serde_yaml::Value>("[\"true\", \"false\"]").unwrap()
    );
    // And only the function that publishes events is told
    let env = &resource(&template, "ChangeEventsFunction")["Properties"]["Environment"]["Variables"];
    assert_eq!(tagged(&env["EVENTS_PUBLISH_INTERNAL_NOTES"]), tag("!Ref", "EventsPublishInternalNotes"));
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert!(globals.get("EVENTS_PUBLISH_INTERNAL_NOTES").is_none(), "change-events only");
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
fn an_email_event_still_undelivered_after_its_retries_goes_to_an_encrypted_dead_letter_queue() {
    let template = template_yaml();
    let rule = &resource(&template, "RecordEmailEventFunction")["Properties"]["Events"]["SesEvents"];
    assert_eq!(rule["Type"], "EventBridgeRule");
    let retry = &rule["Properties"]["RetryPolicy"];
    assert!(retry["MaximumRetryAttempts"].as_u64().is_some_and(|n| n >= 1), "{retry:?}");
    assert!(retry["MaximumEventAgeInSeconds"].as_u64().is_some(), "{retry:?}");
    let dead_letters = &rule["Properties"]["DeadLetterConfig"];
    assert_eq!(tagged(&dead_letters["Arn"]), tag("!GetAtt", "EmailEventsDeadLetterQueue.Arn"));
    let queue = resource(&template, "EmailEventsDeadLetterQueue");
    assert_eq!(queue["Type"], "AWS::SQS::Queue");
    // (its encryption: template_encryption::every_queue_is_encrypted_with_sqs_managed_keys_unless_a_customer_key_is_given)
    assert_eq!(queue["Properties"]["MessageRetentionPeriod"], 14 * 24 * 3600);
}

#[test]
fn of_the_aws_services_only_the_email_events_rule_may_send_to_its_dead_letter_queue() {
    let template = template_yaml();
    let policy = resource(&template, "EmailEventsDeadLetterQueuePolicy");
    assert_eq!(policy["Type"], "AWS::SQS::QueuePolicy");
    assert_eq!(tagged(&policy["Properties"]["Queues"][0]), tag("!Ref", "EmailEventsDeadLetterQueue"));
    let statements = policy["Properties"]["PolicyDocument"]["Statement"].as_sequence().unwrap();
    assert_eq!(statements.len(), 1, "{statements:?}");
    let statement = &statements[0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Principal"]["Service"], "events.amazonaws.com");
    assert_eq!(actions(statement), ["sqs:SendMessage"]);
    assert_eq!(tagged(&statement["Resource"]), tag("!GetAtt", "EmailEventsDeadLetterQueue.Arn"));
    // SAM names the rule it generates after the function and the event.
    let source = &statement["Condition"]["ArnEquals"]["aws:SourceArn"];
    assert_eq!(tagged(source), tag("!GetAtt", "RecordEmailEventFunctionSesEvents.Arn"));
}

#[test]
fn an_email_event_the_function_fails_on_after_its_retries_goes_to_the_dead_letter_queue_too() {
    let template = template_yaml();
    let function = resource(&template, "RecordEmailEventFunction");
    let invoke = &function["Properties"]["EventInvokeConfig"];
    assert_eq!(invoke["MaximumRetryAttempts"], 2, "{invoke:?}");
    // Lambda keeps an asynchronous event (throttled or between retries) for at most 6 h.
    let age = invoke["MaximumEventAgeInSeconds"].as_u64();
    assert!(age.is_some_and(|s| (60..=21600).contains(&s)), "{invoke:?}");
    let on_failure = &invoke["DestinationConfig"]["OnFailure"];
    assert_eq!(on_failure["Type"], "SQS");
    assert_eq!(tagged(&on_failure["Destination"]), tag("!GetAtt", "EmailEventsDeadLetterQueue.Arn"));
    // SAM grants the function's generated role sqs:SendMessage on an SQS destination it is
    // given; the queue's policy allows the rule and denies no one, so the role may send too.
    assert!(function["Properties"]["Role"].is_null(), "SAM generates the role");
    let policy = resource(&template, "EmailEventsDeadLetterQueuePolicy");
    let statements = policy["Properties"]["PolicyDocument"]["Statement"].as_sequence().unwrap();
    assert!(statements.iter().all(|s| s["Effect"] == "Allow"), "{statements:?}");
}

#[test]
fn email_events_on_the_dead_letter_queue_raise_an_alarm_on_the_alarm_topic() {
    let template = template_yaml();
    let alarm = &resource(&template, "EmailEventsDeadLettersAlarm")["Properties"];
    assert_eq!(alarm["Namespace"], "AWS/SQS");
    assert_eq!(alarm["MetricName"], "ApproximateNumberOfMessagesVisible");
    assert_eq!(
        tagged(&alarm["Dimensions"][0]["Value"]),
        tag("!GetAtt", "EmailEventsDeadLetterQueue.QueueName")
    );
    assert_eq!(alarm["Threshold"], 0);
    assert_eq!(alarm["ComparisonOperator"], "GreaterThanThreshold");
    assert_eq!(tagged(&alarm["AlarmActions"][0]), tag("!Ref", "AlarmTopic"));
}

#[test]
fn the_activity_retention_default_is_the_services_default() {
    let template = local_api::Template::of_repo();
    assert_eq!(
        template.parameter_default("ActivityRetentionDays"),
        Some(shared::store::activity_changes::DEFAULT_RETENTION_DAYS.to_string())
    );
}
