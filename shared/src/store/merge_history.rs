//! A merged contact's history moving to the survivor (`store::contacts::merge`): each item of
//! its activity partition (notes, tasks, the system's entries) copied into the survivor's and
//! removed from the merged contact's. The handler does it right after the merge, and
//! `change-events` again from the merge record, so a merge cut short is finished; each step is
//! safe to repeat. Each item is first marked `merged_into`, and its copy carries
//! `merged_from`: the stream reads neither the copy's insertion nor the original's removal as
//! a note added or deleted.

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};

use super::keys::activity_pk;
use super::tx::{Item, TxOutcome};
use super::{key_of, keys, s, Store};
use crate::domain::{ClientId, ContactId, TenantId};
use crate::store::error::{StoreError, StoreResult};

/// The copy of a merged contact's history item under the survivor: its partition, its contact,
/// and an open task's due-index key (`{due}#{note}#{contact}`) naming the survivor.
fn copied(item: &Item, tenant: &TenantId, merged: ContactId, survivor: ContactId) -> Item {
    let mut copy = item.clone();
    copy.insert(keys::PK.into(), s(activity_pk(tenant, survivor)));
    copy.insert("contact_id".into(), s(survivor.to_string()));
    copy.insert("merged_from".into(), s(merged.to_string()));
    copy.remove("merged_into");
    let due_key = copy.get("GSI1SK").and_then(|v| v.as_s().ok()).cloned();
    if let Some(prefix) = due_key.as_deref().and_then(|k| k.strip_suffix(&format!("#{merged}"))) {
        copy.insert("GSI1SK".into(), s(format!("{prefix}#{survivor}")));
    }
    copy
}

impl Store {
    /// Moves the history items of contact `merged` to `survivor` of `client`: every one, or
    /// the pages up to `at_most` (a request's share; the stream moves the rest); returns how
    /// many it moved.
    pub async fn merge_history(
        &self,
        tenant: &TenantId,
        merged: ContactId,
        (client, survivor): (ClientId, ContactId),
        at_most: Option<usize>,
    ) -> StoreResult<usize> {
        let mut moved = 0;
        loop {
            let items = self.first_activity(tenant, merged, None).await?;
            if items.is_empty() || at_most.is_some_and(|most| moved >= most) {
                return Ok(moved);
            }
            for item in items {
                moved +=
                    usize::from(self.merge_history_item(tenant, item, merged, (client, survivor)).await?);
            }
        }
    }

    /// Marks one item, then copies it and removes it in one transaction; whether it moved it
    /// (another run may have first).
    async fn merge_history_item(
        &self,
        tenant: &TenantId,
        mut item: Item,
        merged: ContactId,
        (client, survivor): (ClientId, ContactId),
    ) -> StoreResult<bool> {
        let key = key_of(&item);
        if !item.contains_key("merged_into") {
            let marked = self
                .db
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key.clone()))
                .update_expression("SET merged_into = :s")
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_values(":s", s(survivor.to_string()))
                .send()
                .await;
            match marked.map_err(|e| e.into_service_error()) {
                Ok(_) => item.insert("merged_into".into(), s(survivor.to_string())),
                Err(e) if e.is_conditional_check_failed_exception() => return Ok(false),
                Err(e) => return Err(StoreError::failed("UpdateItem", e)),
            };
        }
        let mut copy = copied(&item, tenant, merged, survivor);
        copy.insert("client_id".into(), s(client.to_string()));
        let put = Put::builder().table_name(&self.table).set_item(Some(copy)).build();
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression("merged_into = :s")
            .expression_attribute_values(":s", s(survivor.to_string()))
            .build();
        let writes = vec![
            TransactWriteItem::builder().put(put.map_err(StoreError::internal)?).build(),
            TransactWriteItem::builder().delete(delete.map_err(StoreError::internal)?).build(),
        ];
        // Cancelled: the original went meanwhile, with another run that copied it.
        Ok(matches!(self.transact(writes).await?, TxOutcome::Committed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copied_open_task_names_the_survivor_in_its_partition_and_due_key() {
        let tenant = TenantId::parse("acme").unwrap();
        let (merged, survivor) = (ContactId::generate(), ContactId::generate());
        let item = Item::from([
            (keys::PK.to_owned(), s(activity_pk(&tenant, merged))),
            (keys::SK.to_owned(), s("AT#2026-12-07T10:00:00.000Z#NOTE#n1")),
            ("contact_id".to_owned(), s(merged.to_string())),
            ("merged_into".to_owned(), s(survivor.to_string())),
            ("GSI1SK".to_owned(), s(format!("2026-12-09#n1#{merged}"))),
        ]);

        let copy = copied(&item, &tenant, merged, survivor);

        assert_eq!(copy[keys::PK], s(activity_pk(&tenant, survivor)));
        assert_eq!(copy[keys::SK], item[keys::SK]);
        assert_eq!(copy["contact_id"], s(survivor.to_string()));
        assert_eq!(copy["merged_from"], s(merged.to_string()));
        assert_eq!(copy["GSI1SK"], s(format!("2026-12-09#n1#{survivor}")));
        assert!(!copy.contains_key("merged_into"));
    }
}
