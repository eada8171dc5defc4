//! Reading an uploaded XLSX workbook: its first sheet, laid out as the CSV file is (a header
//! row of column names, then one row per record), read into the same rows by the same rules
//! (`csv_rows::parse_rows`). What a spreadsheet did to a value is undone where it is certain
//! (a date cell in a date column, a whole number), and refused with what to do where it is not:
//! a phone number stored as a number has lost its `+` or leading `0`, and a value the
//! spreadsheet turned into a date is no longer what was typed.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::csv_rows::{parse_rows, Cell, ParsedRow, RawRow};
use crate::domain::{DomainError, DomainResult};

/// The most an upload's parts may unpack to. A filled template of `MAX_ROWS` rows unpacks to a
/// few megabytes; a workbook declaring more is refused before it is unpacked (a zip bomb).
pub(crate) const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;

/// The media type of an XLSX workbook.
pub const MEDIA_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) const PHONE_AS_NUMBER: &str =
    "the spreadsheet stored this phone number as a number, which drops a \
     leading + or 0: format the column as Text and type the number again (for example +44 7911 123456)";
pub(crate) const NUMBER_AS_DATE: &str = "a number where a date is expected: enter a date, or text YYYY-MM-DD";
pub(crate) const TEXT_AS_DATE: &str = "the spreadsheet turned this value into a date or time: format the \
     column as Text and type the value again";

fn unreadable(why: impl std::fmt::Display) -> DomainError {
    DomainError::UnreadableFile(format!("not a readable XLSX workbook: {why}"))
}

/// The rows of the workbook's first sheet.
pub(crate) fn read_rows(
    bytes: &[u8],
    columns: &[(&str, Cell)],
    required: &[&str],
) -> DomainResult<Vec<ParsedRow>> {
    check_unpacked_size(bytes)?;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(unreadable)?;
    let range =
        book.worksheet_range_at(0).ok_or_else(|| unreadable("it has no sheet"))?.map_err(unreadable)?;
    // Row numbers as the spreadsheet shows them: the sheet's first used row is the header.
    let first = range.start().map_or(0, |(row, _)| row as usize) + 1;
    let mut rows = range.rows();
    let mut header: Vec<String> = rows.next().unwrap_or_default().iter().map(|c| c.to_string()).collect();
    while header.last().is_some_and(|h| h.trim().is_empty()) {
        header.pop();
    }
    let kinds: Vec<Cell> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .map(|h| columns.iter().find(|(c, _)| *c == h).map_or(Cell::Text, |(_, k)| *k))
        .collect();
    let records = rows.enumerate().map(|(i, cells)| {
        let mut cells: Vec<Result<String, String>> = cells
            .iter()
            .enumerate()
            .map(|(c, data)| text(data, kinds.get(c).copied().unwrap_or(Cell::Text)))
            .collect();
        // The sheet is as wide as its widest row; cells past the header count only if filled.
        while cells.len() > kinds.len()
            && cells.last().is_some_and(|c| c.as_ref().is_ok_and(String::is_empty))
        {
            cells.pop();
        }
        RawRow { number: first + 1 + i, cells: Ok(cells) }
    });
    parse_rows(header, records, columns, required)
}

/// Refuses a workbook whose parts declare more than `MAX_UNPACKED_BYTES` unpacked.
fn check_unpacked_size(bytes: &[u8]) -> DomainResult<()> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        total = total.saturating_add(archive.by_index_raw(i).map_err(unreadable)?.size());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(unreadable(format!("its parts unpack to more than {MAX_UNPACKED_BYTES} bytes")));
    }
    Ok(())
}

/// A cell's text as the CSV file would hold it in a column of `kind`, or why it has none.
pub(crate) fn text(data: &Data, kind: Cell) -> Result<String, String> {
    match (data, kind) {
        (Data::Empty, _) => Ok(String::new()),
        (Data::String(s), _) => Ok(s.clone()),
        (Data::Bool(b), _) => Ok(b.to_string()),
        (Data::Error(e), _) => Err(format!("the cell holds the spreadsheet error {e}")),
        (Data::Int(_) | Data::Float(_), Cell::Phone) => Err(PHONE_AS_NUMBER.into()),
        (Data::Int(_) | Data::Float(_), Cell::Date) => Err(NUMBER_AS_DATE.into()),
        (Data::Int(i), _) => Ok(i.to_string()),
        // Whole numbers as typed (`30`, not `30.0`); others as they read.
        (Data::Float(f), _) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(format!("{}", *f as i64)),
        (Data::Float(f), _) => Ok(f.to_string()),
        (Data::DateTime(d), Cell::Date) if d.is_datetime() => {
            let (year, month, day, ..) = d.to_ymd_hms_milli();
            Ok(format!("{year:04}-{month:02}-{day:02}"))
        }
        (Data::DateTimeIso(s), Cell::Date) => Ok(s.chars().take(10).collect()),
        (Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_), _) => Err(TEXT_AS_DATE.into()),
    }
}

#[cfg(test)]
#[path = "xlsx_tests.rs"]
mod tests;
