//! Tenant settings as this warm instance last read them, for the requests that only need them
//! recent: an add's defaults and the custom fields it requires, and which custom values a
//! response shows. Most such requests then make no settings read. A change made through this
//! instance applies at once; one made through another instance within `SETTINGS_TTL`
//! (docs/table.md, round trips).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use time::{Duration, OffsetDateTime};

use super::Store;
use crate::domain::settings::StoredSettings;
use crate::domain::TenantId;
use crate::store::error::StoreResult;

/// How long settings once read are reused.
pub const SETTINGS_TTL: Duration = Duration::seconds(30);

/// Tenants remembered at most: past it the cache starts afresh, so an instance serving many
/// tenants holds a bounded amount (a few KB each).
const MAX_TENANTS: usize = 1000;

/// Shared by the clones of one `Store` (one warm instance).
#[derive(Clone, Default)]
pub(super) struct SettingsCache(Arc<Mutex<HashMap<String, (OffsetDateTime, StoredSettings)>>>);

impl SettingsCache {
    fn entries(&self) -> MutexGuard<'_, HashMap<String, (OffsetDateTime, StoredSettings)>> {
        // A panic while holding the lock leaves nothing half-written worth refusing.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn fresh(&self, tenant: &TenantId, now: OffsetDateTime) -> Option<StoredSettings> {
        let entries = self.entries();
        let (read_at, settings) = entries.get(tenant.as_str())?;
        (*read_at <= now && now < *read_at + SETTINGS_TTL).then(|| settings.clone())
    }

    fn keep(&self, tenant: &TenantId, now: OffsetDateTime, settings: StoredSettings) {
        let mut entries = self.entries();
        if entries.len() >= MAX_TENANTS && !entries.contains_key(tenant.as_str()) {
            entries.clear();
        }
        entries.insert(tenant.as_str().to_owned(), (now, settings));
    }

    pub(super) fn forget(&self, tenant: &TenantId) {
        self.entries().remove(tenant.as_str());
    }
}

impl Store {
    /// The tenant's settings as read within `SETTINGS_TTL` before `now`, else read now.
    pub(crate) async fn recent_settings(
        &self,
        tenant: &TenantId,
        now: OffsetDateTime,
    ) -> StoreResult<StoredSettings> {
        if let Some(settings) = self.settings_cache.fresh(tenant, now) {
            return Ok(settings);
        }
        let settings = self.get_settings(tenant).await?;
        self.settings_cache.keep(tenant, now, settings.clone());
        Ok(settings)
    }
}
