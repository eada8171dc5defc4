//! Bulk imports from CSV or XLSX: contacts of one client (matched by email) and clients (matched by
//! name). Every row is validated by the API's rules and written all-or-nothing (new contacts
//! in batch transactions that drop a row whose email was taken meanwhile, updates as one
//! conditional update each), good rows land even when others fail, and the report names each
//! failed row and every bad field in it. Re-importing a file changes nothing.

pub mod clients;
pub mod contacts;
pub mod csv_rows;
mod tags;
pub mod template;
pub mod xlsx;

use std::collections::HashMap;
use std::future::Future;

use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::{DomainError, FieldError, PhoneRegion};
use crate::error::{ServiceError, ServiceResult};
use crate::store::{Store, StoreError};
use csv_rows::{ParsedRow, Row};

/// What an import needs: the store it writes to and the region phone numbers are read in.
#[derive(Clone, Copy)]
pub struct Importer<'a> {
    pub store: &'a Store,
    pub phone_region: PhoneRegion,
}

/// An uploaded file, by its media type: read into the same rows either way.
#[derive(Clone, Copy)]
pub enum ImportFile<'a> {
    Csv(&'a [u8]),
    Xlsx(&'a [u8]),
}

/// The media types an import takes, and how a 415 names them.
pub(crate) const MEDIA_TYPES: (&[&str], &str) = (
    &["text/csv", xlsx::MEDIA_TYPE],
    "text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
);

impl<'a> ImportFile<'a> {
    /// The file a body of `media` (one of `MEDIA_TYPES`) holds.
    pub fn of(media: &str, bytes: &'a [u8]) -> Self {
        if media == xlsx::MEDIA_TYPE {
            ImportFile::Xlsx(bytes)
        } else {
            ImportFile::Csv(bytes)
        }
    }

    /// Its data rows, each the JSON object the API would take or what is wrong with it.
    pub fn rows(
        self,
        columns: &[(&str, csv_rows::Cell)],
        required: &[&str],
    ) -> ServiceResult<Vec<ParsedRow>> {
        Ok(match self {
            ImportFile::Csv(bytes) => csv_rows::read_rows(bytes, columns, required),
            ImportFile::Xlsx(bytes) => xlsx::read_rows(bytes, columns, required),
        }?)
    }
}

/// Rows written at once: quick for thousands of rows without starving the table.
pub const CONCURRENT_ROWS: usize = 16;

#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub errors: Vec<RowError>,
}

#[derive(Debug, Serialize)]
pub struct RowError {
    pub row: usize,
    pub errors: Vec<FieldError>,
}

pub enum RowOutcome {
    Created,
    Updated,
    Unchanged,
    Failed(Vec<FieldError>),
}

impl ImportReport {
    pub fn count(&mut self, row: usize, outcome: RowOutcome) {
        match outcome {
            RowOutcome::Created => self.created += 1,
            RowOutcome::Updated => self.updated += 1,
            RowOutcome::Unchanged => self.unchanged += 1,
            RowOutcome::Failed(errors) => {
                self.failed += 1;
                self.errors.push(RowError { row, errors });
            }
        }
    }

    /// Sorts the errors and, unless nothing was written (a dry run), counts the rows by
    /// outcome as metrics of the `import` (`clients` or `contacts`).
    pub(crate) fn finish(mut self, import: &'static str) -> Self {
        self.errors.sort_by_key(|e| e.row);
        if !self.dry_run {
            crate::metrics::MetricLine::new()
                .dimension("Import", import)
                .count("ImportRowsCreated", self.created as u64)
                .count("ImportRowsUpdated", self.updated as u64)
                .count("ImportRowsUnchanged", self.unchanged as u64)
                .count("ImportRowsFailed", self.failed as u64)
                .emit();
        }
        self
    }
}

/// The field errors a row's failure stands for; errors that are not about the row's content
/// (the store being unavailable) fail the whole import instead.
pub(crate) fn row_errors(err: impl Into<ServiceError>) -> ServiceResult<Vec<FieldError>> {
    let row = |message: &str| Ok(vec![FieldError::new("row", message)]);
    match err.into() {
        ServiceError::Refused(DomainError::Validation(errors)) => Ok(errors),
        ServiceError::Refused(DomainError::EmailTaken) => {
            Ok(vec![FieldError::new("email", "already used by another contact of this tenant")])
        }
        ServiceError::Refused(DomainError::NotFound(what)) => row(&format!("{what} not found")),
        ServiceError::Store(StoreError::PreconditionFailed | StoreError::Contention) => {
            row("changed by someone else during the import; import it again")
        }
        ServiceError::Refused(DomainError::PrimaryRequired) => {
            row("a client keeps exactly one primary contact")
        }
        ServiceError::Refused(e @ (DomainError::TooManyTags(_) | DomainError::TagBeingDeleted)) => {
            Ok(vec![FieldError::new("tags", e.to_string())])
        }
        other => Err(other),
    }
}

/// A row that failed for `err`, if it is about the row (see `row_errors`).
pub(crate) fn failed_row(err: impl Into<ServiceError>) -> ServiceResult<RowOutcome> {
    row_errors(err).map(RowOutcome::Failed)
}

/// A row that parsed and is the first of the file with its matching key (email or name).
pub struct Keyed<P> {
    pub number: usize,
    pub key: String,
    pub patch: P,
}

/// Parses every row and keeps the first row of each key; every other row is counted as failed
/// here, before anything is written, so a file never fights with itself.
pub(crate) fn keyed_rows<P>(
    rows: Vec<ParsedRow>,
    report: &mut ImportReport,
    key_field: &str,
    parse: impl Fn(Map<String, Value>) -> ServiceResult<P>,
    key_of: impl Fn(&P) -> Result<String, FieldError>,
) -> ServiceResult<Vec<Keyed<P>>> {
    let mut first_row_of: HashMap<String, usize> = HashMap::new();
    let mut keyed = Vec::new();
    for row in rows {
        let Row { number, fields } = match row {
            Ok(row) => row,
            Err((number, errors)) => {
                report.count(number, RowOutcome::Failed(errors));
                continue;
            }
        };
        let outcome = match parse(fields) {
            Err(e) => Err(row_errors(e)?),
            Ok(patch) => key_of(&patch).map(|key| (key, patch)).map_err(|e| vec![e]),
        };
        let (key, patch) = match outcome {
            Ok(keyed) => keyed,
            Err(errors) => {
                report.count(number, RowOutcome::Failed(errors));
                continue;
            }
        };
        if let Some(first) = first_row_of.get(&key) {
            let e = FieldError::new(key_field, format!("already in row {first} of this file"));
            report.count(number, RowOutcome::Failed(vec![e]));
            continue;
        }
        first_row_of.insert(key.clone(), number);
        keyed.push(Keyed { number, key, patch });
    }
    Ok(keyed)
}

/// Imports rows (each with its row number) `CONCURRENT_ROWS` at a time and counts each
/// outcome in the report.
pub(crate) async fn write_rows<T, F>(
    rows: Vec<(usize, T)>,
    report: &mut ImportReport,
    import_row: impl Fn(T) -> F,
) -> ServiceResult<()>
where
    F: Future<Output = ServiceResult<RowOutcome>>,
{
    let outcomes: Vec<(usize, ServiceResult<RowOutcome>)> = stream::iter(rows)
        .map(|(number, row)| {
            let written = import_row(row);
            async move { (number, written.await) }
        })
        .buffer_unordered(CONCURRENT_ROWS)
        .collect()
        .await;
    for (number, outcome) in outcomes {
        report.count(number, outcome?);
    }
    Ok(())
}
