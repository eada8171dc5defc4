//! Reading an uploaded CSV file: UTF-8 with or without BOM, comma or semicolon (detected from
//! the header line), quoted fields with separators and line breaks. Each data row becomes the
//! JSON object the API would take, so rows are validated by exactly the API's rules.

use serde_json::{Map, Value};

use crate::domain::{DomainError, DomainResult, FieldError};

/// Largest file accepted, and most data rows: both well inside Lambda's 6 MB payload and time.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_ROWS: usize = 10_000;

/// One data row: its number as a spreadsheet shows it (the header is row 1) and its fields.
pub struct Row {
    pub number: usize,
    pub fields: Map<String, Value>,
}

/// A data row, or its number and what is wrong with it.
pub type ParsedRow = Result<Row, (usize, Vec<FieldError>)>;

/// How a column's cells become JSON.
#[derive(Clone, Copy)]
pub enum Cell {
    Text,
    /// A list: items separated by `|`, `,`, `;` or spaces.
    List,
    /// `true`/`false`/`yes`/`no`/`1`/`0`.
    Flag,
    /// A whole number (digits only); the field's own rule checks its range.
    Number,
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
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if raw.eq_ignore_ascii_case(CLEAR) {
        return Ok(Some(Value::Null));
    }
    Ok(Some(match kind {
        Cell::Text => Value::String(raw.to_owned()),
        Cell::List => Value::Array(
            raw.split(['|', ',', ';', ' '])
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
        Cell::Flag => match raw.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Value::Bool(true),
            "false" | "no" | "0" => Value::Bool(false),
            _ => return Err("must be true or false".into()),
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
pub fn read_rows(bytes: &[u8], columns: &[(&str, Cell)], required: &[&str]) -> DomainResult<Vec<ParsedRow>> {
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
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    check_header(&header, columns, required)?;

    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        if rows.len() >= MAX_ROWS {
            return Err(DomainError::TooManyRows(MAX_ROWS));
        }
        // The header is row 1; records may span lines, so count records, not lines.
        let number = i + 2;
        match record {
            Ok(record) if record.iter().all(|c| c.trim().is_empty()) => {}
            Ok(record) => rows.push(read_row(number, &record, &header, columns)),
            Err(e) => rows.push(Err((number, vec![FieldError::new("row", format!("unreadable: {e}"))]))),
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
    record: &csv::StringRecord,
    header: &[String],
    columns: &[(&str, Cell)],
) -> ParsedRow {
    let mut fields = Map::new();
    let mut errors = Vec::new();
    if record.len() > header.len() {
        errors.push(FieldError::new("row", format!("{} cells for {} columns", record.len(), header.len())));
    }
    for (name, raw) in header.iter().zip(record.iter()) {
        let kind = columns.iter().find(|(c, _)| c == name).map(|(_, k)| *k).unwrap_or(Cell::Text);
        match cell_value(raw, kind) {
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
