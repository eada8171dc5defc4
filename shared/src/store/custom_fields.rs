//! Whether any contact of a tenant holds a value of a custom field: asked only before a
//! definition's type changes (`PATCH /settings`), which is refused while one does.
//!
//! No item counts a field's values: keeping a count would put one more item, the same for
//! every contact of the tenant, in every write that sets or clears a value, and make those
//! writes conflict with each other. Instead the tenant's index (`GSI3`) is read, filtered to
//! contacts holding the field, up to the first one found: a rare administrator's change pays
//! for what the common writes then need not (docs/table.md, round trips).

use super::{keys, s, Store};
use crate::domain::TenantId;
use crate::store::error::{StoreError, StoreResult};

impl Store {
    pub async fn custom_values_exist(&self, tenant: &TenantId, key: &str) -> StoreResult<bool> {
        let mut start = None;
        loop {
            let out = self
                .db
                .query()
                .table_name(&self.table)
                .index_name(keys::TENANT_NAME_INDEX)
                .key_condition_expression("#tenant = :tenant")
                .filter_expression("attribute_exists(#custom.#key)")
                .expression_attribute_names("#tenant", keys::TENANT_CONTACTS)
                .expression_attribute_names("#custom", "custom")
                .expression_attribute_names("#key", key)
                .expression_attribute_values(":tenant", s(keys::tenant_contacts_pk(tenant)))
                .projection_expression("#tenant")
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::failed("Query", e.into_service_error()))?;
            if out.count() > 0 {
                return Ok(true);
            }
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(false),
            }
        }
    }
}
