//! Export jobs (`domain::export`): `PK = TENANT#t`, `SK = EXPORT#{id}`, `entity = export`, with `expires_at` for
//! TTL (`KEEP_DAYS` after the job was asked for, when the bucket deletes its file too). Only the
//! job's function moves a job on, and each step is conditional on the state it moves from, so a
//! stream record delivered twice runs a job once.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use serde_dynamo::{from_item, to_item};
use time::OffsetDateTime;

use super::tx::Item;
use super::{keys, n, s, Store};
use crate::domain::export::{ExportJob, ExportState, KEEP_DAYS};
use crate::domain::{DomainError, ExportId, TenantId};
use crate::store::error::{StoreError, StoreResult};

fn job_key(tenant: &TenantId, id: ExportId) -> Item {
    Store::key(keys::tenant_pk(tenant), keys::export_sk(id))
}

impl Store {
    /// Writes a new job (queued); its insert on the stream starts it.
    pub async fn put_export(
        &self,
        tenant: &TenantId,
        job: &ExportJob,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let mut item: Item = to_item(job).map_err(StoreError::internal)?;
        item.extend(job_key(tenant, job.id));
        item.insert("entity".into(), s("export"));
        let expires = now.unix_timestamp() + KEEP_DAYS * 86_400;
        item.insert("expires_at".into(), n(u64::try_from(expires).unwrap_or(0)));
        self.create(item).await
    }

    /// The tenant's job `id` (404 when there is none, or it has expired).
    pub async fn get_export(&self, tenant: &TenantId, id: ExportId) -> StoreResult<ExportJob> {
        let item = self.get(job_key(tenant, id)).await?.ok_or(DomainError::NotFound("export"))?;
        from_item(item).map_err(StoreError::internal)
    }

    /// Stores `job`'s state, rows and end if its stored state is still `from`: `Ok(false)` when
    /// it is not (another delivery of the stream record got there first).
    pub async fn move_export(
        &self,
        tenant: &TenantId,
        job: &ExportJob,
        from: ExportState,
    ) -> StoreResult<bool> {
        let mut set = vec!["#state = :to", "#rows = :rows"];
        let mut update = self
            .db
            .update_item()
            .table_name(&self.table)
            .set_key(Some(job_key(tenant, job.id)))
            .condition_expression("#state = :from")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#rows", "rows")
            .expression_attribute_values(":from", s(state_name(from)))
            .expression_attribute_values(":to", s(state_name(job.state)))
            .expression_attribute_values(":rows", n(job.rows));
        if let Some(at) = &job.finished_at {
            set.push("finished_at = :finished");
            update = update.expression_attribute_values(":finished", s(at));
        }
        if let Some(failure) = &job.failure {
            set.push("failure = :failure");
            update = update.expression_attribute_values(":failure", s(failure));
        }
        let result = update.update_expression(format!("SET {}", set.join(", "))).send().await;
        match result.map_err(|e| e.into_service_error()) {
            Ok(_) => Ok(true),
            Err(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(false),
            Err(other) => Err(StoreError::failed("UpdateItem", other)),
        }
    }
}

/// A state as the item spells it (its serde name).
fn state_name(state: ExportState) -> String {
    serde_json::to_value(state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
