//! A tenant's own contact fields (EspoCRM's and HubSpot's custom properties): their definitions,
//! kept in the tenant's settings, and the rules by which they read and show the values a
//! contact holds under `custom` (`domain::custom_value`).
//!
//! A value is stored as the JSON it was validated into, keyed by its field's key. A contact
//! shows only the values whose definition exists and takes them (`CustomFields::visible`): so
//! removing a definition hides its values at once without touching a contact, defining the key
//! again shows them again, and a value written against a definition that changed meanwhile is
//! hidden rather than shown with the wrong type. A person's data shows them all.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Number, Value};

pub use super::custom_value::{CustomPatch, CustomValues};

use super::dates::{format_date, parse_exact_date};
use super::error::FieldError;
use super::fields::FieldReader;
use super::patch::Patch;
use super::text::Text;

/// Definitions a tenant may have.
pub const MAX_CUSTOM_FIELDS: usize = 50;
/// Options a `select` or `multi_select` field may have, and their longest.
pub const MAX_OPTIONS: usize = 50;
const OPTION_MAX: usize = 60;
const KEY_MAX: usize = 40;
const LABEL_MAX: usize = 100;
/// The longest `text` value.
pub const TEXT_VALUE_MAX: usize = 500;
/// The largest magnitude of a `number` value: every whole number up to it is exact in a double.
pub const NUMBER_MAX: f64 = 1e15;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    Date,
    Boolean,
    Select,
    MultiSelect,
}

impl FieldType {
    pub const ALL: [FieldType; 6] =
        [Self::Text, Self::Number, Self::Date, Self::Boolean, Self::Select, Self::MultiSelect];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Boolean => "boolean",
            Self::Select => "select",
            Self::MultiSelect => "multi_select",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| "must be one of text, number, date, boolean, select, multi_select".to_owned())
    }

    fn has_options(self) -> bool {
        matches!(self, Self::Select | Self::MultiSelect)
    }
}

/// One definition: its key (the name under `custom`), label, type, options and whether a new
/// contact must have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomField {
    pub key: String,
    pub label: Text,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    pub required: bool,
}

/// A key: a lower-case letter, then lower-case letters, digits or `_`; a column name of a CSV
/// file (`custom.<key>`) and a query parameter (`?custom.<key>=`) as it is.
pub fn parse_key(raw: &str) -> Result<String, String> {
    let mut chars = raw.chars();
    let shaped = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    match shaped && raw.len() <= KEY_MAX {
        true => Ok(raw.to_owned()),
        false => Err(format!("must be a lower-case letter then up to {} of a-z, 0-9 or _", KEY_MAX - 1)),
    }
}

/// An option: one line, no `|` (which separates a `multi_select` cell's options in a file).
fn parse_option(raw: &str) -> Result<String, String> {
    let text = Text::single_line(raw, OPTION_MAX)?;
    match text.as_str().contains('|') {
        true => Err("must not contain |".to_owned()),
        false => Ok(text.as_str().to_owned()),
    }
}

impl CustomField {
    /// One definition of a settings body, its errors named under `at` (`custom_fields[2]`).
    fn read(at: String, object: Map<String, Value>) -> Result<Self, Vec<FieldError>> {
        let mut r = FieldReader::at(at, object);
        for name in ["key", "label", "type"] {
            if !r.present(name) {
                r.error(name, "is required");
            }
        }
        let key = r.exact("key", parse_key);
        let label = r.text("label", LABEL_MAX);
        let kind = r.exact("type", FieldType::parse);
        let options = r.list("options", MAX_OPTIONS, parse_option);
        let required = r.boolean("required");
        let (Patch::Set(key), Patch::Set(label), Patch::Set(kind)) = (key, label, kind) else {
            return Err(r.finish());
        };
        let options = options.apply(None).unwrap_or_default();
        match (kind.has_options(), options.is_empty()) {
            (true, true) => r.error("options", "a select field needs at least one option"),
            (false, false) => r.error("options", "only a select or multi_select field has options"),
            _ => {}
        }
        if (1..options.len()).any(|i| options[..i].contains(&options[i])) {
            r.error("options", "must not repeat an option");
        }
        let errors = r.finish();
        let required = required.apply(None).unwrap_or(false);
        match errors.is_empty() {
            true => Ok(Self { key, label, kind, options, required }),
            false => Err(errors),
        }
    }

    /// A value given for this field as the JSON it is stored as, or why it is refused; `None`
    /// for a value that clears the field (a blank text, an empty list).
    fn value(&self, given: Value) -> Result<Option<Value>, String> {
        let option = |s: &str| match self.options.iter().any(|o| o == s) {
            true => Ok(s.to_owned()),
            false => Err(format!("must be one of the field's options: {}", self.options.join(", "))),
        };
        match (self.kind, given) {
            (FieldType::Text, Value::String(s)) if s.trim().is_empty() => Ok(None),
            (FieldType::Text, Value::String(s)) => {
                Ok(Some(Value::String(Text::single_line(&s, TEXT_VALUE_MAX)?.as_str().to_owned())))
            }
            (FieldType::Number, Value::Number(n)) => number(n).map(Some),
            (FieldType::Date, Value::String(s)) => {
                Ok(Some(Value::String(format_date(parse_exact_date(&s)?))))
            }
            (FieldType::Boolean, Value::Bool(b)) => Ok(Some(Value::Bool(b))),
            (FieldType::Select, Value::String(s)) => option(&s).map(|s| Some(Value::String(s))),
            (FieldType::MultiSelect, Value::Array(items)) => {
                let chosen = (items.iter())
                    .map(|v| v.as_str().ok_or("must be a list of strings".to_owned()).and_then(option))
                    .collect::<Result<Vec<_>, _>>()?;
                // Kept in the options' order, each once: a value compares equal however it was sent.
                let kept = (self.options.iter()).filter(|o| chosen.contains(o)).cloned().map(Value::String);
                let kept: Vec<Value> = kept.collect();
                Ok((!kept.is_empty()).then_some(Value::Array(kept)))
            }
            (kind, _) => Err(match kind {
                FieldType::Text | FieldType::Select => "must be a string",
                FieldType::Number => "must be a number",
                FieldType::Date => "must be a date as YYYY-MM-DD",
                FieldType::Boolean => "must be true or false",
                FieldType::MultiSelect => "must be a list of strings",
            }
            .to_owned()),
        }
    }

