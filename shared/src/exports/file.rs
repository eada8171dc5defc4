//! An export's file, written a row at a time into a buffer the job sends as parts.
//!
//! - CSV: UTF-8 with a byte order mark (without one, Excel reads UTF-8 as the system's code
//!   page and mangles every accent; the import skips it), the contacts import's columns in its
//!   order (`import::contacts::COLUMNS`): the template's, then `client_id` and `client_name`,
//!   which the import reads past (`Cell::Reference`), so a file exported and imported again
//!   changes nothing.
//!   Lists are joined with `|`, as the import splits them; `tags` holds the contact's tags'
//!   names (the tenant's, read once per file); every cell is `spreadsheet_safe`.
//!   Then a column per custom field (`custom.<key>`, as the import reads them), in the
//!   tenant's order; every file shows a contact's values as `GET` does (of defined fields).
//! - JSON: one array of the contacts as `GET /contacts` lists them (with `client_name`).

use std::collections::HashMap;

use serde_json::Value;

use crate::domain::custom_field::CustomFields;
use crate::domain::export::{spreadsheet_safe, ExportFormat};
use crate::domain::TagId;
use crate::error::{ServiceError, ServiceResult};
use crate::import::contacts::{custom_columns, COLUMNS};
use crate::store::TenantContact;

pub(crate) struct ExportFile {
    format: ExportFormat,
    /// The tenant's tags' names, for the `tags` column.
    tag_names: HashMap<TagId, String>,
    /// The tenant's custom fields: which values a contact shows, and their columns.
    custom: CustomFields,
    columns: Vec<String>,
    out: Vec<u8>,
    rows: u64,
}

impl ExportFile {
    /// A file with its header (CSV) or opening bracket (JSON).
    pub(crate) fn new(
        format: ExportFormat,
        tag_names: HashMap<TagId, String>,
        custom: CustomFields,
    ) -> ServiceResult<Self> {
        let custom_columns = custom_columns(&custom).into_iter().map(|(name, _)| name);
        let columns = COLUMNS.iter().map(|(name, _)| (*name).to_owned()).chain(custom_columns).collect();
        let mut file = Self { format, tag_names, custom, columns, out: Vec::new(), rows: 0 };
        match format {
            ExportFormat::Csv => {
                file.out.extend_from_slice("\u{feff}".as_bytes());
                csv_record(&mut file.out, &file.columns)?;
            }
            ExportFormat::Json => file.out.push(b'['),
        }
        Ok(file)
    }

    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    pub(crate) fn push(&mut self, listed: &TenantContact) -> ServiceResult<()> {
        let mut value = serde_json::to_value(listed).map_err(ServiceError::internal)?;
        let shown = self.custom.visible(&listed.contact.fields.custom);
        value["custom"] = serde_json::to_value(shown).map_err(ServiceError::internal)?;
        match self.format {
            ExportFormat::Csv => {
                let tags = self.tags_of(listed);
                let record: Vec<String> = (self.columns.iter())
                    .map(|path| match path.as_str() {
                        "tags" => spreadsheet_safe(&tags).into_owned(),
                        path => spreadsheet_safe(&cell(&value, path)).into_owned(),
                    })
                    .collect();
                csv_record(&mut self.out, &record)?;
            }
            ExportFormat::Json => {
                self.out.extend_from_slice(if self.rows == 0 { b"\n" } else { b",\n" });
                serde_json::to_writer(&mut self.out, &value).map_err(ServiceError::internal)?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// The contact's tags by name, in name order, as the import reads them (`|` between).
    fn tags_of(&self, listed: &TenantContact) -> String {
        let mut names: Vec<&str> = listed
            .contact
            .tag_ids
            .iter()
            .filter_map(|id| self.tag_names.get(id))
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names.join("|")
    }

    /// How many bytes wait to be sent.
    pub(crate) fn buffered(&self) -> usize {
        self.out.len()
    }

    /// The bytes written since the last call.
    pub(crate) fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// The rest of the file, its end included.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        if self.format == ExportFormat::Json {
            self.out.extend_from_slice(b"\n]\n");
        }
        self.out
    }
}

/// Appends one CSV record (quoted where it must be) to `out`.
fn csv_record<I, T>(out: &mut Vec<u8>, record: I) -> ServiceResult<()>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(record).map_err(ServiceError::internal)?;
    writer.flush().map_err(ServiceError::internal)
}

/// The text of the contact's field at `path` (`address.city`), as the import reads it back.
fn cell(contact: &Value, path: &str) -> String {
    let value = path.split('.').try_fold(contact, |value, key| value.get(key));
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map_or_else(|| item.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("|"),
        Some(other) => other.to_string(),
    }
}
