//! Archiving a contact (a person who left, a record nobody needs now) instead of deleting it:
//! pure decisions of what an archive keeps, when it ends, and what a restore brings back. The
//! store turns them into transactions (`store::contacts::archive`).
//!
//! An archived contact leaves every list, search, topic and notification, and no write reaches
//! it but its restore and its deletion. It keeps its fields, address claim (so a restore never
//! collides), tags, project links, notes and history. Its portal access ends as on a move
//! (`moving::portal_after_leaving`): a restore does not bring it back, a new invitation does.
//! Its line-manager links are cut, as they name contacts that go on working without it. After
//! the tenant's retention (`settings::ARCHIVE_RETENTION_DAYS`) the sweep erases it as `DELETE`
//! does; `DELETE` erases it at once (a data-subject request does not wait).

use time::{Duration, OffsetDateTime};

use super::error::DomainError;

/// When a contact archived at `at` is erased: `retention_days` whole days later.
pub fn purge_at(at: OffsetDateTime, retention_days: u32) -> OffsetDateTime {
    at.saturating_add(Duration::days(i64::from(retention_days)))
}

/// Which of a client's contacts a list shows: the others (the default) or the archived ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shown {
    #[default]
    Current,
    Archived,
}

impl Shown {
    /// Reads `?archived=`: `true` or `false`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "true" => Some(Self::Archived),
            "false" => Some(Self::Current),
            _ => None,
        }
    }
}

/// The refusal of a restore whose contact is not archived (it may be current, or gone).
pub(crate) fn not_archived() -> DomainError {
    DomainError::NotFound("archived contact")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn an_archived_contact_is_erased_its_retention_in_whole_days_later() {
        let at = datetime!(2026-12-07 18:30:15 UTC);
        assert_eq!(purge_at(at, 30), datetime!(2027-01-06 18:30:15 UTC));
        assert_eq!(purge_at(at, 1), datetime!(2026-12-08 18:30:15 UTC));
    }

    #[test]
    fn the_archived_list_is_asked_for_with_true_and_anything_else_is_refused() {
        assert_eq!(Shown::parse("true"), Some(Shown::Archived));
        assert_eq!(Shown::parse("false"), Some(Shown::Current));
        for bad in ["", "1", "yes", "TRUE"] {
            assert_eq!(Shown::parse(bad), None, "{bad:?}");
        }
    }
}