    /// Whether a stored value is one this definition would have stored.
    fn takes(&self, stored: &Value) -> bool {
        self.value(stored.clone()).is_ok_and(|v| v.as_ref() == Some(stored))
    }
}

/// A finite number of at most `NUMBER_MAX` in magnitude; a whole one stays whole (`3`, not `3.0`).
fn number(n: Number) -> Result<Value, String> {
    let f = n.as_f64().filter(|f| f.is_finite() && f.abs() <= NUMBER_MAX);
    match f {
        None => Err(format!("must be a number between -{NUMBER_MAX:e} and {NUMBER_MAX:e}")),
        Some(f) if f.fract() == 0.0 => Ok(Value::from(f as i64)),
        Some(_) => Ok(Value::Number(n)),
    }
}

/// A tenant's definitions, in the order it gave them (the order of columns in its files).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CustomFields(Vec<CustomField>);

impl CustomFields {
    /// A settings body's `custom_fields` list; every bad definition named at once.
    pub(crate) fn parse(items: Vec<Value>) -> Result<Self, Vec<FieldError>> {
        if items.len() > MAX_CUSTOM_FIELDS {
            let message = format!("at most {MAX_CUSTOM_FIELDS} fields");
            return Err(vec![FieldError::new("custom_fields", message)]);
        }
        let mut fields = Vec::new();
        let mut errors = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let at = format!("custom_fields[{i}]");
            let read = match item {
                Value::Object(object) => CustomField::read(at.clone(), object),
                _ => Err(vec![FieldError::new(at.clone(), "must be an object")]),
            };
            match read {
                Ok(f) if fields.iter().any(|d: &CustomField| d.key == f.key) => {
                    errors.push(FieldError::new(format!("{at}.key"), "is the key of another field"));
                }
                Ok(f) => fields.push(f),
                Err(e) => errors.extend(e),
            }
        }
        match errors.is_empty() {
            true => Ok(Self(fields)),
            false => Err(errors),
        }
    }

    /// Definitions already checked (as stored).
    pub(crate) fn from_stored(fields: Vec<CustomField>) -> Self {
        Self(fields)
    }

    pub fn iter(&self) -> impl Iterator<Item = &CustomField> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&CustomField> {
        self.0.iter().find(|f| f.key == key)
    }

    /// The keys whose type `next` changes: refused while contacts hold values of them.
    pub fn retyped<'a>(&self, next: &'a CustomFields) -> Vec<&'a str> {
        let changed = |f: &&CustomField| self.get(&f.key).is_some_and(|old| old.kind != f.kind);
        next.0.iter().filter(changed).map(|f| f.key.as_str()).collect()
    }

    /// The values a contact shows: those whose field is defined and takes them.
    pub fn visible(&self, values: &CustomValues) -> CustomValues {
        let shown = |(key, value): (&String, &Value)| self.get(key).is_some_and(|f| f.takes(value));
        let kept = values.as_map().iter().filter(|kv| shown(*kv)).map(|(k, v)| (k.clone(), v.clone()));
        CustomValues::from_stored(kept.collect())
    }

    /// A contact body's `custom` object: each value checked by its field (an unknown key is
    /// left unread, so the reader names it `custom.<key>: unknown field`).
    pub(crate) fn read(&self, r: &mut FieldReader) -> CustomPatch {
        let mut values = BTreeMap::new();
        for key in r.keys() {
            let Some(field) = self.get(&key) else { continue };
            match r.raw(&key) {
                Patch::Absent => {}
                Patch::Null => {
                    values.insert(key, None);
                }
                Patch::Set(given) => match field.value(given) {
                    Ok(value) => {
                        values.insert(key, value);
                    }
                    Err(message) => r.error(&key, message),
                },
            }
        }
        CustomPatch { values: Patch::Set(values), required: Vec::new() }
    }

    /// What a filter on `option` of the field `key` needs: whether that field takes several
    /// options (`multi_select`) or one (`select`); refused for any other key or option.
    pub fn option_filter(&self, key: &str, option: &str) -> Result<bool, String> {
        let field = self.get(key).filter(|f| f.kind.has_options());
        let Some(field) = field else {
            return Err("is not a select or multi_select field of this tenant".to_owned());
        };
        match field.options.iter().any(|o| o == option) {
            true => Ok(field.kind == FieldType::MultiSelect),
            false => Err(format!("must be one of the field's options: {}", field.options.join(", "))),
        }
    }

    /// The keys a new contact must have a value for.
    pub(crate) fn required(&self) -> Vec<String> {
        self.0.iter().filter(|f| f.required).map(|f| f.key.clone()).collect()
    }
}

#[cfg(test)]
#[path = "custom_field_tests.rs"]
mod tests;
