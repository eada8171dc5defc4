//! `run-export`'s event: the table's stream, filtered by its event source mapping to the inserts
//! of export jobs (`FILTER_PATTERN`, which template.yaml's `RunExportFunction` uses as it is:
//! `template_exports::the_run_export_functions_filter_is_the_one_the_code_declares`). Each job is run in
//! turn; a record whose job could not even be marked failed is reported in the partial batch
//! response, so the mapping delivers it again.

use std::time::Instant;

use serde_json::{json, Value};

use super::Exporter;
use crate::domain::{ExportId, TenantId};
use crate::store::keys::EXPORT_SK_PREFIX;

/// The event source mapping's filter: inserted items whose sort key starts with `EXPORT#`.
pub const FILTER_PATTERN: &str =
    r#"{"eventName":["INSERT"],"dynamodb":{"Keys":{"SK":{"S":[{"prefix":"EXPORT#"}]}}}}"#;

/// The job a stream record (as Lambda hands it over) inserted, if it is an export job's insert:
/// what `FILTER_PATTERN` lets through, read back into the job's tenant and id.
pub fn inserted_job(record: &Value) -> Option<(TenantId, ExportId)> {
    if record["eventName"] != "INSERT" {
        return None;
    }
    let keys = &record["dynamodb"]["Keys"];
    let id = keys["SK"]["S"].as_str()?.strip_prefix(EXPORT_SK_PREFIX)?;
    let tenant = keys["PK"]["S"].as_str()?.strip_prefix("TENANT#")?;
    Some((TenantId::parse(tenant)?, ExportId::parse(id)?))
}

/// Runs the job of each record of `event`; answers the partial batch response.
pub async fn run_records(exporter: &Exporter<'_>, event: &Value, deadline: Instant) -> Value {
    let mut failures = Vec::new();
    for record in event["Records"].as_array().into_iter().flatten() {
        let Some((tenant, id)) = inserted_job(record) else { continue };
        if let Err(err) = exporter.run(&tenant, id, deadline).await {
            tracing::error!(export = %id, error = ?err, "an export job could not be run");
            failures.push(json!({ "itemIdentifier": record["dynamodb"]["SequenceNumber"] }));
        }
    }
    json!({ "batchItemFailures": failures })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(event_name: &str, pk: &str, sk: &str) -> Value {
        json!({ "eventName": event_name, "dynamodb": { "Keys": { "PK": { "S": pk }, "SK": { "S": sk } } } })
    }

    #[test]
    fn an_export_jobs_insert_names_its_tenant_and_id() {
        let id = ExportId::generate();
        let found = inserted_job(&record("INSERT", "TENANT#acme", &format!("EXPORT#{id}")));

        assert_eq!(found, Some((TenantId::parse("acme").expect("tenant"), id)));
    }

    #[test]
    fn other_records_start_nothing() {
        let id = ExportId::generate();
        assert_eq!(inserted_job(&record("MODIFY", "TENANT#acme", &format!("EXPORT#{id}"))), None);
        assert_eq!(inserted_job(&record("INSERT", "TENANT#acme", &format!("CLIENT#{id}"))), None);
        assert_eq!(inserted_job(&record("INSERT", "TENANT#acme#CLIENT#x", "EXPORT#nope")), None);
    }
}
