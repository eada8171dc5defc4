//! A client's service levels (the service desk's "SLA times for client requests ... of
//! different priorities"): for each priority, minutes to the first response and to the
//! resolution. Each priority's times are both set, positive, and the response comes no later
//! than the resolution.

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::Serialize;

use super::error::FieldError;
use super::fields::FieldReader;
use super::patch::Patch;
use super::topics::Priority;

/// The longest time accepted: a year, in minutes.
pub(crate) const MINUTES_MAX: u32 = 525_600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SlaTimes {
    pub response_minutes: u32,
    pub resolution_minutes: u32,
}

/// The times of the priorities that have them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sla(pub BTreeMap<Priority, SlaTimes>);

impl Serialize for Sla {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (priority, times) in &self.0 {
            map.serialize_entry(priority.as_str(), times)?;
        }
        map.end()
    }
}

/// One priority's times in a merge patch.
#[derive(Debug, Clone, Default)]
pub struct TimesPatch {
    pub response_minutes: Patch<u32>,
    pub resolution_minutes: Patch<u32>,
}

/// `sla` in a merge patch: each priority absent (unchanged), `null` (removed) or merged.
#[derive(Debug, Clone, Default)]
pub struct SlaPatch(pub Vec<(Priority, Patch<TimesPatch>)>);

impl SlaPatch {
    /// Reads the object under `sla` (errors named `sla.high.response_minutes`...).
    pub fn read(r: &mut FieldReader) -> Self {
        let times = |t: &mut FieldReader| TimesPatch {
            response_minutes: t.whole_number("response_minutes", 1..=MINUTES_MAX),
            resolution_minutes: t.whole_number("resolution_minutes", 1..=MINUTES_MAX),
        };
        Self(Priority::ALL.iter().map(|p| (*p, r.object(p.as_str(), times))).collect())
    }
}

impl Sla {
    /// The service levels after `patch`, or every priority left incomplete or inverted.
    pub fn patched(&self, patch: Patch<SlaPatch>) -> Result<Self, Vec<FieldError>> {
        let patch = match patch {
            Patch::Absent => return Ok(self.clone()),
            Patch::Null => return Ok(Self::default()),
            Patch::Set(patch) => patch,
        };
        let mut levels = self.0.clone();
        let mut errors = Vec::new();
        for (priority, change) in patch.0 {
            let times = match change {
                Patch::Absent => continue,
                Patch::Null => {
                    levels.remove(&priority);
                    continue;
                }
                Patch::Set(times) => times,
            };
            let current = levels.get(&priority);
            let response = times.response_minutes.apply(current.map(|t| t.response_minutes));
            let resolution = times.resolution_minutes.apply(current.map(|t| t.resolution_minutes));
            let field = |name: &str| format!("sla.{priority}.{name}");
            match (response, resolution) {
                (Some(r), Some(s)) if r <= s => {
                    levels.insert(priority, SlaTimes { response_minutes: r, resolution_minutes: s });
                }
                (Some(_), Some(_)) => errors
                    .push(FieldError::new(field("response_minutes"), "must not exceed resolution_minutes")),
                (r, s) => {
                    for (name, missing) in
                        [("response_minutes", r.is_none()), ("resolution_minutes", s.is_none())]
                    {
                        if missing {
                            errors.push(FieldError::new(
                                field(name),
                                "is required for a priority that has times",
                            ));
                        }
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(Self(levels))
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn patch(value: Value) -> Result<Patch<SlaPatch>, Vec<FieldError>> {
        let mut r = FieldReader::new(json!({ "sla": value }).as_object().unwrap().clone());
        let p = r.object("sla", SlaPatch::read);
        let errors = r.finish();
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors)
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn times_merge_per_priority_and_null_removes_one() {
        let set = Sla::default()
            .patched(patch(json!({ "high": { "response_minutes": 30, "resolution_minutes": 240 } })).unwrap())
            .unwrap();
        let merged = set.patched(patch(json!({ "high": { "response_minutes": 15 } })).unwrap()).unwrap();
        assert_eq!(merged.0[&Priority::High], SlaTimes { response_minutes: 15, resolution_minutes: 240 });
        let removed = merged.patched(patch(json!({ "high": null })).unwrap()).unwrap();
        assert!(removed.0.is_empty());
    }

    #[test]
    fn a_response_later_than_the_resolution_is_refused() {
        let err = Sla::default()
            .patched(patch(json!({ "low": { "response_minutes": 90, "resolution_minutes": 60 } })).unwrap())
            .unwrap_err();
        assert_eq!(fields(err), ["sla.low.response_minutes"]);
    }

    #[test]
    fn a_new_priority_needs_both_times() {
        let err = Sla::default()
            .patched(patch(json!({ "urgent": { "response_minutes": 5 } })).unwrap())
            .unwrap_err();
        assert_eq!(fields(err), ["sla.urgent.resolution_minutes"]);
    }

    #[test]
    fn times_are_positive_whole_minutes_and_priorities_known() {
        let err =
            patch(json!({ "low": { "response_minutes": 0, "resolution_minutes": 1.5 }, "critical": {} }))
                .err()
                .unwrap();
        let mut names = fields(err);
        names.sort();
        assert_eq!(names, ["sla.critical", "sla.low.resolution_minutes", "sla.low.response_minutes"]);
    }
}
