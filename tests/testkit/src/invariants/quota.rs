//! A tenant's email quota record: hourly buckets of emails counted, the hour (since the epoch)
//! as the key. The deployment's limit holds for any 24 hours, so no 24 consecutive buckets
//! count more than it; buckets further apart are never summed, and the limit the record says
//! it was kept to is not the one it is held to. The total it keeps for counting without a read
//! (`used`, made in hour `as_of_hour`) is the sum of the 24 buckets up to that hour, and no
//! bucket is newer than it.

use super::shapes::{keys, Shape, Table};
use super::{num, Deployment, Found, Item, Rule};

/// The hours the quota's window spans.
const WINDOW_HOURS: i64 = 24;

pub(crate) fn check(t: &Table, deployment: &Deployment, found: &mut Found) {
    for (_, item) in t.all.iter().filter(|(shape, _)| matches!(shape, Some(Shape::Quota))) {
        if let Err(what) = within_limit(item, i64::from(deployment.daily_email_quota)) {
            found.add(Rule::EmailQuota, format!("{}: {what}", keys(item)));
        }
    }
}

fn within_limit(item: &Item, limit: i64) -> Result<(), String> {
    let hours = item.get("hours").and_then(|h| h.as_m().ok()).ok_or("it has no hours")?;
    let mut counts = Vec::new();
    for (hour, count) in hours {
        let parsed = hour.parse::<i64>().ok().zip(count.as_n().ok().and_then(|n| n.parse::<i64>().ok()));
        match parsed {
            Some((hour, count)) if count > 0 => counts.push((hour, count)),
            _ => return Err(format!("its hour {hour:?} counts {count:?}, not a positive number of emails")),
        }
    }
    if num(item, "daily_limit").is_none() {
        return Err("it records no daily_limit".to_owned());
    }
    if let (Some(used), Some(as_of)) = (num(item, "used"), num(item, "as_of_hour")) {
        let in_window: i64 = counts
            .iter()
            .filter(|(h, _)| (as_of - WINDOW_HOURS + 1..=as_of).contains(h))
            .map(|(_, n)| n)
            .sum();
        if used != in_window {
            return Err(format!(
                "its total {used} is not the {in_window} its buckets count up to hour {as_of}"
            ));
        }
        if let Some((newest, _)) = counts.iter().find(|(h, _)| *h > as_of) {
            return Err(format!("its hour {newest} is newer than the hour {as_of} its total was made"));
        }
    }
    for &(last, _) in &counts {
        let day: i64 =
            counts.iter().filter(|(h, _)| (last - WINDOW_HOURS + 1..=last).contains(h)).map(|(_, n)| n).sum();
        if day > limit {
            return Err(format!(
                "the 24 hours up to hour {last} count {day} emails, past the limit of {limit}"
            ));
        }
    }
    Ok(())
}
