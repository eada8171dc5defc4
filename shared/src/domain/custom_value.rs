//! A contact's values of its tenant's custom fields (`domain::custom_field`), and a body's
//! changes to them: stored as validated, by key, merged as a JSON merge patch.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::error::FieldError;
use super::patch::Patch;

/// A contact's values by key, as stored (`CustomFields::visible` says which it shows).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CustomValues(BTreeMap<String, Value>);

impl CustomValues {
    pub(crate) fn from_stored(values: BTreeMap<String, Value>) -> Self {
        Self(values)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each key's value from this contact, else from `other` (a merge's, `domain::merge`).
    pub(crate) fn or(&self, other: &Self) -> Self {
        let mut values = other.0.clone();
        values.extend(self.0.iter().map(|(k, v)| (k.clone(), v.clone())));
        Self(values)
    }

    pub fn as_map(&self) -> &BTreeMap<String, Value> {
        &self.0
    }

    /// These values with `patch` merged in (RFC 7396: a key set to `null` is removed, and
    /// `custom: null` removes them all).
    pub(crate) fn patched(&self, patch: &CustomPatch) -> Self {
        match &patch.values {
            Patch::Absent => self.clone(),
            Patch::Null => Self::default(),
            Patch::Set(changes) => {
                let mut values = self.0.clone();
                for (key, value) in changes {
                    match value {
                        Some(v) => values.insert(key.clone(), v.clone()),
                        None => values.remove(key),
                    };
                }
                Self(values)
            }
        }
    }
}

/// A body's `custom`: the values it sets (`Some`) or clears (`None`), and the keys the tenant
/// requires, which `ContactFields` checks against the result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomPatch {
    pub values: Patch<BTreeMap<String, Option<Value>>>,
    pub required: Vec<String>,
}

impl CustomPatch {
    /// The required keys a contact built from `base` (none: a new contact) by this patch lacks:
    /// a new contact must have them, an existing one must not lose them here.
    pub(crate) fn missing(&self, creating: bool, result: &CustomValues) -> Vec<FieldError> {
        let touched = |key: &str| match &self.values {
            Patch::Absent => false,
            Patch::Null => true,
            Patch::Set(changes) => changes.contains_key(key),
        };
        (self.required.iter())
            .filter(|key| result.get(key).is_none() && (creating || touched(key)))
            .map(|key| FieldError::new(format!("custom.{key}"), "is required"))
            .collect()
    }

    pub(crate) fn is_absent(&self) -> bool {
        self.values.is_absent()
    }
}
