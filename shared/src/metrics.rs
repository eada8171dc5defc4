//! Business metrics as CloudWatch Embedded Metric Format (EMF) lines: one JSON object per line
//! on the function's output, which CloudWatch Logs turns into metrics. No API call, no extra
//! latency: a metric costs one log line.
//!
//! Dimensions stay low-cardinality (an email kind, an import outcome, a function): never a
//! tenant, contact or client id, each of which would be a custom metric of its own.
//!
//! The namespace is `METRICS_NAMESPACE` (the template sets `ClientContacts/<stack name>`),
//! `ClientContacts` without it.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

/// Where metric lines go: standard output unless [`set_sink`] chose otherwise (the tests'
/// per-thread log capture).
type Sink = Box<dyn Fn(&str) + Send + Sync>;

static SINK: OnceLock<Sink> = OnceLock::new();

/// Sends every metric line of the process to `sink` (first call wins).
pub fn set_sink(sink: impl Fn(&str) + Send + Sync + 'static) {
    let _ = SINK.set(Box::new(sink));
}

fn namespace() -> &'static str {
    static NAMESPACE: OnceLock<String> = OnceLock::new();
    NAMESPACE.get_or_init(crate::config::metrics_namespace)
}

/// One EMF line: counts that share the same dimensions.
#[derive(Debug, Default)]
pub(crate) struct MetricLine {
    dimensions: Vec<(&'static str, String)>,
    counts: Vec<(&'static str, u64)>,
}

impl MetricLine {
    pub fn new() -> Self {
        Self::default()
    }

    /// A dimension: keep its values to a small fixed set.
    pub fn dimension(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.dimensions.push((name, value.into()));
        self
    }

    pub fn count(mut self, name: &'static str, value: u64) -> Self {
        self.counts.push((name, value));
        self
    }

    /// The line as CloudWatch expects it: the values at the top level, described by `_aws`.
    pub fn to_json(&self, namespace: &str, timestamp_ms: u64) -> String {
        let mut root = Map::new();
        let definitions: Vec<Value> =
            self.counts.iter().map(|(name, _)| json!({ "Name": name, "Unit": "Count" })).collect();
        let dimension_names: Vec<&str> = self.dimensions.iter().map(|(name, _)| *name).collect();
        root.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": namespace,
                    "Dimensions": [dimension_names],
                    "Metrics": definitions,
                }],
            }),
        );
        for (name, value) in &self.dimensions {
            root.insert((*name).into(), Value::String(value.clone()));
        }
        for (name, value) in &self.counts {
            root.insert((*name).into(), json!(value));
        }
        Value::Object(root).to_string()
    }

    /// Writes the line (nothing when it has no count).
    pub(crate) fn emit(self) {
        if self.counts.is_empty() {
            return;
        }
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        let line = self.to_json(namespace(), now_ms);
        match SINK.get() {
            Some(sink) => sink(&line),
            None => println!("{line}"),
        }
    }
}

/// Emails of one kind (`invite`, `password-reset`, `notification`, `reminder`, `revocation`) by
/// outcome.
pub fn emails(kind: &'static str, sent: u64, failed: u64, not_sent: u64) {
    MetricLine::new()
        .dimension("Kind", kind)
        .count("EmailsSent", sent)
        .count("EmailsFailed", failed)
        .count("EmailsNotSent", not_sent)
        .emit();
}

/// An activity item that could not be written (`ActivityWriteFailed`); what it records
/// happened anyway.
pub(crate) fn activity_write_failed() {
    MetricLine::new().count("ActivityWriteFailed", 1).emit();
}

/// A change that lost a race to another writer and is planned again (`ContentionRetries`).
pub(crate) fn contention_retry() {
    MetricLine::new().count("ContentionRetries", 1).emit();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &MetricLine) -> Value {
        serde_json::from_str(&line.to_json("Test/Space", 1_795_000_000_000)).unwrap()
    }

    #[test]
    fn a_line_declares_each_count_in_its_namespace_with_its_dimensions() {
        let line =
            MetricLine::new().dimension("Kind", "invite").count("EmailsSent", 3).count("EmailsFailed", 1);

        let value = parsed(&line);

        let aws = &value["_aws"];
        assert_eq!(aws["Timestamp"], 1_795_000_000_000_u64);
        let directive = &aws["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Test/Space");
        assert_eq!(directive["Dimensions"], json!([["Kind"]]));
        assert_eq!(
            directive["Metrics"],
            json!([{"Name": "EmailsSent", "Unit": "Count"}, {"Name": "EmailsFailed", "Unit": "Count"}])
        );
        assert_eq!((value["Kind"].clone(), value["EmailsSent"].clone()), (json!("invite"), json!(3)));
        assert_eq!(value["EmailsFailed"], 1);
    }

    #[test]
    fn a_line_without_dimensions_has_one_empty_dimension_set() {
        let value = parsed(&MetricLine::new().count("SweepRevoked", 0));

        assert_eq!(value["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([[]]));
        assert_eq!(value["SweepRevoked"], 0);
    }

    #[test]
    fn a_line_is_one_line_of_json() {
        let text = MetricLine::new().dimension("Kind", "a\nb").count("N", 1).to_json("NS", 0);

        assert_eq!(text.lines().count(), 1, "{text}");
    }
}
