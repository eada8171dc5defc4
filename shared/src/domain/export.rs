//! Exports of a tenant's contacts (`POST /exports`): a job, queued by the API and run by a
//! function of its own (`run-export`), whose file waits in a private bucket for `KEEP_DAYS`.
//! This module holds the job's states and the decisions about them, and what a spreadsheet must
//! not be handed: a cell it would run as a formula.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::ids::ExportId;
use super::Stamp;

/// Days a job and its file are kept: the job item's TTL and the bucket's lifecycle rule
/// (template.yaml, checked by `template_exports::the_bucket_deletes_exports_after_the_days_the_jobs_are_kept`).
pub const KEEP_DAYS: i64 = 3;

/// Minutes a download link works.
pub const DOWNLOAD_MINUTES: u64 = 15;

/// Minutes after which a job still queued or running can no longer end by itself: the stream
/// keeps a record for at most an hour (`MaximumRecordAgeInSeconds`), and an invocation runs at
/// most 15 minutes, so past this its function crashed or its record was given up on.
pub const STALE_AFTER_MINUTES: i64 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "csv" => Ok(Self::Csv),
            "json" => Ok(Self::Json),
            _ => Err("must be csv or json".to_owned()),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportState {
    /// Written by the API; the job's function starts it.
    Queued,
    /// Being written; `rows` counts what the file holds so far.
    Running,
    /// The file is complete.
    Done,
    /// Given up, with the reason in `failure`; no file is left.
    Failed,
}

/// A job as stored and answered (the download link is added when answering).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportJob {
    pub id: ExportId,
    pub format: ExportFormat,
    /// The browse filters the job was asked with, as they were read (`exports::ExportRequest`).
    /// None are left out of the item: DynamoDB Streams' SDK cannot read an empty map back.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub filters: Map<String, Value>,
    pub state: ExportState,
    pub rows: u64,
    pub created_at: String,
    /// The `sub` of the staff user who asked for it.
    pub created_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl ExportJob {
    /// A new job, queued by `stamp.by` at `stamp.at`.
    pub fn queued(format: ExportFormat, filters: Map<String, Value>, stamp: &Stamp) -> Self {
        Self {
            id: ExportId::generate(),
            format,
            filters,
            state: ExportState::Queued,
            rows: 0,
            created_at: stamp.at.clone(),
            created_by: stamp.by.clone(),
            finished_at: None,
            failure: None,
        }
    }

    /// The file's name in the bucket: under the tenant, so no key of one tenant's is another's.
    pub fn object_key(&self, tenant: &super::TenantId) -> String {
        format!("{tenant}/{}.{}", self.id, self.format.extension())
    }

    /// The name a download is saved as.
    pub fn file_name(&self) -> String {
        format!("contacts-{}.{}", self.id, self.format.extension())
    }

    /// Whether its file can be downloaded.
    pub fn is_done(&self) -> bool {
        self.state == ExportState::Done
    }

    /// The job as it stands at `now`: one still queued or running `STALE_AFTER_MINUTES` after
    /// it was asked for will never end, so it is shown failed, saying so, rather than running
    /// for the rest of its days.
    pub fn as_seen_at(self, now: OffsetDateTime) -> Self {
        let asked = OffsetDateTime::parse(&self.created_at, &Rfc3339).unwrap_or(now);
        let pending = matches!(self.state, ExportState::Queued | ExportState::Running);
        if !pending || now - asked < time::Duration::minutes(STALE_AFTER_MINUTES) {
            return self;
        }
        Self {
            state: ExportState::Failed,
            failure: Some("it was interrupted and did not finish; ask for the export again".to_owned()),
            ..self
        }
    }
}

/// A cell as a spreadsheet may be handed it: one that starts with `=`, `+`, `-` or `@` (or a
/// tab or carriage return, which some spreadsheets skip before such a sign) would be run as a
/// formula (`=HYPERLINK(...)` in a job title), so it gets a leading `'`, which spreadsheets
/// read as "text follows". The import takes the `'` off again (`from_spreadsheet`), so a phone
/// number's `+` survives a round trip.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    match cell.starts_with(FORMULA_STARTS) {
        true => Cow::Owned(format!("'{cell}")),
        false => Cow::Borrowed(cell),
    }
}

/// A cell's text without the `'` that `spreadsheet_safe` put before a formula sign.
pub fn from_spreadsheet(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_a_spreadsheet_would_run_as_a_formula_gets_a_leading_quote() {
        for cell in ["=HYPERLINK(\"http://x\")", "+44 7911 123456", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(spreadsheet_safe(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn a_plain_cell_is_left_as_it_is() {
        for cell in ["Ada", "", "1+1", "a=b", "'quoted", " =spaced"] {
            assert_eq!(spreadsheet_safe(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn the_import_takes_off_the_quote_the_export_put_before_a_formula_sign_and_no_other() {
        for cell in ["=1", "+44 7911 123456", "-x", "@y", "Ada", "'quoted", "", "'"] {
            assert_eq!(from_spreadsheet(&spreadsheet_safe(cell)), cell, "{cell:?}");
        }
        assert_eq!(from_spreadsheet("'not a formula"), "'not a formula");
    }

    fn job_in(state: ExportState, asked: &str) -> ExportJob {
        let stamp = Stamp { at: asked.into(), by: "user-1".into() };
        ExportJob { state, ..ExportJob::queued(ExportFormat::Csv, Map::new(), &stamp) }
    }

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &Rfc3339).expect("a time")
    }

    #[test]
    fn a_job_still_pending_long_after_it_was_asked_for_is_seen_failed() {
        for state in [ExportState::Queued, ExportState::Running] {
            let seen = job_in(state, "2026-12-07T10:00:00Z").as_seen_at(at("2026-12-07T11:31:00Z"));

            assert_eq!(seen.state, ExportState::Failed, "{state:?}");
            assert!(seen.failure.as_deref().is_some_and(|f| f.contains("interrupted")));
        }
    }

    #[test]
    fn a_job_pending_within_its_time_or_ended_is_seen_as_it_is() {
        let running = job_in(ExportState::Running, "2026-12-07T10:00:00Z");
        assert_eq!(running.clone().as_seen_at(at("2026-12-07T11:29:00Z")), running);
        for state in [ExportState::Done, ExportState::Failed] {
            let ended = job_in(state, "2026-12-07T10:00:00Z");
            assert_eq!(ended.clone().as_seen_at(at("2026-12-09T10:00:00Z")), ended);
        }
    }

    #[test]
    fn a_job_file_lives_under_its_tenant_and_is_named_after_its_format() {
        let stamp = Stamp { at: "2026-12-07T10:00:00Z".into(), by: "user-1".into() };
        let job = ExportJob::queued(ExportFormat::Json, Map::new(), &stamp);
        let tenant = super::super::TenantId::parse("acme").expect("tenant");

        assert_eq!(job.object_key(&tenant), format!("acme/{}.json", job.id));
        assert_eq!(job.file_name(), format!("contacts-{}.json", job.id));
        assert_eq!(job.state, ExportState::Queued);
    }
}
