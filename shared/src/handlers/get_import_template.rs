//! GET /imports/templates/{kind}: the CSV file a user fills in to import `contacts` or
//! `clients`: a header of every column that import reads, in its order, and two example rows:
//! one filled in, one that leaves cells empty and clears a field with `[clear]` (CSV has no
//! comments, so the rules of docs/import.md are shown by example).
//! The columns come from the import itself (`import::contacts::COLUMNS`,
//! `import::clients::COLUMNS`), so the template cannot drift from what is read.

use lambda_http::{Body, Error, Request, Response};

use crate::domain::DomainError;
use crate::http::{serve, Call, HttpError, HttpResult};
use crate::import::{clients, contacts, csv_rows::Cell};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::GET_IMPORT_TEMPLATE.route, run).await
}

/// Example rows, their values by column; a column without one is left empty.
type Example = &'static [&'static [(&'static str, &'static str)]];

const CONTACT_EXAMPLE: Example = &[&[
    ("first_name", "Ada"),
    ("last_name", "Lovelace"),
    ("job_title", "CFO"),
    ("department", "Finance"),
    ("email", "ada@example.com"),
    ("mobile", "+44 7911 123456"),
    ("address.line1", "1 Bridge St"),
    ("address.city", "London"),
    ("address.postal_code", "N1 1AA"),
    ("address.country", "GB"),
    ("notifications", "invoice|timesheet_approval"),
    ("permissions", "invoices|support"),
    ("portal.support_start", "2026-01-01"),
    ("portal.support_end", "2026-12-31"),
], &[
    ("first_name", "Grace"),
    ("last_name", "Hopper"),
    ("email", "grace@example.com"),
    ("phone", "+1 202 555 0143"),
    ("job_title", "[clear]"),
    ("notifications", "ticket"),
]];

const CLIENT_EXAMPLE: Example = &[&[
    ("name", "Acme Ltd"),
    ("email", "billing@acme.example"),
    ("phone", "+1 202 555 0143"),
    ("website", "https://acme.example"),
    ("address.line1", "1 Main St"),
    ("address.city", "Springfield"),
    ("address.postal_code", "12345"),
    ("address.country", "US"),
    ("status", "active"),
    ("sla.high.response_minutes", "30"),
    ("sla.high.resolution_minutes", "240"),
], &[("name", "Globex"), ("website", "[clear]")]];

/// The template of an import kind: its columns and example values.
fn template(kind: &str) -> Option<(&'static [(&'static str, Cell)], Example)> {
    match kind {
        "contacts" => Some((contacts::COLUMNS, CONTACT_EXAMPLE)),
        "clients" => Some((clients::COLUMNS, CLIENT_EXAMPLE)),
        _ => None,
    }
}

/// The CSV text: the header, then the example rows (UTF-8, no byte-order mark, as the import
/// reads).
pub fn csv(kind: &str) -> Option<String> {
    let (columns, examples) = template(kind)?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(columns.iter().map(|(c, _)| *c)).ok()?;
    for example in examples {
        let value = |column: &str| example.iter().find(|(c, _)| *c == column).map_or("", |(_, v)| *v);
        writer.write_record(columns.iter().map(|(c, _)| value(c))).ok()?;
    }
    String::from_utf8(writer.into_inner().ok()?).ok()
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    call.tenant()?;
    let kind = call.param("kind").unwrap_or_default();
    let text = csv(&kind).ok_or(DomainError::NotFound("import template"))?;
    Response::builder()
        .status(200)
        .header("content-type", "text/csv; charset=utf-8")
        .header("content-disposition", format!("attachment; filename=\"{kind}-import-template.csv\""))
        .body(Body::Text(text))
        .map_err(HttpError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_value_names_a_column_of_its_import() {
        for kind in ["contacts", "clients"] {
            let (columns, examples) = template(kind).unwrap();
            for (column, _) in examples.iter().copied().flatten() {
                assert!(columns.iter().any(|(c, _)| c == column), "{kind}: {column}");
            }
        }
    }

    #[test]
    fn the_header_is_every_column_the_import_reads_in_its_order() {
        let text = csv("contacts").unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let columns: Vec<&str> = contacts::COLUMNS.iter().map(|(c, _)| *c).collect();
        assert_eq!(header, columns);
    }

    #[test]
    fn an_unknown_kind_has_no_template() {
        assert_eq!(csv("projects"), None);
    }
}
