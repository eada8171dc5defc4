//! Reading an uploaded CSV file: UTF-8 with or without BOM, comma or semicolon (detected from
//! the header line), quoted fields with separators and line breaks. Each data row becomes the
//! JSON object the API would take, so rows are validated by exactly the API's rules; an XLSX
//! upload (`xlsx.rs`) is read into the same rows by the same rules here.

use serde_json::{Map, Value};

use crate::domain::export::from_spreadsheet;
use crate::domain::{DomainError, DomainResult, FieldError};

/// Largest file accepted, and most data rows: both well inside Lambda's 6 MB payload and time.
pub(crate) const MAX_BYTES: usize = 5 * 1024 * 1024;
pub(crate) const MAX_ROWS: usize = 10_000;

/// One data row: its number as a spreadsheet shows it (the header is row 1) and its fields.
#[derive(Debug)]
pub struct Row {
    pub number: usize,
    pub fields: Map<String, Value>,
}

/// A data row, or its number and what is wrong with it.
pub(crate) type ParsedRow = Result<Row, (usize, Vec<FieldError>)>;

/// How a column's cells become JSON.
#[derive(Clone, Copy)]
pub enum Cell {
    Text,
    /// A list: items separated by `|`, `,`, `;` or spaces.
    List,
    /// Names separated by `|` alone (a name may hold spaces and commas): a contact's tags.
    Names,
    /// `true`/`false`/`yes`/`no`/`1`/`0`.
    Flag,
    /// A whole number (digits only); the field's own rule checks its range.
    Number,
    /// A number, whole or not (`1200`, `-2.5`); the field's own rule checks its range.
    Decimal,
    /// A date (`YYYY-MM-DD`, the field's rule checks it): text in a CSV file; in a spreadsheet
    /// also a date cell.
    Date,
    /// A phone number: text, which a spreadsheet must not have turned into a number (dropping
    /// a leading `+` or `0`).
    Phone,
    /// Written by an export for people to read (the contact's client); not in the template,
    /// and read past by the import, which matches rows by email within its own client.
    Reference,
}

fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    if header.matches(';').count() > header.matches(',').count() {
        b';'
    } else {
        b','
    }
}

/// The cell content that clears a field; any case, surrounding blanks ignored.
const CLEAR: &str = "[clear]";

/// What a cell asks of its field: `None` leaves it as it is (an empty cell: files exported
/// from a spreadsheet are full of them, and a blank must never erase data), `Some(Null)`
/// clears it (`[clear]`), anything else sets it.
fn cell_value(raw: &str, kind: Cell) -> Result<Option<Value>, String> {
    // An export puts `'` before a cell a spreadsheet would run as a formula.
    let raw = from_spreadsheet(raw.trim());
    if raw.is_empty() {
        return Ok(None);
    }
    if raw.eq_ignore_ascii_case(CLEAR) {
        return Ok(Some(Value::Null));
    }
    Ok(Some(match kind {
        Cell::Text | Cell::Date | Cell::Phone => Value::String(raw.to_owned()),
        Cell::Reference => return Ok(None),
        Cell::List => Value::Array(
            raw.split(['|', ',', ';', ' '])
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
        Cell::Names => Value::Array(
            raw.split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
        Cell::Flag => match raw.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Value::Bool(true),
            "false" | "no" | "0" => Value::Bool(false),
            _ => return Err("must be true or false".into()),
        },
        Cell::Decimal => match raw.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            Some(n) => Value::Number(n),
            None => return Err("must be a number".into()),
        },
        Cell::Number => match raw.parse::<u64>() {
            Ok(n) => Value::from(n),
            Err(_) => return Err("must be a whole number".into()),
        },
    }))
}

/// Sets `path` (`a`, `a.b`, `a.b.c`...) in `object`.
fn set_path(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            object.insert(path.to_owned(), value);
        }
        Some((outer, inner)) => {
            let nested = object.entry(outer.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = nested {
                set_path(map, inner, value);
            }
        }
    }
}

