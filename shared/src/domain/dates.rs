//! Calendar dates (`YYYY-MM-DD`) and timestamps (RFC 3339, UTC).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

pub fn parse_date(raw: &str) -> Result<Date, String> {
    Date::parse(raw.trim(), DATE).map_err(|_| "must be a date as YYYY-MM-DD".to_owned())
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
