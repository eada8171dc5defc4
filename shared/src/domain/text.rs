//! Bounded, trimmed, non-empty free text without control characters.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Text(String);

impl Text {
    pub(crate) fn single_line(raw: &str, max: usize) -> Result<Self, String> {
        Self::parse(raw, max, |c| c.is_control())
    }

    pub(crate) fn multi_line(raw: &str, max: usize) -> Result<Self, String> {
        Self::parse(raw, max, |c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    }

    fn parse(raw: &str, max: usize, forbidden: impl Fn(char) -> bool) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("must not be blank".to_owned());
        }
        // Counted as sent, as openapi.yaml's maxLength counts: white space around a value is
        // trimmed, but does not let a value past its limit.
        if raw.chars().count() > max {
            return Err(format!("at most {max} characters"));
        }
        if trimmed.chars().any(forbidden) {
            return Err("must not contain control characters".to_owned());
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// For values read back from the table, which were validated when written.
    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Text;

    #[test]
    fn white_space_around_a_value_is_trimmed_but_counts_toward_its_limit() {
        assert_eq!(Text::single_line(" 0 ", 3).map(|t| t.0), Ok("0".to_owned()));
        assert_eq!(
            Text::single_line(&format!("0{}", " ".repeat(20)), 20),
            Err("at most 20 characters".to_owned())
        );
        assert_eq!(
            Text::single_line("\r0\r", 3).map(|t| t.0),
            Ok("0".to_owned()),
            "trimmed control white space"
        );
        assert!(Text::single_line("0\r0", 3).is_err(), "inside, it is a control character");
    }
}
