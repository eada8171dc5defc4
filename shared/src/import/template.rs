//! The file a user fills in to import `contacts` or `clients`, as CSV or XLSX: every column the
//! import reads, in its order (`contacts::TEMPLATE_COLUMNS`, `clients::COLUMNS`, so the template cannot
//! drift from what is read), and two example rows: one filled in, one that leaves cells empty
//! and clears a field with `[clear]`.
//!
//! The CSV is the header and the examples alone: a second header row or comment lines would be
//! read as data by every spreadsheet and by other tools, so the rules (which column is required,
//! the allowed values) are in docs/import.md and shown by example. The XLSX says them in the
//! sheet: the required column's header highlighted with a note saying why, the allowed values of
//! enumerated columns as a drop-down list, dates as dates, and text columns (phone numbers,
//! postal codes) formatted as text so a spreadsheet keeps their `+` and leading zeros.

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, ExcelDateTime, Format, Note, Workbook, Worksheet,
    XlsxError,
};

use super::csv_rows::{Cell, MAX_ROWS};
use super::{clients, contacts};
use crate::domain::custom_field::CustomFields;
use crate::domain::{ClientStatus, NotificationTopic, Permission};

/// Example rows, their values by column; a column without one is left empty.
type Example = &'static [&'static [(&'static str, &'static str)]];

const CONTACT_EXAMPLE: Example = &[
    &[
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
    ],
    &[
        ("first_name", "Grace"),
        ("last_name", "Hopper"),
        ("email", "grace@example.com"),
        ("phone", "+1 202 555 0143"),
        ("job_title", "[clear]"),
        ("notifications", "ticket"),
    ],
];

const CLIENT_EXAMPLE: Example = &[
    &[
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
    ],
    &[("name", "Globex"), ("website", "[clear]")],
];

/// An import's template: its columns, the one every row needs (and why), its examples.
pub struct Template {
    pub kind: &'static str,
    pub columns: &'static [(&'static str, Cell)],
    pub required: (&'static str, &'static str),
    examples: Example,
    /// The tenant's custom fields' columns after the others (`custom.<key>`), with the options
    /// of a select field; left empty by the examples.
    custom: Vec<(String, Cell, Vec<String>)>,
}

/// The template of an import kind, if there is that import.
pub fn of(kind: &str) -> Option<Template> {
    match kind {
        "contacts" => Some(Template {
            kind: "contacts",
            columns: contacts::TEMPLATE_COLUMNS,
            required: (
                "email",
                "Required: each row is matched to a contact of the client by its email address.",
            ),
            examples: CONTACT_EXAMPLE,
            custom: Vec::new(),
        }),
        "clients" => Some(Template {
            kind: "clients",
            columns: clients::COLUMNS,
            required: ("name", "Required: each row is matched to a client by its name (any case)."),
            examples: CLIENT_EXAMPLE,
            custom: Vec::new(),
        }),
        _ => None,
    }
}

/// The values an enumerated column takes (a list column takes several, separated by `|`).
pub(crate) fn allowed_values(column: &str) -> Option<Vec<&'static str>> {
    match column {
        "notifications" => Some(NotificationTopic::ALL.iter().map(|t| t.as_str()).collect()),
        "permissions" => Some(Permission::ALL.iter().map(|p| p.as_str()).collect()),
        "status" => Some([ClientStatus::Active, ClientStatus::Inactive].iter().map(|s| s.as_str()).collect()),
        _ => None,
    }
}

impl Template {
    /// This template with a column per custom field of the tenant (`fields`).
    pub fn with_custom_fields(mut self, fields: &CustomFields) -> Self {
        let columns = contacts::custom_columns(fields).into_iter().zip(fields.iter());
        self.custom = columns.map(|((name, cell), field)| (name, cell, field.options.clone())).collect();
        self
    }

    /// Every column's name and cell, the custom fields' last.
    fn all_columns(&self) -> impl Iterator<Item = (&str, Cell)> {
        let fixed = self.columns.iter().map(|(name, cell)| (*name, *cell));
        fixed.chain(self.custom.iter().map(|(name, cell, _)| (name.as_str(), *cell)))
    }

    /// The values a column takes, when they are a list a drop-down can offer: a built-in
    /// enumeration, or a select field's options while they fit the 255 characters a
    /// spreadsheet's list holds.
    fn choices_of(&self, column: &str) -> Option<Vec<&str>> {
        let custom = self.custom.iter().find(|(name, _, options)| name == column && !options.is_empty());
        match custom {
            Some((_, _, options)) if options.iter().map(|o| o.chars().count() + 1).sum::<usize>() <= 256 => {
                Some(options.iter().map(String::as_str).collect())
            }
            Some(_) => None,
            None => allowed_values(column),
        }
    }

