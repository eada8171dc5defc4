//! Imports as a spreadsheet user makes them: the XLSX template downloaded, filled in a
//! spreadsheet (dates as dates, numbers as numbers) and uploaded as it is, with the same
//! report as the same rows in CSV; what a spreadsheet mangled fails its row saying why.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value;
use shared::import::{contacts, xlsx::MEDIA_TYPE};
use testkit::TestApi;

use crate::support::given_client;

async fn xlsx_template(api: &TestApi, kind: &str) -> Vec<u8> {
    let res = api.get(&TestApi::reader("t1"), &format!("/imports/templates/{kind}?format=xlsx")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.header("content-type"), Some(MEDIA_TYPE));
    let disposition = format!("attachment; filename=\"{kind}-import-template.xlsx\"");
    assert_eq!(res.header("content-disposition"), Some(disposition.as_str()));
    res.bytes
}

/// The text of one part of a workbook (`xl/comments1.xml`...), or "" when it has none.
fn part(workbook: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(workbook)).expect("a zip");
    let mut text = String::new();
    if let Ok(mut file) = archive.by_name(name) {
        file.read_to_string(&mut text).expect("a text part");
    }
    text
}

fn first_sheet(workbook: &[u8]) -> calamine::Range<Data> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(workbook)).expect("an XLSX workbook");
    book.worksheet_range_at(0).expect("a sheet").expect("a readable sheet")
}

/// The report of importing `body` (of `content_type`) into the contacts of `client` (of
/// `tenant`: the same addresses can be compared only in two tenants, as they are unique in one).
async fn import_contacts(
    api: &TestApi,
    (tenant, client): (&str, &str),
    content_type: &str,
    body: &[u8],
) -> Value {
    let path = format!("/clients/{client}/contacts/import");
    let res = api.send_bytes(&TestApi::admin(tenant), "POST", &path, content_type, body).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()
}

/// Acme of t1 and Globex of t2.
async fn given_a_client_in_each_of_two_tenants(api: &TestApi) -> (String, String) {
    let acme = given_client(api, &TestApi::admin("t1"), "Acme").await;
    (acme, given_client(api, &TestApi::admin("t2"), "Globex").await)
}

#[tokio::test]
async fn the_xlsx_template_has_every_column_the_import_reads_and_marks_the_required_one() {
    // Given a reader; when it downloads the contacts template as XLSX
    let api = TestApi::new().await;
    let workbook = xlsx_template(&api, "contacts").await;

    // Then its header row is exactly the import's columns, in order
    let sheet = first_sheet(&workbook);
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let columns: Vec<&str> = contacts::TEMPLATE_COLUMNS.iter().map(|(c, _)| *c).collect();
    assert_eq!(header, columns);
    // and the required column carries a note saying why, with its header highlighted
    assert!(part(&workbook, "xl/comments1.xml").contains("Required: each row is matched"));
    assert!(part(&workbook, "xl/styles.xml").contains("FFE699"), "a highlighted fill");
    // and the enumerated columns offer their values as a list
    let sheet_xml = part(&workbook, "xl/worksheets/sheet1.xml");
    assert!(sheet_xml.contains("type=\"list\""), "{sheet_xml}");
    assert!(sheet_xml.contains("timesheet_approval") && sheet_xml.contains("invoices"), "{sheet_xml}");
}

#[tokio::test]
async fn the_templates_end_with_a_column_per_custom_field_and_offer_a_select_fields_options() {
    // Given a tenant with a select and a date field
    let api = TestApi::new().await;
    let fields = serde_json::json!({ "custom_fields": [
        { "key": "region", "label": "Region", "type": "select", "options": ["North", "South-west"] },
        { "key": "renewal", "label": "Renewal", "type": "date" },
    ] });
    assert_eq!(api.patch(&TestApi::admin("t1"), "/settings", fields).await.status, 200);

    // When a reader downloads the contacts template as CSV and as XLSX
    let csv = api.get(&TestApi::reader("t1"), "/imports/templates/contacts").await.body;
    let workbook = xlsx_template(&api, "contacts").await;

    // Then both headers are the import's columns, then the fields', in the tenant's order
    let mut columns: Vec<&str> = contacts::TEMPLATE_COLUMNS.iter().map(|(c, _)| *c).collect();
    columns.extend(["custom.region", "custom.renewal"]);
    assert_eq!(csv.lines().next().unwrap().split(',').collect::<Vec<_>>(), columns);
    let header: Vec<String> =
        first_sheet(&workbook).rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header, columns);
    // and the select field's options are offered as a list
    assert!(part(&workbook, "xl/worksheets/sheet1.xml").contains("North,South-west"));
}

#[tokio::test]
async fn the_xlsx_template_imports_as_served_with_the_same_report_as_the_csv_template() {
    // Given a client in each of two tenants, and both templates as served
    let api = TestApi::new().await;
    let (acme, globex) = given_a_client_in_each_of_two_tenants(&api).await;
    let csv = api.get(&TestApi::reader("t1"), "/imports/templates/contacts").await.bytes;
    let workbook = xlsx_template(&api, "contacts").await;

    // When each is imported unchanged into its own client
    let from_csv = import_contacts(&api, ("t1", &acme), "text/csv", &csv).await;
    let from_xlsx = import_contacts(&api, ("t2", &globex), MEDIA_TYPE, &workbook).await;

    // Then both reports are the same: two contacts created, none failed
    assert_eq!(from_xlsx, from_csv);
    assert_eq!((from_xlsx["created"].as_u64(), from_xlsx["failed"].as_u64()), (Some(2), Some(0)));
}

