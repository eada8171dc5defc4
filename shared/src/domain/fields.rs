//! Reads a JSON object field by field, collecting every problem instead of stopping at the first,
//! so a 422 can name all bad fields at once. Unknown fields are errors too: in a merge patch a
//! misspelt field would otherwise be silently ignored.

use serde_json::{Map, Value};

use super::error::FieldError;
use super::patch::Patch;
use super::text::Text;

pub struct FieldReader {
    prefix: String,
    object: Map<String, Value>,
    errors: Vec<FieldError>,
}

/// A JSON number with no fractional part, as a `u64`: `142` or `142.0` (JSON Schema's integers
/// include both, and clients that hold numbers as floats send the second).
fn whole(value: &Value) -> Option<u64> {
    let float = || value.as_f64().filter(|f| f.fract() == 0.0 && (0.0..=u64::MAX as f64).contains(f));
    value.as_u64().or_else(|| float().map(|f| f as u64))
}

impl FieldReader {
    pub fn new(object: Map<String, Value>) -> Self {
        Self::nested(String::new(), object)
    }

    fn nested(prefix: String, object: Map<String, Value>) -> Self {
        Self { prefix, object, errors: Vec::new() }
    }

    /// A reader of an object found at `prefix` of a body read otherwise (an item of a list).
    pub(crate) fn at(prefix: String, object: Map<String, Value>) -> Self {
        Self::nested(prefix, object)
    }

    /// The names of the fields not read yet.
    pub(crate) fn keys(&self) -> Vec<String> {
        self.object.keys().cloned().collect()
    }

    /// Whether `name` is given a value other than `null`.
    pub(crate) fn present(&self, name: &str) -> bool {
        self.object.get(name).is_some_and(|v| !v.is_null())
    }

    /// A field as it is: absent, null, or any JSON value, for a rule of its own to read.
    pub(crate) fn raw(&mut self, name: &str) -> Patch<Value> {
        self.take(name)
    }

    pub fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    pub fn error(&mut self, name: &str, message: impl Into<String>) {
        let field = self.path(name);
        self.errors.push(FieldError::new(field, message));
    }

    /// A raw field: absent, null, or a value to interpret.
    fn take(&mut self, name: &str) -> Patch<Value> {
        match self.object.remove(name) {
            None => Patch::Absent,
            Some(Value::Null) => Patch::Null,
            Some(v) => Patch::Set(v),
        }
    }

    /// A string field parsed by `parse`; an empty or blank string counts as null.
    pub fn parsed<T>(&mut self, name: &str, parse: impl FnOnce(&str) -> Result<T, String>) -> Patch<T> {
        if self.object.get(name).and_then(Value::as_str).is_some_and(|s| s.trim().is_empty()) {
            self.object.remove(name);
            return Patch::Null;
        }
        self.exact(name, parse)
    }

    /// A string field parsed by `parse` as it is: a blank string goes to `parse` too (a value
    /// that must be one of a set, or a time, refuses it); only `null` is null.
    pub(crate) fn exact<T>(&mut self, name: &str, parse: impl FnOnce(&str) -> Result<T, String>) -> Patch<T> {
        match self.take(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Set(Value::String(s)) => match parse(&s) {
                Ok(v) => Patch::Set(v),
                Err(message) => {
                    self.error(name, message);
                    Patch::Absent
                }
            },
            Patch::Set(_) => {
                self.error(name, "must be a string");
                Patch::Absent
            }
        }
    }

    /// Free text of at most `max` characters on one line.
    pub fn text(&mut self, name: &str, max: usize) -> Patch<Text> {
        self.parsed(name, |s| Text::single_line(s, max))
    }

    /// Free text of at most `max` characters, line breaks allowed.
    pub(crate) fn multiline_text(&mut self, name: &str, max: usize) -> Patch<Text> {
        self.parsed(name, |s| Text::multi_line(s, max))
    }

    pub(crate) fn boolean(&mut self, name: &str) -> Patch<bool> {
        match self.take(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Set(Value::Bool(b)) => Patch::Set(b),
            Patch::Set(_) => {
                self.error(name, "must be true or false");
                Patch::Absent
            }
        }
    }

    /// A whole number within `bounds` (JSON numbers only: `"48"` is refused, as is `1.5`).
    pub(crate) fn whole_number(&mut self, name: &str, bounds: std::ops::RangeInclusive<u32>) -> Patch<u32> {
        match self.take(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Set(value) => match whole(&value).and_then(|v| u32::try_from(v).ok()) {
                Some(v) if bounds.contains(&v) => Patch::Set(v),
                _ => {
                    let message =
                        format!("must be a whole number from {} to {}", bounds.start(), bounds.end());
                    self.error(name, message);
                    Patch::Absent
                }
            },
        }
    }

    /// A list of strings, each parsed by `parse`; errors name the position (`name[2]`).
    pub fn list<T>(
        &mut self,
        name: &str,
        max_items: usize,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Patch<Vec<T>> {
        let items = match self.take(name) {
            Patch::Absent => return Patch::Absent,
            Patch::Null => return Patch::Null,
            Patch::Set(Value::Array(items)) => items,
            Patch::Set(_) => {
                self.error(name, "must be a list of strings");
                return Patch::Absent;
            }
        };
        if items.len() > max_items {
            self.error(name, format!("at most {max_items} items"));
            return Patch::Absent;
        }
        let mut parsed = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let result = match item {
                Value::String(s) => parse(s),
                _ => Err("must be a string".to_owned()),
            };
            match result {
                Ok(v) => parsed.push(v),
                Err(message) => {
                    ok = false;
                    self.error(&format!("{name}[{i}]"), message);
                }
            }
        }
        if ok {
            Patch::Set(parsed)
        } else {
            Patch::Absent
        }
    }

    /// A nested object read by `read`, whose errors are reported under `name.`.
    pub fn object<T>(&mut self, name: &str, read: impl FnOnce(&mut FieldReader) -> T) -> Patch<T> {
        match self.take(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Set(Value::Object(object)) => {
                let mut inner = FieldReader::nested(self.path(name), object);
                let value = read(&mut inner);
                let had_errors = inner.finish_into(&mut self.errors);
                if had_errors {
                    Patch::Absent
                } else {
                    Patch::Set(value)
                }
            }
            Patch::Set(_) => {
                self.error(name, "must be an object");
                Patch::Absent
            }
        }
    }

    /// Reports the fields nobody read as unknown and moves all errors to `errors`.
    /// Returns whether this reader found any error.
    fn finish_into(mut self, errors: &mut Vec<FieldError>) -> bool {
        let unknown: Vec<String> = self.object.keys().cloned().collect();
        for name in unknown {
            self.error(&name, "unknown field");
        }
        let had_errors = !self.errors.is_empty();
        errors.append(&mut self.errors);
        had_errors
    }

    /// All errors found, unknown fields included.
    pub(crate) fn finish(self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        self.finish_into(&mut errors);
        errors
    }
}