/// Parses the file. Unknown or repeated columns make the whole file 422 (naming them). An
/// empty cell, like a missing column, leaves its field out of the row (unchanged on an update,
/// no value on a new record); a `[clear]` cell makes it `null` (cleared).
pub(crate) fn read_rows(
    bytes: &[u8],
    columns: &[(&str, Cell)],
    required: &[&str],
) -> DomainResult<Vec<ParsedRow>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| DomainError::UnreadableFile("the file is not UTF-8 text".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(detect_delimiter(text))
        .flexible(true)
        .trim(csv::Trim::Headers)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| DomainError::UnreadableFile(format!("unreadable header row: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    // The header is row 1; records may span lines, so count records, not lines.
    let records = reader.records().enumerate().map(|(i, record)| RawRow {
        number: i + 2,
        cells: record
            .map(|r| r.iter().map(|c| Ok(c.to_owned())).collect())
            .map_err(|e| format!("unreadable: {e}")),
    });
    parse_rows(header, records, columns, required)
}

/// A data row as a file holds it: its number as a spreadsheet shows it, and its cells' text
/// (each cell its text, or why the file's cell cannot be taken as text), or why the whole row
/// cannot be read.
pub(crate) struct RawRow {
    pub number: usize,
    pub cells: Result<Vec<Result<String, String>>, String>,
}

/// The rows of a file whose header row is `header`: the header checked against `columns`
/// (names trimmed, any case), blank rows skipped, at most `MAX_ROWS` data rows.
pub(crate) fn parse_rows(
    header: Vec<String>,
    records: impl Iterator<Item = RawRow>,
    columns: &[(&str, Cell)],
    required: &[&str],
) -> DomainResult<Vec<ParsedRow>> {
    let header: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    check_header(&header, columns, required)?;
    let mut rows = Vec::new();
    for RawRow { number, cells } in records {
        if rows.len() >= MAX_ROWS {
            return Err(DomainError::TooManyRows(MAX_ROWS));
        }
        match cells {
            Ok(cells) if cells.iter().all(|c| c.as_ref().is_ok_and(|t| t.trim().is_empty())) => {}
            Ok(cells) => rows.push(read_row(number, &cells, &header, columns)),
            Err(e) => rows.push(Err((number, vec![FieldError::new("row", e)]))),
        }
    }
    Ok(rows)
}

/// Refuses a header with an unknown or repeated column, or without a `required` one, naming
/// every such column at once.
fn check_header(header: &[String], columns: &[(&str, Cell)], required: &[&str]) -> DomainResult<()> {
    let mut problems = Vec::new();
    for (i, name) in header.iter().enumerate() {
        if !columns.iter().any(|(c, _)| c == name) {
            problems.push(FieldError::new(name.clone(), "unknown column"));
        } else if header[..i].contains(name) {
            problems.push(FieldError::new(name.clone(), "repeated column"));
        }
    }
    for name in required {
        if !header.iter().any(|h| h == name) {
            problems.push(FieldError::new(*name, "required column is missing"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Validation(problems))
    }
}

/// One data row (`number`) as the JSON object the API would take, or every bad cell of it.
fn read_row(
    number: usize,
    cells: &[Result<String, String>],
    header: &[String],
    columns: &[(&str, Cell)],
) -> ParsedRow {
    let mut fields = Map::new();
    let mut errors = Vec::new();
    if cells.len() > header.len() {
        errors.push(FieldError::new("row", format!("{} cells for {} columns", cells.len(), header.len())));
    }
    for (name, cell) in header.iter().zip(cells) {
        let kind = columns.iter().find(|(c, _)| c == name).map(|(_, k)| *k).unwrap_or(Cell::Text);
        match cell.as_deref().map_err(String::clone).and_then(|raw| cell_value(raw, kind)) {
            Ok(Some(v)) => set_path(&mut fields, name, v),
            Ok(None) => {}
            Err(m) => errors.push(FieldError::new(name.clone(), m)),
        }
    }
    if errors.is_empty() {
        Ok(Row { number, fields })
    } else {
        Err((number, errors))
    }
}

#[cfg(test)]
#[path = "csv_rows_tests.rs"]
mod tests;
