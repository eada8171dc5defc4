//! template.yaml's exports: the bucket (private, encrypted, emptied on the jobs' schedule), who
//! may write and read it, and the stream filter that starts `run-export`.

use shared::domain::export::KEEP_DAYS;
use shared::exports::stream::FILTER_PATTERN;

use crate::template::{actions, tagged, template_yaml};

/// Every S3 action any function's role is allowed, with the function's binary name.
fn s3_grants(template: &serde_yaml::Value) -> Vec<(String, String)> {
    let mut grants = Vec::new();
    for (_, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let binary =
            resource["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap_or_default().to_owned();
        for policy in resource["Properties"]["Policies"].as_sequence().into_iter().flatten() {
            for statement in policy["Statement"].as_sequence().into_iter().flatten() {
                for action in actions(statement).into_iter().filter(|a| a.starts_with("s3:")) {
                    grants.push((binary.clone(), action));
                }
            }
        }
    }
    grants.sort();
    grants
}

#[test]
fn only_run_export_writes_export_files_and_get_export_only_reads_them() {
    let grants = s3_grants(&template_yaml());

    let pairs: Vec<(&str, &str)> = grants.iter().map(|(f, a)| (f.as_str(), a.as_str())).collect();
    assert_eq!(
        pairs,
        [
            ("get-export", "s3:GetObject"),
            ("run-export", "s3:AbortMultipartUpload"),
            ("run-export", "s3:PutObject")
        ]
    );
}

#[test]
fn under_a_customer_key_only_the_export_functions_may_use_it_for_the_files() {
    // Given the template's functions
    let template = template_yaml();
    let yaml = |text: &str| serde_yaml::from_str::<serde_yaml::Value>(text).unwrap();
    let key_rights = |function: &str| -> Vec<serde_yaml::Value> {
        let statements =
            template["Resources"][function]["Properties"]["Policies"][0]["Statement"].as_sequence();
        (statements.into_iter().flatten())
            .filter(|s| matches!(s, serde_yaml::Value::Tagged(_)))
            .cloned()
            .collect()
    };

    // Then, when a customer key is given, run-export may encrypt and decrypt with it (each
    // part of a multipart upload, then its completion), get-export only decrypt (the links it
    // signs read as it), and nothing when no key is given
    let run = key_rights("RunExportFunction");
    let get = key_rights("GetExportFunction");
    let when_keyed = |action: &str| {
        yaml(&format!(
            "!If [UsesCustomerKey, {{Effect: Allow, Action: {action}, Resource: !Ref EncryptionKeyArn}}, !Ref AWS::NoValue]"
        ))
    };
    assert_eq!(run, [when_keyed("[kms:GenerateDataKey, kms:Decrypt]")]);
    assert_eq!(get, [when_keyed("kms:Decrypt")]);
}

#[test]
fn the_export_bucket_is_private_encrypted_and_refuses_plain_http() {
    let template = template_yaml();
    let bucket = &template["Resources"]["ExportBucket"]["Properties"];

    let block = &bucket["PublicAccessBlockConfiguration"];
    for setting in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
        assert_eq!(block[setting], true, "{setting}");
    }
    assert_eq!(bucket["OwnershipControls"]["Rules"][0]["ObjectOwnership"], "BucketOwnerEnforced");
    let encryption = &bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0];
    let by_default = &encryption["ServerSideEncryptionByDefault"];
    let yaml = |text: &str| serde_yaml::from_str::<serde_yaml::Value>(text).unwrap();
    assert_eq!(by_default["SSEAlgorithm"], yaml(r#"!If [UsesCustomerKey, "aws:kms", AES256]"#));
    assert_eq!(
        by_default["KMSMasterKeyID"],
        yaml("!If [UsesCustomerKey, !Ref EncryptionKeyArn, !Ref AWS::NoValue]")
    );
    let policy = &template["Resources"]["ExportBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!((policy["Effect"].as_str(), policy["Principal"].as_str()), (Some("Deny"), Some("*")));
    assert_eq!(policy["Condition"]["Bool"]["aws:SecureTransport"], false);
}

#[test]
fn the_bucket_deletes_exports_after_the_days_the_jobs_are_kept() {
    let template = template_yaml();
    let rule = &template["Resources"]["ExportBucket"]["Properties"]["LifecycleConfiguration"]["Rules"][0];

    assert_eq!(rule["Status"], "Enabled");
    assert_eq!(rule["ExpirationInDays"].as_i64(), Some(KEEP_DAYS));
    assert!(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"].as_i64().is_some());
}

#[test]
fn the_run_export_functions_filter_is_the_one_the_code_declares() {
    let template = template_yaml();
    let function = &template["Resources"]["RunExportFunction"]["Properties"];
    let mapping = &function["Events"]["ExportJobs"]["Properties"];

    assert_eq!(
        tagged(&mapping["Stream"]),
        Some(("!GetAtt".to_owned(), "ContactsTable.StreamArn".to_owned()))
    );
    assert_eq!(mapping["FilterCriteria"]["Filters"][0]["Pattern"].as_str(), Some(FILTER_PATTERN));
    assert_eq!(mapping["FunctionResponseTypes"][0], "ReportBatchItemFailures");
    assert_eq!(
        tagged(&function["Environment"]["Variables"]["EXPORT_BUCKET"]),
        Some(("!Ref".to_owned(), "ExportBucket".to_owned()))
    );
}
