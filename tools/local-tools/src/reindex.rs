//! Gives contacts stored before the index items existed (`shared::store::index`: topic and
//! search items, the name sort key) what they lack, once, after an upgrade: every contact item
//! of the table, read with a paged scan, is indexed from its stored state. Run again, it
//! rewrites the same items.

use aws_sdk_dynamodb::types::AttributeValue;
use shared::domain::{ClientId, ContactId, TenantId};
use shared::store::Store;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// (tenant, client, contact) of a contact item's key (`TENANT#{t}#CLIENT#{c}` / `CONTACT#{id}`).
fn contact_of(pk: &str, sk: &str) -> Option<(TenantId, ClientId, ContactId)> {
    let (tenant, client) = pk.strip_prefix("TENANT#")?.split_once("#CLIENT#")?;
    let id = sk.strip_prefix("CONTACT#")?;
    Some((TenantId::parse(tenant)?, ClientId::parse(client)?, ContactId::parse(id)?))
}

/// Indexes every contact of the store's table; returns how many.
pub async fn reindex(store: &Store) -> Result<usize, BoxError> {
    let mut start = None;
    let mut done = 0;
    loop {
        let page = store
            .dynamo()
            .scan()
            .table_name(store.table())
            .filter_expression("entity = :contact")
            .expression_attribute_values(":contact", AttributeValue::S("contact".into()))
            .projection_expression("PK, SK")
            .set_exclusive_start_key(start)
            .send()
            .await?;
        for item in page.items() {
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str);
            let Some((tenant, client, id)) = contact_of(text("PK").unwrap_or(""), text("SK").unwrap_or(""))
            else {
                continue;
            };
            store.reindex_contact(&tenant, client, id).await?;
            done += 1;
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(done);
        }
    }
}
