//! The support-expiry sweep. It reads only what is due (the sparse index's range up to now,
//! so it catches up after missed runs), claims each action with a conditional write before
//! emailing (so concurrent or repeated runs act once), and stops before the Lambda deadline,
//! leaving the rest for the next run.

use std::collections::HashMap;
use std::time::{Duration as StdDuration, Instant};

use futures_util::future;
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use tracing::Instrument;

use crate::domain::sweep::{format_instant, sweep_partitions};
use crate::domain::TenantId;
use crate::email::Mailing;
use crate::error::ServiceResult;
use crate::portal_users::PortalUsers;
use crate::quota::Budgets;
use crate::store::sweep::{DueContact, DuePurge};
use crate::store::tx::Item;

mod act;

use act::{act, Done};

const PAGE: i32 = 100;
const CONCURRENT_SENDS: usize = 8;
/// Stop taking new work when less than this is left before the Lambda deadline: enough for a
/// send that hangs until `email::SEND_TIMEOUT` and the write after it.
const SAFETY_MARGIN: StdDuration = StdDuration::from_secs(10);

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct SweepReport {
    pub revoked: u32,
    pub reminded: u32,
    /// Revocation emails sent on a later run, after a failed send (no second revocation).
    pub notices_retried: u32,
    /// Emails SES refused for good (`email-rejected`): not retried, the action stands.
    pub undeliverable: u32,
    pub failed: u32,
    /// Emails held back because their tenant's daily quota is used up; the action itself
    /// (a revocation) is done, and a later run sends the email.
    pub held: u32,
    /// Emails not sent because the contact's address bounced for good or complained
    /// (`email_status`); the action itself is done.
    pub suppressed: u32,
    /// Found due but taken by another run or changed by a user meanwhile.
    pub skipped: u32,
    /// Archived contacts erased, their tenant's retention over (`store::contacts::archive`).
    pub purged: u32,
    /// Index items read: the sweep's cost grows with this, not with the table.
    pub items_read: u32,
    pub stopped_early: bool,
}

/// What the sweep uses: the mailing (table, time, sender) and the portal's users, whose
/// access ends with a revocation.
#[derive(Clone, Copy)]
pub struct Sweeping<'a> {
    pub mail: Mailing<'a>,
    pub users: &'a PortalUsers,
}

/// Runs one sweep; `deadline` is when the invocation must have returned. Each round reads a
/// page of every index partition's due range side by side (`sweep_partitions`: one query per
/// partition, so 17 in the first round, then one per partition with more due), then works
/// what they found a page at a time; a run that nears its deadline leaves the rest, still due,
/// to the next run.
pub async fn sweep<'a>(
    with: impl Into<Sweeping<'a>>,
    deadline: Option<Instant>,
) -> ServiceResult<SweepReport> {
    let with = &with.into();
    let store = &with.mail.store;
    let now = with.mail.clock.now();
    // Keys start with `YYYY-MM-DDTHH:MM:SSZ#`; `$` sorts just after `#`, so this bound includes
    // everything due up to and including this second.
    let bound = format!("{}$", format_instant(now));
    let mut report = SweepReport::default();
    let near_deadline =
        || deadline.is_some_and(|d| d.saturating_duration_since(Instant::now()) < SAFETY_MARGIN);
    let mut pending: Vec<(String, Option<Item>)> =
        sweep_partitions().into_iter().map(|p| (p, None)).collect();
    while !pending.is_empty() {
        if near_deadline() {
            report.stopped_early = true;
            break;
        }
        let reads = pending
            .iter()
            .map(|(partition, start)| store.due_contacts(partition, &bound, start.clone(), PAGE));
        let pages = future::try_join_all(reads).await?;
        let (mut due, mut purges) = (Vec::new(), Vec::new());
        let mut more = Vec::new();
        for ((partition, _), page) in pending.into_iter().zip(pages) {
            report.items_read += page.scanned;
            due.extend(page.items);
            purges.extend(page.purges);
            more.extend(page.next.map(|next| (partition, Some(next))));
        }
        purge(with, purges, &mut report).await;
        while !due.is_empty() {
            if near_deadline() {
                report.stopped_early = true;
                return Ok(report);
            }
            let rest = due.split_off(due.len().min(PAGE as usize));
            work_page(with, std::mem::replace(&mut due, rest), &mut report).await;
        }
        pending = more;
    }
    Ok(report)
}

