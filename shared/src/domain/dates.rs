//! Calendar dates (`YYYY-MM-DD`) and timestamps (RFC 3339, UTC).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

/// The years a date from a request or a file may have. Four digits and no sign, so every date
/// is fixed-width text that sorts in time order (the sweep index and the invitation's support
/// condition compare dates as text), and every computation on one stays far from the limits
/// of the date type.
pub(crate) const FIRST_YEAR: i32 = 1900;
pub(crate) const LAST_YEAR: i32 = 9999;

/// A date from input: exactly `YYYY-MM-DD` (surrounding blanks ignored), a real calendar day,
/// year within `FIRST_YEAR..=LAST_YEAR`.
pub(crate) fn parse_date(raw: &str) -> Result<Date, String> {
    let raw = raw.trim();
    let shaped = raw.len() == 10
        && raw
            .bytes()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let date = match shaped.then(|| Date::parse(raw, DATE)) {
        Some(Ok(date)) => date,
        _ => return Err("must be a date as YYYY-MM-DD".to_owned()),
    };
    if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        return Err(format!("must be between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31"));
    }
    Ok(date)
}

/// A date from input exactly as `parse_date` takes it, surrounding blanks refused: for fields
/// and parameters new enough to have no callers that send them.
pub(crate) fn parse_exact_date(raw: &str) -> Result<Date, String> {
    match raw.trim() == raw {
        true => parse_date(raw),
        false => Err("must be a date as YYYY-MM-DD".to_owned()),
    }
}

/// A date as stored: any date this service ever formatted, read back without the input rules
/// (an item written before they existed stays readable).
pub(crate) fn parse_stored_date(raw: &str) -> Option<Date> {
    Date::parse(raw, DATE).ok()
}

pub fn format_date(date: Date) -> String {
    date.format(DATE).unwrap_or_default()
}

pub fn format_timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// The clock, injectable so tests can move time.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_date_in_the_accepted_range_is_read_and_formatted_back() {
        assert_eq!(parse_date(" 2026-12-31 "), Ok(date!(2026 - 12 - 31)));
        assert_eq!(parse_date("1900-01-01"), Ok(date!(1900 - 01 - 01)));
        assert_eq!(parse_date("9999-12-31"), Ok(date!(9999 - 12 - 31)));
        assert_eq!(format_date(date!(9999 - 12 - 31)), "9999-12-31");
    }

    #[test]
    fn a_signed_year_is_refused() {
        assert!(parse_date("-9999-01-05").is_err());
        assert!(parse_date("+2026-01-05").is_err());
        assert!(parse_date("+10000-01-01").is_err());
    }

    #[test]
    fn a_year_outside_the_range_is_refused_with_the_range() {
        let range = "must be between 1900-01-01 and 9999-12-31";
        assert_eq!(parse_date("0000-01-01").unwrap_err(), range);
        assert_eq!(parse_date("1899-12-31").unwrap_err(), range);
        assert!(parse_date("10000-01-01").is_err());
    }

    #[test]
    fn anything_but_a_real_day_as_yyyy_mm_dd_is_refused() {
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "26-01-01",
            "2026-1-1",
            "2026/01/01",
            "2026-01-01T00:00",
            "٢٠٢٦-٠١-٠١",
            "",
        ] {
            assert_eq!(parse_date(bad).unwrap_err(), "must be a date as YYYY-MM-DD", "{bad}");
        }
    }

    #[test]
    fn a_stored_date_is_read_back_whatever_its_year() {
        assert_eq!(parse_stored_date("2026-12-31"), Some(date!(2026 - 12 - 31)));
        assert!(parse_stored_date("-9999-01-05").is_some(), "written before the input rules");
        assert_eq!(parse_stored_date("nonsense"), None);
    }
}
