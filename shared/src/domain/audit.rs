//! Who changed a versioned record (client, contact) and when.

/// Who changed a record and when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Audit {
    pub version: u64,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
    pub updated_by: String,
}

/// When a change happens and who makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub at: String,
    pub by: String,
}

impl Audit {
    pub fn new(stamp: &Stamp) -> Self {
        Self {
            version: 1,
            created_at: stamp.at.clone(),
            updated_at: stamp.at.clone(),
            created_by: stamp.by.clone(),
            updated_by: stamp.by.clone(),
        }
    }

    pub fn next(&self, stamp: &Stamp) -> Self {
        Self {
            version: self.version + 1,
            updated_at: stamp.at.clone(),
            updated_by: stamp.by.clone(),
            ..self.clone()
        }
    }

    /// The strong entity tag of this version.
    pub fn etag(&self) -> String {
        etag_of(self.version)
    }
}

/// The strong entity tag of a stored `version` (`"v3"`), as `If-Match` names it.
pub fn etag_of(version: u64) -> String {
    format!("\"v{version}\"")
}