/// Erases the archived contacts found due, side by side; one that fails is left due for the
/// next run, and one restored meanwhile is skipped.
async fn purge(with: &Sweeping<'_>, due: Vec<DuePurge>, report: &mut SweepReport) {
    let store = &with.mail.store;
    let stamp = act::stamp(with.mail.clock.now());
    let outcomes: Vec<_> = stream::iter(due)
        .map(|due| {
            let stamp = &stamp;
            async move {
                let contact = (due.client, due.contact);
                let result = store.purge_archived(&due.tenant, contact, Some(&due.sort_key), None, stamp).await;
                if let Err(e) = &result {
                    tracing::warn!(tenant = %due.tenant, contact = %due.contact, error = %crate::telemetry::chain(e), "erasing an archived contact failed; retried on a later run");
                }
                result
            }
        })
        .buffer_unordered(CONCURRENT_SENDS)
        .collect()
        .await;
    for outcome in outcomes {
        match outcome {
            Ok(Some(_)) => report.purged += 1,
            Ok(None) => report.skipped += 1,
            Err(_) => report.failed += 1,
        }
    }
}

/// Acts on one page of due contacts, side by side, within their tenants' quotas.
async fn work_page(with: &Sweeping<'_>, items: Vec<DueContact>, report: &mut SweepReport) {
    let mail = &with.mail;
    let budgets = Budgets::reserve(&mail.quota(), notices_wanted(&items)).await;
    let outcomes: Vec<Done> = stream::iter(items)
        .map(|due| act(with, due, &budgets))
        .buffer_unordered(CONCURRENT_SENDS)
        .collect()
        .await;
    budgets.settle(&mail.quota()).await;
    for outcome in outcomes {
        match outcome {
            Done::Revoked => report.revoked += 1,
            Done::RevokedNoticeFailed => {
                report.revoked += 1;
                report.failed += 1;
            }
            Done::Reminded => report.reminded += 1,
            Done::NoticeRetried => report.notices_retried += 1,
            Done::Undeliverable { revoked } => {
                report.revoked += u32::from(revoked);
                report.undeliverable += 1;
            }
            Done::Held { revoked } => {
                report.revoked += u32::from(revoked);
                report.held += 1;
            }
            Done::Suppressed { revoked } => {
                report.revoked += u32::from(revoked);
                report.suppressed += 1;
            }
            Done::Skipped => report.skipped += 1,
            Done::Failed => report.failed += 1,
        }
    }
}

/// Emails a page could send, per tenant: one per contact with an address. Counted against
/// each tenant's quota in one write before the page is worked; what is not used is given back.
fn notices_wanted(items: &[DueContact]) -> HashMap<TenantId, u32> {
    let mut wanted = HashMap::new();
    for due in items.iter().filter(|d| d.contact.fields.email.is_some()) {
        *wanted.entry(due.tenant.clone()).or_default() += 1;
    }
    wanted
}

/// The Lambda entry point's work: sweep until done or the deadline nears, log the report as
/// one JSON line and as metrics, and return it.
pub async fn run_scheduled<'a>(
    with: impl Into<Sweeping<'a>>,
    request_id: &str,
    trace_header: Option<&str>,
    deadline_epoch_ms: u64,
) -> ServiceResult<SweepReport> {
    // Every line of the run carries its invocation, trace and route; the sweep serves all
    // tenants (`*`), and each line about one contact names its tenant too.
    let trace_id = crate::telemetry::trace_id(trace_header);
    let span = tracing::info_span!(
        "sweep",
        request_id = %request_id,
        trace_id = %trace_id,
        route = "schedule",
        tenant = "*"
    );
    async move {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or_default();
        let budget_ms = crate::deadline::budget_ms(deadline_epoch_ms, now_ms);
        let deadline = Instant::now() + StdDuration::from_millis(budget_ms);
        let report = sweep(with.into(), Some(deadline)).await?;
        tracing::info!(
            revoked = report.revoked,
            reminded = report.reminded,
            notices_retried = report.notices_retried,
            undeliverable = report.undeliverable,
            failed = report.failed,
            skipped = report.skipped,
            purged = report.purged,
            items_read = report.items_read,
            stopped_early = report.stopped_early,
            budget_ms,
            "sweep done"
        );
        report_metrics(&report);
        Ok(report)
    }
    .instrument(span)
    .await
}

/// The run's figures as one metric line; `SweepFailed` and `SweepStoppedEarly` drive the
/// template's sweep alarm.
fn report_metrics(report: &SweepReport) {
    crate::metrics::MetricLine::new()
        .count("SweepRevoked", report.revoked.into())
        .count("SweepReminded", report.reminded.into())
        .count("SweepNoticesRetried", report.notices_retried.into())
        .count("SweepUndeliverable", report.undeliverable.into())
        .count("SweepFailed", report.failed.into())
        .count("SweepHeld", report.held.into())
        .count("SweepSuppressed", report.suppressed.into())
        .count("SweepSkipped", report.skipped.into())
        .count("SweepPurged", report.purged.into())
        .count("SweepItemsRead", report.items_read.into())
        .count("SweepStoppedEarly", report.stopped_early.into())
        .emit();
}
