//! Specs of reading an uploaded XLSX workbook (`xlsx.rs`), on workbooks filled as a spreadsheet
//! user fills them: dates as date cells, numbers as numbers.
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::json;

use super::*;
use crate::import::contacts::COLUMNS as CONTACTS;
use crate::import::csv_rows::read_rows as read_csv;

/// A cell as a user enters it.
enum In {
    Text(&'static str),
    Number(f64),
    Date(&'static str),
}

/// A one-sheet workbook: `header` in row 1, then `rows`.
fn workbook(header: &[&str], rows: &[&[In]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, name) in (0u16..).zip(header) {
        sheet.write_string(0, c, *name).unwrap();
    }
    for (r, row) in (1u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row.iter()) {
            match cell {
                In::Text(t) => sheet.write_string(r, c, *t).map(|_| ()),
                In::Number(n) => sheet.write_number(r, c, *n).map(|_| ()),
                In::Date(d) => sheet
                    .write_datetime_with_format(r, c, ExcelDateTime::parse_from_str(d).unwrap(), &date)
                    .map(|_| ()),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn fields(rows: &[ParsedRow]) -> Vec<serde_json::Value> {
    rows.iter().map(|r| json!(r.as_ref().expect("a good row").fields)).collect()
}

#[test]
fn a_filled_workbook_reads_as_the_same_rows_as_the_same_csv() {
    // Given a workbook with a date cell, a number in a text column and text elsewhere
    let header = ["email", "last_name", "address.postal_code", "portal.support_end"];
    let book = workbook(
        &header,
        &[&[In::Text("ada@x.test"), In::Text("Lovelace"), In::Number(12345.0), In::Date("2026-12-31")]],
    );
    let csv =
        "email,last_name,address.postal_code,portal.support_end\nada@x.test,Lovelace,12345,2026-12-31\n";

    // When both are read
    let from_xlsx = read_rows(&book, CONTACTS, &["email"]).unwrap();
    let from_csv = read_csv(csv.as_bytes(), CONTACTS, &["email"]).unwrap();

    // Then they give the same row, numbered as the spreadsheet shows it
    assert_eq!(fields(&from_xlsx), fields(&from_csv));
    assert_eq!(from_xlsx[0].as_ref().map(|r| r.number).ok(), Some(2));
}

#[test]
fn a_phone_number_stored_as_a_number_fails_its_row_saying_what_to_do() {
    let book = workbook(&["email", "mobile"], &[&[In::Text("ada@x.test"), In::Number(447911123456.0)]]);

    let rows = read_rows(&book, CONTACTS, &["email"]).unwrap();

    let (number, errors) = rows[0].as_ref().expect_err("the row fails");
    assert_eq!((*number, errors[0].field.as_str()), (2, "mobile"));
    assert_eq!(errors[0].message, PHONE_AS_NUMBER);
}

#[test]
fn a_value_the_spreadsheet_turned_into_a_date_fails_its_row() {
    // Given "1-2" typed in a text column, which a spreadsheet stores as the 2nd of January
    let book = workbook(&["email", "department"], &[&[In::Text("ada@x.test"), In::Date("2026-01-02")]]);

    let rows = read_rows(&book, CONTACTS, &["email"]).unwrap();

    let (_, errors) = rows[0].as_ref().expect_err("the row fails");
    assert_eq!((errors[0].field.as_str(), errors[0].message.as_str()), ("department", TEXT_AS_DATE));
}

#[test]
fn a_number_in_a_date_column_fails_its_row() {
    let book = workbook(&["email", "portal.support_end"], &[&[In::Text("ada@x.test"), In::Number(46022.0)]]);

    let rows = read_rows(&book, CONTACTS, &["email"]).unwrap();

    let (_, errors) = rows[0].as_ref().expect_err("the row fails");
    assert_eq!(errors[0].message, NUMBER_AS_DATE);
}

#[test]
fn an_unknown_column_refuses_the_file_as_in_a_csv() {
    let book = workbook(&["email", "shoe_size"], &[&[In::Text("ada@x.test"), In::Number(42.0)]]);

    let refused = read_rows(&book, CONTACTS, &["email"]).expect_err("refused");

    assert!(matches!(&refused, DomainError::Validation(e) if e[0].field == "shoe_size"), "{refused:?}");
}

#[test]
fn bytes_that_are_no_workbook_are_an_unreadable_file() {
    let refused = read_rows(b"email\nada@x.test\n", CONTACTS, &["email"]).expect_err("refused");

    assert!(matches!(refused, DomainError::UnreadableFile(_)), "{refused:?}");
}

#[test]
fn a_workbook_declaring_more_than_the_unpacked_limit_is_refused_before_it_is_unpacked() {
    // Given a zip whose one part is more than the limit of zeros (a few kilobytes packed)
    let mut packed = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut packed);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    let block = vec![0u8; 1 << 20];
    for _ in 0..=(MAX_UNPACKED_BYTES >> 20) {
        std::io::Write::write_all(&mut zip, &block).unwrap();
    }
    zip.finish().unwrap();
    let bytes = packed.into_inner();
    assert!(bytes.len() < 1 << 20, "it is small packed: {}", bytes.len());

    let refused = read_rows(&bytes, CONTACTS, &["email"]).expect_err("refused");

    assert!(matches!(&refused, DomainError::UnreadableFile(why) if why.contains("unpack")), "{refused:?}");
}
