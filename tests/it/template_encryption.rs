//! template.yaml's encryption at rest: every queue (they hold events about contacts) is
//! encrypted, and one parameter, `EncryptionKeyArn`, puts the table, every log group, the queues,
//! the alarm topic and the functions' environment under a customer-managed key (docs/deploy.md,
//! encryption).

use serde_yaml::Value;

use crate::template::template_yaml;

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap()
}

/// The value a property takes: the customer key when one is given, else `otherwise`.
fn the_key_or(otherwise: &str) -> Value {
    yaml(&format!("!If [UsesCustomerKey, !Ref EncryptionKeyArn, {otherwise}]"))
}

/// The template's resources of one type, by logical id.
fn resources_of_type<'a>(template: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, resource)| resource["Type"] == kind)
        .map(|(id, resource)| (id.as_str().unwrap(), resource))
        .collect()
}

#[test]
fn the_customer_key_is_an_optional_key_arn_and_empty_by_default() {
    // Given the template's parameters and conditions
    let template = template_yaml();
    let parameter = &template["Parameters"]["EncryptionKeyArn"];

    // Then the key is a string that is empty unless the deployer gives one
    assert_eq!(parameter["Type"], "String");
    assert_eq!(parameter["Default"], "");
    // And the condition every encryption setting names holds exactly when one is given
    assert_eq!(
        template["Conditions"]["UsesCustomerKey"],
        yaml(r#"!Not [!Equals [!Ref EncryptionKeyArn, ""]]"#)
    );
    // And only a key ARN is accepted: log groups refuse an alias
    let pattern = parameter["AllowedPattern"].as_str().unwrap();
    assert!(pattern.starts_with("^$|") && pattern.contains(":key/"), "{pattern}");
}

#[test]
fn every_queue_is_encrypted_with_sqs_managed_keys_unless_a_customer_key_is_given() {
    // Given the template's queues (a sweep, change-event or email-event failure names a contact)
    let template = template_yaml();
    let queues = resources_of_type(&template, "AWS::SQS::Queue");
    assert_eq!(queues.len(), 3, "{queues:?}");

    for (id, queue) in queues {
        // Then each is encrypted either way: with SQS-managed keys by default, else with the key
        let properties = &queue["Properties"];
        assert_eq!(properties["SqsManagedSseEnabled"], yaml("!If [UsesCustomerKey, false, true]"), "{id}");
        assert_eq!(properties["KmsMasterKeyId"], the_key_or("!Ref AWS::NoValue"), "{id}");
    }
}

#[test]
fn the_alarm_topic_is_encrypted_with_the_customer_key_when_one_is_given() {
    // Given the template's one topic
    let template = template_yaml();
    let topics = resources_of_type(&template, "AWS::SNS::Topic");
    assert_eq!(topics.iter().map(|(id, _)| *id).collect::<Vec<_>>(), ["AlarmTopic"]);

    // Then it is encrypted with the customer key when one is given (without one it stays
    // unencrypted: CloudWatch alarms cannot publish under the AWS-managed aws/sns key)
    assert_eq!(topics[0].1["Properties"]["KmsMasterKeyId"], the_key_or("!Ref AWS::NoValue"));
}

#[test]
fn every_log_group_is_encrypted_with_the_customer_key_when_one_is_given() {
    // Given the template's log groups (every function's and the API's access log)
    let template = template_yaml();
    let groups = resources_of_type(&template, "AWS::Logs::LogGroup");
    assert!(groups.len() > 30, "{} log groups", groups.len());

    for (id, group) in groups {
        // Then each takes the customer key when one is given
        assert_eq!(group["Properties"]["KmsKeyId"], the_key_or("!Ref AWS::NoValue"), "{id}");
    }
}

#[test]
fn the_table_is_encrypted_with_the_customer_key_when_one_is_given_else_dynamodbs_aws_managed_key() {
    // Given the table's encryption settings
    let template = template_yaml();
    let sse = &template["Resources"]["ContactsTable"]["Properties"]["SSESpecification"];

    // Then it is always encrypted with KMS, with the customer key when one is given
    assert_eq!(sse["SSEEnabled"], true);
    assert_eq!(sse["SSEType"], yaml("!If [UsesCustomerKey, KMS, !Ref AWS::NoValue]"));
    assert_eq!(sse["KMSMasterKeyId"], the_key_or("!Ref AWS::NoValue"));
}

#[test]
fn every_functions_environment_is_encrypted_with_the_customer_key_when_one_is_given() {
    // Given the template's function settings
    let template = template_yaml();

    // Then the functions' shared settings take the customer key when one is given
    assert_eq!(template["Globals"]["Function"]["KmsKeyArn"], the_key_or("!Ref AWS::NoValue"));
    // And no function overrides it
    for (id, function) in resources_of_type(&template, "AWS::Serverless::Function") {
        assert!(function["Properties"]["KmsKeyArn"].is_null(), "{id} sets its own KmsKeyArn");
    }
}
