//! Changing a tenant's settings (`domain::settings`, `store::settings`): a custom field's type
//! changes only while no contact holds a value of it (`store::custom_fields`). A value written
//! between that check and the change is not lost: it stays stored and hidden, as a value its
//! field no longer takes always is (`domain::custom_field`).

use crate::domain::settings::{SettingsPatch, StoredSettings};
use crate::domain::{DomainError, Patch, Stamp, TenantId};
use crate::error::ServiceResult;
use crate::store::Store;

pub async fn update(
    store: &Store,
    tenant: &TenantId,
    if_match: Option<u64>,
    patch: SettingsPatch,
    stamp: &Stamp,
) -> ServiceResult<StoredSettings> {
    if let Patch::Set(next) = &patch.custom_fields {
        let current = store.get_settings(tenant).await?;
        for key in current.settings.custom_fields.retyped(next) {
            if store.custom_values_exist(tenant, key).await? {
                return Err(DomainError::CustomFieldInUse(key.to_owned()).into());
            }
        }
    }
    Ok(store.update_settings(tenant, if_match, patch, stamp).await?)
}
