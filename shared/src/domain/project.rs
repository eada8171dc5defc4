//! Links between a contact and the projects it works on. Projects live in another module of
//! the PSA; this service keeps only the links and the contact's `project_count`.

use std::fmt;

use serde::Serialize;

use super::ids::{ClientId, ContactId};

/// The most projects one contact is linked to. Deleting a contact deletes its links in the
/// one transaction (100 items at most) that also holds its reports (`store::contacts::reports`).
pub const MAX_PROJECTS: u64 = 30;

/// A project's id as the projects module names it: opaque, 1-64 characters of
/// `[A-Za-z0-9_.-]`, but not `.` or `..`. `#` is excluded because it separates the parts of
/// table keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ProjectId(String);

/// What a malformed project id is told, wherever it came from.
pub(crate) const PROJECT_ID_RULE: &str =
    "projectId must be 1-64 letters, digits, '-', '_' or '.' (not . or ..)";

impl ProjectId {
    pub fn parse(raw: &str) -> Option<Self> {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
        // `.` and `..` would name path segments that HTTP clients resolve away before sending.
        let dots = raw == "." || raw == "..";
        ((1..=64).contains(&raw.len()) && raw.bytes().all(allowed) && !dots).then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A contact's link to a project: who made it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectLink {
    pub client_id: ClientId,
    pub contact_id: ContactId,
    pub project_id: ProjectId,
    pub linked_at: String,
    pub linked_by: String,
}

impl ProjectLink {
    /// The link of `contact` (of `client`) to `project`, made by the stamp's user at its time.
    pub fn made((client, contact): (ClientId, ContactId), project: &ProjectId, stamp: &super::Stamp) -> Self {
        Self {
            client_id: client,
            contact_id: contact,
            project_id: project.clone(),
            linked_at: stamp.at.clone(),
            linked_by: stamp.by.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_id_is_one_to_sixty_four_letters_digits_dashes_underscores_or_dots() {
        for ok in ["P1", "proj-2026.07_a", &"x".repeat(64), "01JD0000000000000000000000"] {
            assert_eq!(ProjectId::parse(ok).map(|p| p.as_str().to_owned()), Some(ok.to_owned()));
        }
    }

    #[test]
    fn a_project_id_with_a_key_separator_space_or_other_character_or_of_bad_length_is_refused() {
        for bad in ["", "a#b", "a b", "a/b", "é", &"x".repeat(65), "PROJECT#1", ".", ".."] {
            assert_eq!(ProjectId::parse(bad), None, "{bad:?}");
        }
    }
}
