//! The sweep index (README "Support-expiry sweep"): it holds exactly the sweepable contacts
//! (portal `invited` or `active`, with a `support_end`), each under the key of its next due
//! action, `GSI1PK = SWEEP#<shard>`, `GSI1SK = <due>#REMIND|REVOKE#<tenant>#<client>#<contact>`.
//! The shard (`00` to `15`) is the contact's own: the 32-bit FNV-1a hash of its id modulo 16.
//!
//! The next action follows from the contact's own fields: the reminder, due `REMINDER_DAYS`
//! before the end, until `reminded_for` is the current `support_end`; then the revocation,
//! due the day after the end. What cannot be derived without the clock is a lease: while a
//! sweep sends an action's email (or after the send failed, until a later run retries it) the
//! key's due time is the claim time plus the lease. There the action, the state the claim
//! left, that the lease falls after the action was due and ends no later than the lease after
//! the claim (which stamps the contact's `updated_at`), and that the action's email has not
//! gone out since the claim (its activity entry), are checked.

use std::collections::HashMap;

use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, Month, OffsetDateTime};

use super::shapes::{keys, Contact, Table};
use super::{s, Found, Rule};
use crate::api::REMINDER_DAYS;

/// Index partitions the sweepable contacts are spread over.
const SHARDS: u32 = 16;
/// How long a claim hides a contact from other runs (docs/sweep.md: 15 minutes).
const LEASE: Duration = Duration::minutes(15);

/// The sweep emails recorded in activity: per tenant, contact and kind of email, when each went
/// out.
type Notices<'a> = HashMap<(&'a str, &'a str, &'a str), Vec<OffsetDateTime>>;

/// The index partition of the contact `id`: `SWEEP#<FNV-1a 32 of the id, modulo SHARDS>`.
fn partition(id: &str) -> String {
    let mut hash: u32 = 2_166_136_261;
    for byte in id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(16_777_619);
    }
    format!("SWEEP#{:02}", hash % SHARDS)
}

pub(crate) fn check(t: &Table, found: &mut Found) {
    for (shape, item) in &t.all {
        let is_contact = matches!(
            shape,
            Some(super::shapes::Shape::Contact { .. } | super::shapes::Shape::Archived { .. })
        );
        // A history entry's keys of the index are an open task's (the task-index rule's).
        let is_entry = matches!(shape, Some(super::shapes::Shape::Activity { .. }));
        if !is_contact && !is_entry && (item.contains_key("GSI1PK") || item.contains_key("GSI1SK")) {
            found.add(
                Rule::SweepIndex,
                format!("{} is not a contact, yet carries sweep index keys", keys(item)),
            );
        }
    }
    let mut notices: Notices = HashMap::new();
    for a in &t.activities {
        let kind = match (s(a.item, "kind"), s(a.item, "email_kind")) {
            (Some("email"), Some(kind @ ("support_reminder" | "revocation"))) => kind,
            _ => continue,
        };
        if let Ok(at) = OffsetDateTime::parse(a.at, &Rfc3339) {
            notices.entry((a.tenant, a.contact, kind)).or_default().push(at);
        }
    }
    for c in &t.contacts {
        if let Err(what) = contact(c, &notices) {
            found.add(Rule::SweepIndex, format!("contact {}: {what}", c.id));
        }
    }
}

/// `YYYY-MM-DD`, as support dates are stored.
fn date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || (y.len(), m.len(), d.len()) != (4, 2, 2) {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// The index's fixed-width UTC time of the start of `day`: such times sort as text.
fn start_of(day: Date) -> String {
    format!("{:04}-{:02}-{:02}T00:00:00Z", day.year(), u8::from(day.month()), day.day())
}

/// Whether `text` is an index time, `YYYY-MM-DDTHH:MM:SSZ`.
fn index_time(text: &str) -> bool {
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    text.len() == shape.len()
        && text.bytes().zip(shape).all(|(b, &p)| if p == b'd' { b.is_ascii_digit() } else { b == p })
}

/// An archived contact is in the index for its erasure: in its shard, under its `purge_at`
/// (to the second), which comes after its `archived_at`.
fn archived(c: &Contact) -> Result<(), String> {
    let (Some(pk), Some(sk)) = (s(c.item, "GSI1PK"), s(c.item, "GSI1SK")) else {
        return Err("archived, yet not in the index for its erasure".to_owned());
    };
    if pk != partition(c.id) {
        return Err(format!("GSI1PK is {pk:?}, not its shard {}", partition(c.id)));
    }
    let time = |name| s(c.item, name).and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok());
    let (Some(archived), Some(purge)) = (time("archived_at"), time("purge_at")) else {
        return Err("archived without an RFC 3339 archived_at and purge_at".to_owned());
    };
    if purge <= archived {
        return Err(format!("erased at {purge}, not after it was archived at {archived}"));
    }
    let due = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        purge.year(),
        u8::from(purge.month()),
        purge.day(),
        purge.hour(),
        purge.minute(),
        purge.second()
    );
    let expected = format!("{due}#PURGE#{}#{}#{}", c.tenant, c.client, c.id);
    match sk == expected {
        true => Ok(()),
        false => Err(format!("archived, erased at {purge}, yet indexed {sk:?}, not {expected:?}")),
    }
}

