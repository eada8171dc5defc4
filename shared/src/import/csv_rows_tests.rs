//! Specs of reading an uploaded CSV file (`csv_rows.rs`).
use super::*;
use serde_json::json;

#[test]
fn an_empty_or_blank_cell_leaves_the_field_unchanged() {
    assert_eq!(cell_value("", Cell::Text), Ok(None));
    assert_eq!(cell_value("  \t", Cell::Text), Ok(None));
    assert_eq!(cell_value(" ", Cell::List), Ok(None));
    assert_eq!(cell_value("", Cell::Flag), Ok(None));
}

#[test]
fn a_clear_cell_in_any_case_and_with_blanks_around_it_clears_the_field() {
    assert_eq!(cell_value("[clear]", Cell::Text), Ok(Some(Value::Null)));
    assert_eq!(cell_value("  [CLEAR] ", Cell::Text), Ok(Some(Value::Null)));
    assert_eq!(cell_value("[Clear]", Cell::List), Ok(Some(Value::Null)), "a list is cleared whole");
    assert_eq!(cell_value("[clear]", Cell::Flag), Ok(Some(Value::Null)));
}

#[test]
fn clear_is_only_the_whole_cell() {
    assert_eq!(cell_value("[clear] me", Cell::Text), Ok(Some(json!("[clear] me"))));
    assert_eq!(cell_value("clear", Cell::Text), Ok(Some(json!("clear"))));
}

#[test]
fn a_value_is_trimmed_and_a_list_is_split_on_its_separators() {
    assert_eq!(cell_value("  CFO ", Cell::Text), Ok(Some(json!("CFO"))));
    assert_eq!(
        cell_value("invoice| ticket;task", Cell::List),
        Ok(Some(json!(["invoice", "ticket", "task"])))
    );
    assert_eq!(cell_value("yes", Cell::Flag), Ok(Some(json!(true))));
    assert!(cell_value("maybe", Cell::Flag).is_err());
}

const COLUMNS: &[(&str, Cell)] = &[
    ("email", Cell::Text),
    ("job_title", Cell::Text),
    ("notifications", Cell::List),
    ("portal.support_end", Cell::Text),
];

fn fields(csv: &str) -> Value {
    let rows = read_rows(csv.as_bytes(), COLUMNS, &["email"]).unwrap();
    match rows.into_iter().next() {
        Some(Ok(row)) => Value::Object(row.fields),
        _ => panic!("one good row expected"),
    }
}

#[test]
fn a_row_holds_only_the_cells_that_set_or_clear_something() {
    let row = fields("email,job_title,notifications,portal.support_end\na@x.test,,[clear],\n");
    assert_eq!(row, json!({ "email": "a@x.test", "notifications": null }));
}

#[test]
fn a_clear_cell_of_a_nested_column_clears_only_that_field() {
    let row = fields("email,job_title,portal.support_end\na@x.test, ,[clear]\n");
    assert_eq!(row, json!({ "email": "a@x.test", "portal": { "support_end": null } }));
}

fn read(csv: &[u8]) -> DomainResult<Vec<ParsedRow>> {
    read_rows(csv, COLUMNS, &["email"])
}

fn field_names(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

fn refused_columns(csv: &str) -> Vec<(String, String)> {
    match read(csv.as_bytes()) {
        Err(DomainError::Validation(errors)) => errors.into_iter().map(|e| (e.field, e.message)).collect(),
        other => panic!("expected the file refused, got {:?}", other.map(|rows| rows.len())),
    }
}

#[test]
fn a_file_with_a_bom_and_semicolons_reads_like_one_with_commas() {
    let rows = read("\u{feff}Email ; Job_Title\na@x.test;CFO\n".as_bytes()).unwrap();

    let Ok(row) = &rows[0] else { panic!("a good row expected") };
    assert_eq!(Value::Object(row.fields.clone()), json!({ "email": "a@x.test", "job_title": "CFO" }));
}

#[test]
fn rows_are_numbered_as_a_spreadsheet_shows_them_even_across_quoted_line_breaks() {
    let csv = "email,job_title\na@x.test,\"Head of\nFinance, EMEA\"\nb@x.test,CTO\n";

    let rows = read(csv.as_bytes()).unwrap();

    let numbers: Vec<usize> = rows.iter().map(|r| r.as_ref().map(|row| row.number).unwrap()).collect();
    assert_eq!(numbers, vec![2, 3]);
    let Ok(first) = &rows[0] else { unreachable!() };
    assert_eq!(first.fields["job_title"], json!("Head of\nFinance, EMEA"));
}

#[test]
fn blank_rows_are_skipped_but_still_counted() {
    let rows = read(b"email\na@x.test\n , \nb@x.test\n").unwrap();

    let numbers: Vec<usize> = rows.iter().map(|r| r.as_ref().map(|row| row.number).unwrap()).collect();
    assert_eq!(numbers, vec![2, 4]);
}

#[test]
fn unknown_repeated_and_missing_required_columns_are_all_named_at_once() {
    let refused = refused_columns("job_title,fax,job_title\nCFO,1,CEO\n");

    assert_eq!(
        refused,
        vec![
            ("fax".to_owned(), "unknown column".to_owned()),
            ("job_title".to_owned(), "repeated column".to_owned()),
            ("email".to_owned(), "required column is missing".to_owned()),
        ]
    );
}

#[test]
fn a_row_with_more_cells_than_columns_or_a_bad_cell_reports_each_problem() {
    const FLAGGED: &[(&str, Cell)] = &[("email", Cell::Text), ("is_primary", Cell::Flag)];

    let rows = read_rows(b"email,is_primary\na@x.test,maybe,extra\n", FLAGGED, &["email"]).unwrap();

    let Err((number, errors)) = &rows[0] else { panic!("a bad row expected") };
    assert_eq!(*number, 2);
    assert_eq!(field_names(errors), vec!["row", "is_primary"]);
}

#[test]
fn a_file_that_is_not_utf8_is_a_bad_request() {
    assert!(matches!(read(b"email\n\xff\xfe\n"), Err(DomainError::UnreadableFile(_))));
}

#[test]
fn a_file_with_more_data_rows_than_the_limit_is_refused() {
    let csv = format!("email\n{}", "a@x.test\n".repeat(MAX_ROWS + 1));

    assert!(matches!(read(csv.as_bytes()), Err(DomainError::TooManyRows(MAX_ROWS))));
    assert_eq!(read(format!("email\n{}", "a@x.test\n".repeat(MAX_ROWS)).as_bytes()).unwrap().len(), MAX_ROWS);
}