/// A workbook as a spreadsheet user fills it: a date typed into a date column becomes a date
/// cell, and a number typed into a cell becomes a number (the phone too, when `phone_as_number`).
fn filled_workbook(phone_as_number: bool) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let header = ["last_name", "email", "mobile", "address.postal_code", "portal.support_end"];
    for (c, name) in (0u16..).zip(header) {
        sheet.write_string(0, c, name).unwrap();
    }
    let date = Format::new().set_num_format("dd/mm/yyyy");
    sheet.write_string(1, 0, "Lovelace").unwrap();
    sheet.write_string(1, 1, "ada@example.com").unwrap();
    if phone_as_number {
        sheet.write_number(1, 2, 447_911_123_456.0).unwrap();
    } else {
        sheet.write_string(1, 2, "+44 7911 123456").unwrap();
    }
    sheet.write_number(1, 3, 10115.0).unwrap();
    sheet
        .write_datetime_with_format(1, 4, ExcelDateTime::parse_from_str("2026-12-31").unwrap(), &date)
        .unwrap();
    sheet.write_string(2, 0, "Hopper").unwrap();
    sheet.write_string(2, 1, "grace@example.com").unwrap();
    book.save_to_buffer().unwrap()
}

const SAME_ROWS_IN_CSV: &str = "last_name,email,mobile,address.postal_code,portal.support_end\n\
     Lovelace,ada@example.com,+44 7911 123456,10115,2026-12-31\n\
     Hopper,grace@example.com,,,\n";

#[tokio::test]
async fn a_workbook_filled_in_a_spreadsheet_imports_with_the_same_report_and_contacts_as_the_same_csv() {
    // Given a client in each of two tenants; the same rows as a filled workbook and as CSV
    let api = TestApi::new().await;
    let (acme, globex) = given_a_client_in_each_of_two_tenants(&api).await;

    // When each is imported into its own client
    let from_csv = import_contacts(&api, ("t1", &acme), "text/csv", SAME_ROWS_IN_CSV.as_bytes()).await;
    let from_xlsx = import_contacts(&api, ("t2", &globex), MEDIA_TYPE, &filled_workbook(false)).await;

    // Then the reports are the same, and so are the contacts they made
    assert_eq!(from_xlsx, from_csv);
    assert_eq!(from_xlsx["created"].as_u64(), Some(2));
    let (list_a, list_g) = (
        api.get(&TestApi::reader("t1"), &format!("/clients/{acme}/contacts")).await.json(),
        api.get(&TestApi::reader("t2"), &format!("/clients/{globex}/contacts")).await.json(),
    );
    let fields = |list: &Value| -> Vec<Value> {
        let mut items: Vec<Value> = list["items"].as_array().unwrap().clone();
        items.sort_by_key(|c| c["last_name"].as_str().unwrap_or_default().to_owned());
        items
            .iter()
            .map(|c| {
                serde_json::json!([c["mobile"], c["address"]["postal_code"], c["portal"]["support_end"]])
            })
            .collect()
    };
    assert_eq!(fields(&list_g), fields(&list_a));
    assert_eq!(fields(&list_g)[1][2], "2026-12-31", "the date cell is that date");
}

#[tokio::test]
async fn a_phone_number_the_spreadsheet_stored_as_a_number_fails_its_row_saying_what_to_do() {
    // Given a client, and a filled workbook whose mobile number was stored as a number
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;

    // When it is imported
    let report = import_contacts(&api, ("t1", &acme), MEDIA_TYPE, &filled_workbook(true)).await;

    // Then that row fails, naming the column and what to do; the other lands
    assert_eq!((report["created"].as_u64(), report["failed"].as_u64()), (Some(1), Some(1)), "{report}");
    let error = &report["errors"][0];
    assert_eq!(error["row"], 2, "{report}");
    let field = &error["errors"][0];
    assert_eq!(field["field"], "mobile", "{report}");
    assert!(field["message"].as_str().unwrap().contains("format the column as Text"), "{report}");
}

#[tokio::test]
async fn an_upload_of_neither_csv_nor_xlsx_is_415_naming_both() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let path = format!("/clients/{acme}/contacts/import");

    let res = api.send_bytes(&TestApi::admin("t1"), "POST", &path, "application/pdf", b"%PDF-1.7").await;

    assert_eq!((res.status, res.problem_code().as_str()), (415, "unsupported-media-type"));
    assert!(res.json()["detail"].as_str().unwrap().contains(MEDIA_TYPE), "{}", res.body);
}

#[tokio::test]
async fn bytes_sent_as_xlsx_that_are_no_workbook_are_400() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let path = format!("/clients/{acme}/contacts/import");

    let res = api.send_bytes(&TestApi::admin("t1"), "POST", &path, MEDIA_TYPE, b"last_name\nAda\n").await;

    assert_eq!((res.status, res.problem_code().as_str()), (400, "bad-request"), "{}", res.body);
}