fn contact(c: &Contact, notices: &Notices) -> Result<(), String> {
    if c.archived {
        return archived(c);
    }
    let status = s(c.item, "portal_status").unwrap_or("none");
    let end = s(c.item, "support_end").and_then(date);
    let sweepable = matches!(status, "invited" | "active") && end.is_some();
    let (pk, sk) = match (s(c.item, "GSI1PK"), s(c.item, "GSI1SK")) {
        (None, None) if sweepable => return Err(format!("{status}, support ends {end:?}, not in the index")),
        (None, None) => return Ok(()),
        (Some(pk), Some(sk)) => (pk, sk),
        (pk, sk) => return Err(format!("half an index key: GSI1PK {pk:?}, GSI1SK {sk:?}")),
    };
    if pk != partition(c.id) {
        return Err(format!("GSI1PK is {pk:?}, not its shard {}", partition(c.id)));
    }
    let parts: Vec<&str> = sk.split('#').collect();
    let [due, action, tenant, client, id] = parts[..] else {
        return Err(format!("GSI1SK {sk:?} is not <due>#<action>#<tenant>#<client>#<contact>"));
    };
    if [tenant, client, id] != [c.tenant, c.client, c.id] {
        return Err(format!("GSI1SK {sk:?} names another contact"));
    }
    if !index_time(due) {
        return Err(format!("GSI1SK {sk:?} does not start with a due time"));
    }
    let Some(end) = end else {
        return Err(format!("in the index under {sk:?} without a support end"));
    };
    let remind = start_of(end - Duration::days(i64::from(REMINDER_DAYS)));
    let revoke = start_of(end + Duration::days(1));
    let reminded = s(c.item, "reminded_for").and_then(date) == Some(end);
    let fits = match (status, action) {
        ("invited" | "active", "REMIND") if !reminded => due == remind,
        ("invited" | "active", "REVOKE") if reminded => due == revoke,
        // A reminder claimed: recorded for this end, its email out or to be retried.
        ("invited" | "active", "REMIND") if due > remind.as_str() => {
            return lease(c, due, "support_reminder", notices);
        }
        // A revocation claimed: access ended, its email out or to be retried.
        ("revoked", "REVOKE") if due > revoke.as_str() => return lease(c, due, "revocation", notices),
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        let next = if reminded { format!("REVOKE at {revoke}") } else { format!("REMIND at {remind}") };
        Err(format!("{status}, support ends {end}, reminded {reminded}: next is {next}, yet indexed {sk:?}"))
    }
}

/// A claimed action under its lease (`due`, after the action was due): the lease ends at most
/// `LEASE` after the claim, which stamped the contact's `updated_at` (a later change only moves
/// that on), and the action's email (`kind`) has not gone out since the claim, or the contact
/// would have moved on to its next key.
fn lease(c: &Contact, due: &str, kind: &str, notices: &Notices) -> Result<(), String> {
    let lease_ends = OffsetDateTime::parse(due, &Rfc3339).map_err(|_| format!("lease {due:?} is no time"))?;
    let stamped = s(c.item, "updated_at").and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok());
    let Some(claimed) = stamped else {
        return Err(format!("under a lease to {due} that no claim stamped (no updated_at)"));
    };
    if lease_ends > claimed + LEASE {
        return Err(format!("under a lease to {due}, more than {LEASE} after its claim at {claimed}"));
    }
    let sent = notices.get(&(c.tenant, c.id, kind)).into_iter().flatten().find(|at| **at >= claimed);
    match sent {
        Some(at) => Err(format!("its {kind} email went out at {at}, after its claim at {claimed}, yet it is still under the lease to {due}")),
        None => Ok(()),
    }
}