    /// The example value of `column` in `example`, or "".
    fn value(example: &[(&str, &'static str)], column: &str) -> &'static str {
        example.iter().find(|(c, _)| *c == column).map_or("", |(_, v)| *v)
    }

    /// The CSV text: the header, then the example rows (UTF-8, no byte-order mark, as the
    /// import reads).
    pub fn csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let write = |writer: &mut csv::Writer<Vec<u8>>, cells: Vec<&str>| {
            writer.write_record(cells).expect("writing to memory does not fail");
        };
        write(&mut writer, self.all_columns().map(|(c, _)| c).collect());
        for example in self.examples {
            write(&mut writer, self.all_columns().map(|(c, _)| Self::value(example, c)).collect());
        }
        String::from_utf8(writer.into_inner().expect("flushing to memory does not fail"))
            .expect("the template is UTF-8")
    }

    /// The XLSX workbook: one sheet named after the import.
    pub fn xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(self.kind)?.set_freeze_panes(1, 0)?;
        for (col, (name, cell)) in (0u16..).zip(self.all_columns()) {
            self.header(sheet, col, name)?;
            sheet.set_column_width(col, 22)?.set_column_format(col, &column_format(cell))?;
            for (row, example) in (1u32..).zip(self.examples) {
                example_cell(sheet, (row, col), cell, Self::value(example, name))?;
            }
            if let Some(values) = self.choices_of(name) {
                sheet.add_data_validation(1, col, MAX_ROWS as u32, col, &choices(cell, &values)?)?;
            }
        }
        workbook.save_to_buffer()
    }

    /// A column's header: bold; the required one also highlighted, with a note saying why.
    fn header(&self, sheet: &mut Worksheet, col: u16, name: &str) -> Result<(), XlsxError> {
        let bold = Format::new().set_bold();
        if name != self.required.0 {
            sheet.write_string_with_format(0, col, name, &bold)?;
            return Ok(());
        }
        let highlighted = bold.set_background_color(Color::RGB(0xFFE699));
        sheet.write_string_with_format(0, col, name, &highlighted)?;
        sheet.insert_note(0, col, &Note::new(self.required.1).set_author("client-contacts"))?;
        Ok(())
    }
}

/// How a column's cells are formatted: dates as dates, whole numbers as numbers, everything
/// else as text (so that a typed `+44...` or `01234` stays as typed).
fn column_format(cell: Cell) -> Format {
    match cell {
        Cell::Date => Format::new().set_num_format("yyyy-mm-dd"),
        Cell::Number => Format::new().set_num_format("0"),
        Cell::Decimal => Format::new().set_num_format("General"),
        Cell::Text | Cell::Phone | Cell::List | Cell::Names | Cell::Flag | Cell::Reference => {
            Format::new().set_num_format("@")
        }
    }
}

/// An example value as a spreadsheet user would enter it: a date, a number, or text.
fn example_cell(
    sheet: &mut Worksheet,
    (row, col): (u32, u16),
    cell: Cell,
    value: &str,
) -> Result<(), XlsxError> {
    if value.is_empty() {
        return Ok(());
    }
    match (cell, value.parse::<f64>()) {
        (Cell::Date, _) if value != "[clear]" => {
            sheet.write_datetime_with_format(
                row,
                col,
                ExcelDateTime::parse_from_str(value)?,
                &column_format(cell),
            )?;
        }
        (Cell::Number, Ok(number)) => {
            sheet.write_number_with_format(row, col, number, &column_format(cell))?;
        }
        _ => {
            sheet.write_string_with_format(row, col, value, &column_format(cell))?;
        }
    }
    Ok(())
}

/// A drop-down of `values`. A list column takes several (`invoice|ticket`), which no list
/// offers, so there the list only informs; a single-value column refuses anything else.
fn choices(cell: Cell, values: &[&str]) -> Result<DataValidation, XlsxError> {
    let (style, hint) = match cell {
        Cell::List | Cell::Names => {
            (DataValidationErrorStyle::Information, "One of these, or several separated by |")
        }
        _ => (DataValidationErrorStyle::Stop, "One of these"),
    };
    DataValidation::new()
        .allow_list_strings(values)?
        .set_error_style(style)
        .set_input_title("Allowed values")?
        .set_input_message(hint)
}
