//! What the service's newer records must hold on their own: a client's status and service
//! levels, and a tenant's settings within their bounds.

use super::shapes::keys;
use super::{num, s, Found, Item, Rule};

/// A client's status is `active` or `inactive` (or absent, as stored before statuses), and each
/// priority of its service levels has both times, positive, the response no later than the
/// resolution.
pub(crate) fn client_levels(item: &Item, found: &mut Found) {
    let mut wrong = Vec::new();
    if !matches!(s(item, "status"), None | Some("active" | "inactive"))
        || item.get("status").is_some_and(|v| v.as_s().is_err())
    {
        wrong.push(format!("its status {:?} is not active or inactive", item.get("status")));
    }
    let levels = item.get("sla").map(|v| v.as_m().ok());
    if levels == Some(None) {
        wrong.push("its sla is not a map".to_owned());
    }
    for (priority, times) in levels.flatten().into_iter().flatten() {
        let times = times.as_m().ok();
        let minutes = |name: &str| times.and_then(|t| t.get(name)?.as_n().ok()?.parse::<i64>().ok());
        let known = ["low", "medium", "high", "urgent"].contains(&priority.as_str());
        match (minutes("response_minutes"), minutes("resolution_minutes")) {
            (Some(r), Some(s)) if known && 1 <= r && r <= s => {}
            (r, s) => wrong.push(format!(
                "its {priority} service level ({r:?}, {s:?}) is not 1 <= response <= resolution"
            )),
        }
    }
    for what in wrong {
        found.add(Rule::ClientLevels, format!("{}: {what}", keys(item)));
    }
}

/// A tenant's settings as the API writes them: versioned from 1, an invitation lifetime of
/// 1 to 168 hours and a signature of at most 100 characters when set.
pub(crate) fn settings(item: &Item, found: &mut Found) {
    let mut wrong = Vec::new();
    if num(item, "version").is_none_or(|v| v < 1) {
        wrong.push("it has no version of 1 or more");
    }
    if item.get("invite_ttl_hours").is_some()
        && num(item, "invite_ttl_hours").is_none_or(|h| !(1..=168).contains(&h))
    {
        wrong.push("its invitation lifetime is not 1 to 168 hours");
    }
    if item.get("archive_retention_days").is_some()
        && num(item, "archive_retention_days").is_none_or(|d| !(1..=365).contains(&d))
    {
        wrong.push("its archive retention is not 1 to 365 days");
    }
    if item.get("signature_name").is_some()
        && s(item, "signature_name").is_none_or(|n| n.trim().is_empty() || n.chars().count() > 100)
    {
        wrong.push("its signature name is not 1 to 100 characters");
    }
    for what in wrong {
        found.add(Rule::Settings, format!("{}: {what}", keys(item)));
    }
}
