//! Exports of a tenant's contacts (`POST /exports`, `GET /exports/{exportId}`): the API queues a
//! job (`domain::export`); its item's insert on the table's stream starts the `run-export`
//! function, which pages through the contacts as browsing does, writes the file to the export
//! bucket part by part, and marks the job done (or failed, leaving no file). Reading a done job
//! hands out a presigned link to its file.

pub mod bucket;
mod file;
pub mod request;
pub mod stream;

use std::time::Instant;

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::domain::custom_field::CustomFields;
use crate::domain::dates::format_timestamp;
use crate::domain::export::{ExportFormat, ExportJob, ExportState};
use crate::domain::{ExportId, Stamp, TenantId};
use crate::error::{ServiceError, ServiceResult};
use crate::store::Store;
pub use bucket::ExportBucket;
use bucket::{Upload, PART_BYTES};
use file::ExportFile;
pub use request::ExportRequest;

/// Contacts read per page: a `Query` reads at most 1 MB whatever the limit.
const PAGE: i32 = 1_000;

/// Time kept back from the function's deadline to end the file or drop it, and mark the job.
pub const END_MARGIN: std::time::Duration = std::time::Duration::from_secs(10);

/// A job as answered: with a download link once its file is done.
#[derive(Debug, Serialize)]
pub struct ExportView {
    #[serde(flatten)]
    pub job: ExportJob,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_expires_at: Option<String>,
}

impl From<ExportJob> for ExportView {
    /// A job as answered before its file is done: without a link.
    fn from(job: ExportJob) -> Self {
        Self { job, download_url: None, download_expires_at: None }
    }
}

/// Queues an export of `body` (`ExportRequest`) asked for by `stamp.by`.
pub async fn queue(
    store: &Store,
    tenant: &TenantId,
    body: Map<String, Value>,
    stamp: &Stamp,
    now: OffsetDateTime,
) -> ServiceResult<ExportJob> {
    // Custom field filters are checked by the definitions in force.
    let fields = match body.contains_key("custom") {
        true => store.get_settings(tenant).await?.settings.custom_fields,
        false => CustomFields::default(),
    };
    let request = ExportRequest::parse(body.clone(), &fields)?;
    let job = ExportJob::queued(request.format, ExportRequest::filters_of(body), stamp);
    store.put_export(tenant, &job, now).await?;
    Ok(job)
}

/// The tenant's job `id`, with a link to its file (in `bucket`) when it is done.
pub async fn view(
    store: &Store,
    bucket: Option<&ExportBucket>,
    tenant: &TenantId,
    id: ExportId,
    now: OffsetDateTime,
) -> ServiceResult<ExportView> {
    let job = store.get_export(tenant, id).await?.as_seen_at(now);
    if !job.is_done() {
        return Ok(job.into());
    }
    let bucket = bucket.ok_or_else(|| ServiceError::internal("EXPORT_BUCKET is not set"))?;
    let url = bucket.download_url(&job.object_key(tenant), &job.file_name()).await?;
    let minutes = i64::try_from(crate::domain::export::DOWNLOAD_MINUTES).unwrap_or(0);
    let expires = format_timestamp(now + time::Duration::minutes(minutes));
    Ok(ExportView { job, download_url: Some(url), download_expires_at: Some(expires) })
}

/// What running a job needs.
pub struct Exporter<'a> {
    pub store: &'a Store,
    pub bucket: &'a ExportBucket,
}

/// Why a file could not be finished.
enum Stop {
    OutOfTime,
    Failed(ServiceError),
}

impl From<ServiceError> for Stop {
    fn from(err: ServiceError) -> Self {
        Self::Failed(err)
    }
}

