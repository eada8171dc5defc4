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
fn the_export_bucket_is_private_encrypted_and_refuses_plain_http() {
    let template = template_yaml();
    let bucket = &template["Resources"]["ExportBucket"]["Properties"];

    let block = &bucket["PublicAccessBlockConfiguration"];
    for setting in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
        assert_eq!(block[setting], true, "{setting}");
    }
    assert_eq!(bucket["OwnershipControls"]["Rules"][0]["ObjectOwnership"], "BucketOwnerEnforced");
    let encryption = &bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0];
    assert_eq!(encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256");
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
