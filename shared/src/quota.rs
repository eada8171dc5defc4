//! Counting emails against the sending tenant's daily quota (`domain::quota`) before they go
//! out, and giving back what was not sent after all. Access rules never depend on it: only
//! emails wait for quota.

use std::collections::HashMap;
use std::sync::Mutex;

use futures_util::stream::{self, StreamExt};

use crate::domain::dates::Clock;
use crate::domain::quota::{hour_of, SendWindow};
use crate::domain::{DomainError, TenantId};
use crate::error::ServiceResult;
use crate::store::retry::{retry, Attempt, Backoff, Retry};
use crate::store::Store;

/// Rounds of read-and-conditional-write before giving up with `contention`, with a contention
/// backoff between two. Every sending request of a tenant writes its one record, so it sees more
/// races than other items; each round lets at least one of the racing writers through.
const ROUNDS: Retry = Retry { attempts: 16, backoff: Backoff::Contention };

/// Tenants' records read and written at once by `Budgets` (each is a different item).
const CONCURRENT_TENANTS: usize = 8;

/// What counting needs: the store holding each tenant's record, the time and the daily limit.
#[derive(Clone, Copy)]
pub struct Quota<'a> {
    pub store: &'a Store,
    pub clock: &'a dyn Clock,
    pub daily_limit: u32,
}

/// Emails counted for a tenant in one hour's bucket, before they are sent.
#[derive(Debug)]
pub struct Reservation {
    tenant: TenantId,
    hour: i64,
    pub count: u32,
}

/// Applies `change` to the tenant's current counts and writes them back, again on fresh counts
/// whenever another request wrote first. An error from `change` writes nothing.
async fn update<T>(
    quota: &Quota<'_>,
    tenant: &TenantId,
    change: impl Fn(&mut SendWindow, i64) -> ServiceResult<T>,
) -> ServiceResult<T> {
    let change = &change;
    retry(ROUNDS, || async move {
        let now = quota.clock.now().unix_timestamp();
        let mut record = quota.store.email_quota(tenant).await?;
        let out = change(&mut record.window, now)?;
        let limit = quota.daily_limit;
        let saved = quota.store.save_email_quota(tenant, record.version, &record.window, limit, now).await?;
        Ok(if saved { Attempt::Done(out) } else { Attempt::Retry })
    })
    .await
}

/// Counts `wanted` emails if all of them fit in the tenant's quota; otherwise
/// `QuotaExceeded` (with when to retry) and nothing counted.
pub async fn reserve(quota: &Quota<'_>, tenant: &TenantId, wanted: u32) -> ServiceResult<Reservation> {
    let limit = quota.daily_limit;
    let now = quota.clock.now().unix_timestamp();
    let hour = if wanted == 0 {
        hour_of(now)
    } else if quota.store.take_email_quota_in_hour(tenant, wanted, limit, now).await? {
        // The common case: the tenant's record was counted this hour and there is room.
        hour_of(now)
    } else {
        update(quota, tenant, |window, now| {
            window.take(wanted, limit, now).map_err(DomainError::QuotaExceeded)?;
            Ok(hour_of(now))
        })
        .await?
    };
    Ok(Reservation { tenant: tenant.clone(), hour, count: wanted })
}

/// Counts as many of `wanted` emails as fit in the tenant's quota.
pub(crate) async fn reserve_up_to(
    quota: &Quota<'_>,
    tenant: &TenantId,
    wanted: u32,
) -> ServiceResult<Reservation> {
    // Always read: the sweep runs once an hour, seldom after a count made in the same hour.
    let limit = quota.daily_limit;
    let (count, hour) =
        update(quota, tenant, |window, now| Ok((window.take_up_to(wanted, limit, now), hour_of(now))))
            .await?;
    Ok(Reservation { tenant: tenant.clone(), hour, count })
}

/// Gives back `count` of a reservation's emails that were not sent. A failure is logged and
/// leaves them counted: erring on the side of the shared sender.
pub async fn release(quota: &Quota<'_>, reservation: &Reservation, count: u32) {
    let count = count.min(reservation.count);
    if count == 0 {
        return;
    }
    let given_back = update(quota, &reservation.tenant, |window, now| {
        window.give_back(reservation.hour, count, now);
        Ok(())
    });
    if let Err(e) = given_back.await {
        tracing::warn!(tenant = %reservation.tenant, count, error = %crate::telemetry::chain(&e), "unsent emails still count against the quota");
    }
}

/// Quota for a batch of emails to several tenants' contacts (a sweep page): each tenant's
/// share is counted with one write, handed out an email at a time, and what is left over is
/// given back at the end.
pub(crate) struct Budgets {
    grants: Mutex<HashMap<TenantId, (Reservation, u32)>>,
}

impl Budgets {
    /// Reserves up to `wanted` emails per tenant. A tenant whose quota cannot be read gets
    /// none this time: its emails wait for a later run.
    pub async fn reserve(quota: &Quota<'_>, wanted: HashMap<TenantId, u32>) -> Self {
        let reserved: Vec<_> = stream::iter(wanted)
            .map(|(tenant, count)| async move { (reserve_up_to(quota, &tenant, count).await, tenant) })
            .buffer_unordered(CONCURRENT_TENANTS)
            .collect()
            .await;
        let mut grants = HashMap::new();
        for (reservation, tenant) in reserved {
            match reservation {
                Ok(reservation) => {
                    let left = reservation.count;
                    grants.insert(tenant, (reservation, left));
                }
                Err(e) => {
                    tracing::warn!(tenant = %tenant, error = %crate::telemetry::chain(&e), "email quota not reserved")
                }
            }
        }
        Self { grants: Mutex::new(grants) }
    }

    /// Takes one email of the tenant's share; false when its quota is used up.
    pub fn take(&self, tenant: &TenantId) -> bool {
        let mut grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        match grants.get_mut(tenant) {
            Some((_, left)) if *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        }
    }

    /// Returns one email taken but not sent.
    pub(crate) fn give_back(&self, tenant: &TenantId) {
        let mut grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, left)) = grants.get_mut(tenant) {
            *left += 1;
        }
    }

    /// Gives back every tenant's unused share.
    pub async fn settle(self, quota: &Quota<'_>) {
        let grants = self.grants.into_inner().unwrap_or_else(|e| e.into_inner());
        stream::iter(grants.into_values())
            .for_each_concurrent(CONCURRENT_TENANTS, |(reservation, left)| async move {
                release(quota, &reservation, left).await
            })
            .await;
    }
}