impl Exporter<'_> {
    /// Runs the tenant's queued job `id`, ending before `deadline` (less `END_MARGIN`): the job
    /// ends done, or failed with no file left. A job that is not queued (a second delivery of
    /// its stream record) is left as it is. `Err` only when the job could not even be marked.
    pub async fn run(&self, tenant: &TenantId, id: ExportId, deadline: Instant) -> ServiceResult<ExportJob> {
        let queued = self.store.get_export(tenant, id).await?;
        let mut job = ExportJob { state: ExportState::Running, ..queued.clone() };
        if queued.state != ExportState::Queued
            || !self.store.move_export(tenant, &job, ExportState::Queued).await?
        {
            return Ok(queued);
        }
        let outcome = match self.bucket.upload(job.object_key(tenant), job.format.content_type()).await {
            Ok(upload) => self.write(tenant, &mut job, upload, deadline).await,
            Err(err) => Err(Stop::Failed(err)),
        };
        job.finished_at = Some(format_timestamp(OffsetDateTime::now_utc()));
        match outcome {
            Ok(()) => job.state = ExportState::Done,
            Err(stop) => {
                job.state = ExportState::Failed;
                job.failure = Some(match stop {
                    Stop::OutOfTime => format!(
                        "ran out of time after {} rows; export fewer contacts at a time (filter by client)",
                        job.rows
                    ),
                    Stop::Failed(err) => {
                        tracing::error!(export = %job.id, error = ?err, "export failed");
                        "the file could not be written; ask for the export again".to_owned()
                    }
                });
            }
        }
        self.store.move_export(tenant, &job, ExportState::Running).await?;
        Ok(job)
    }

    /// Writes the file page by page; on any stop, its upload is aborted.
    async fn write(
        &self,
        tenant: &TenantId,
        job: &mut ExportJob,
        mut upload: Upload<'_>,
        deadline: Instant,
    ) -> Result<(), Stop> {
        match self.pages(tenant, job, &mut upload, deadline).await {
            Ok(()) => Ok(upload.complete().await?),
            Err(stop) => {
                if let Err(err) = upload.abort().await {
                    tracing::error!(export = %job.id, error = ?err, "an export's upload could not be aborted");
                }
                Err(stop)
            }
        }
    }

    async fn pages(
        &self,
        tenant: &TenantId,
        job: &mut ExportJob,
        upload: &mut Upload<'_>,
        deadline: Instant,
    ) -> Result<(), Stop> {
        let mut filters = job.filters.clone();
        filters.insert("format".into(), serde_json::to_value(job.format).map_err(ServiceError::internal)?);
        let custom =
            self.store.get_settings(tenant).await.map_err(ServiceError::from)?.settings.custom_fields;
        let browse = ExportRequest::parse(filters, &custom).map_err(ServiceError::from)?.browse;
        // A CSV names each contact's tags: the tenant's, read once.
        let tags = match job.format {
            ExportFormat::Csv => self.store.all_tags(tenant).await.map_err(ServiceError::from)?,
            ExportFormat::Json => Vec::new(),
        };
        let mut file = ExportFile::new(
            job.format,
            tags.into_iter().map(|t| (t.id, t.name.as_str().to_owned())).collect(),
            custom,
        )?;
        let mut after = None;
        loop {
            if Instant::now() + END_MARGIN >= deadline {
                return Err(Stop::OutOfTime);
            }
            let page =
                self.store.browse_contacts(tenant, &browse, PAGE, after).await.map_err(ServiceError::from)?;
            for listed in &page.items {
                file.push(listed)?;
            }
            if file.buffered() >= PART_BYTES {
                upload.part(file.take()).await?;
                // Progress: how many rows the file holds so far.
                job.rows = file.rows();
                self.store
                    .move_export(tenant, job, ExportState::Running)
                    .await
                    .map_err(ServiceError::from)?;
            }
            match page.last_sort_key {
                Some(position) => after = Some(position),
                None => break,
            }
        }
        job.rows = file.rows();
        let rest = file.finish();
        // The last part may be small, but an empty one after others would be a part for nothing.
        if !rest.is_empty() || upload.is_empty() {
            upload.part(rest).await?;
        }
        Ok(())
    }
}
