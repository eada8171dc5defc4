//! Client items: `PK = TENANT#t`, `SK = CLIENT#id`, so a tenant's clients are one query.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};

use super::idempotency::{replay, Created, Idempotency, Recorded};
use super::items::{
    client_editable_item, client_plain_attrs, new_client_item, ClientRecord, CLIENT_EDITABLE,
};
use super::n;
use super::plain::{PlainOutcome, PlainWrite};
use super::retry::{retry_planned, Attempt};
use super::tx::TxOutcome;
use super::update_expr::UpdateExpr;
use super::{keys, last_sort_key, Page, Store};
use crate::domain::client::search_key;
use crate::domain::{Client, ClientId, ClientPatch, ClientStatus, DomainError, Stamp, TenantId};
use crate::store::error::{StoreError, StoreResult};

/// Which clients a list holds: of one status (`None`: all) and, when given, whose name's
/// search key (`client::search_key`) starts with `name_prefix` (already folded).
#[derive(Debug, Clone, Default)]
pub struct ClientFilter {
    pub status: Option<ClientStatus>,
    pub name_prefix: Option<String>,
}

impl Store {
    /// Stores a new client; with an idempotency key, in one transaction with its recorded result.
    pub async fn create_client(
        &self,
        tenant: &TenantId,
        client: &Client,
        idempotency: Option<Idempotency<'_, Recorded>>,
    ) -> StoreResult<Created<()>> {
        let item = new_client_item(tenant, client)?;
        let Some(idem) = idempotency else {
            self.create(item).await?;
            return Ok(Created::New(()));
        };
        let (item, idem) = (&item, &idem);
        retry_planned(move || async move {
            let items = vec![
                self.put_new(item.clone())?,
                self.idempotency_put(tenant, idem.request, idem.record.clone(), idem.now_epoch)?,
            ];
            match self.transact(items).await? {
                TxOutcome::Committed => Ok(Attempt::Done(Created::New(()))),
                TxOutcome::Conflict => Ok(Attempt::Retry),
                TxOutcome::Cancelled(mut reasons) => match reasons.pop().filter(|r| r.failed_condition()) {
                    Some(r) => Ok(Attempt::Done(Created::Replayed(replay(r.old, idem.request)?))),
                    None => Err(StoreError::internal("client id collision")),
                },
            }
        })
        .await
    }

    pub async fn get_client(&self, tenant: &TenantId, id: ClientId) -> StoreResult<Client> {
        let item = self
            .get(Self::key(keys::tenant_pk(tenant), keys::client_sk(id)))
            .await?
            .ok_or(DomainError::NotFound("client"))?;
        ClientRecord::from_item(item)?.into_client()
    }

    /// One query per page of the tenant's clients (`limit` read). `filter.status` is a filter
    /// expression (clients stored without a status count as active) and the name prefix is
    /// matched here, on the folded name; so a filtered page can hold fewer than `limit`
    /// clients, and `last_sort_key` still continues where the read stopped.
    pub async fn list_clients(
        &self,
        tenant: &TenantId,
        filter: &ClientFilter,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<Client>> {
        let start = after.map(|sk| Self::key(keys::tenant_pk(tenant), sk));
        let mut query = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", AttributeValue::S(keys::tenant_pk(tenant)))
            .expression_attribute_values(":prefix", AttributeValue::S(keys::CLIENT_SK_PREFIX.into()))
            .limit(limit)
            .set_exclusive_start_key(start);
        if let Some(status) = filter.status {
            let condition = match status {
                ClientStatus::Active => "(attribute_not_exists(#status) OR #status = :status)",
                ClientStatus::Inactive => "#status = :status",
            };
            query = query
                .filter_expression(condition)
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":status", AttributeValue::S(status.as_str().into()));
        }
        let out = query.send().await.map_err(|e| StoreError::failed("Query", e.into_service_error()))?;
        let mut items = Vec::new();
        for item in out.items() {
            let client = ClientRecord::from_item(item.clone())?.into_client()?;
            if filter
                .name_prefix
                .as_ref()
                .is_none_or(|q| search_key(client.fields.name.as_str()).starts_with(q))
            {
                items.push(client);
            }
        }
        Ok(Page { items, last_sort_key: last_sort_key(out.last_evaluated_key()) })
    }

    /// Applies a merge patch. A plain patch (`ClientPatch::is_plain`) is one conditional write
    /// without reading first; any other is read and written with optimistic locking: the write
    /// is conditioned on the version read, and re-planned when another writer got there first
    /// (unless `If-Match` pinned it).
    pub async fn update_client(
        &self,
        tenant: &TenantId,
        id: ClientId,
        if_match: Option<u64>,
        patch: ClientPatch,
        stamp: &Stamp,
    ) -> StoreResult<Client> {
        if patch.is_plain() {
            if let Some(client) = self.update_client_plain(tenant, id, if_match, &patch, stamp).await? {
                return Ok(client);
            }
        }
        let patch = &patch;
        retry_planned(move || async move {
            let current = self.get_client(tenant, id).await?;
            if if_match.is_some_and(|v| v != current.audit.version) {
                return Err(StoreError::PreconditionFailed);
            }
            let fields = current.fields.patched(patch.clone())?;
            if fields == current.fields {
                return Ok(Attempt::Done(current));
            }
            let audit = current.audit.next(stamp);
            let update = UpdateExpr::editable(client_editable_item(&fields)?, CLIENT_EDITABLE, &audit);
            let result = update
                .apply(self.db.update_item())
                .table_name(&self.table)
                .set_key(Some(Self::key(keys::tenant_pk(tenant), keys::client_sk(id))))
                .expression_attribute_values(":expected", n(current.audit.version))
                .condition_expression("version = :expected")
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            match result {
                Ok(out) => {
                    let item = out.attributes.ok_or_else(|| StoreError::internal("no attributes"))?;
                    Ok(Attempt::Done(ClientRecord::from_item(item)?.into_client()?))
                }
                Err(e) => match e.into_service_error() {
                    UpdateItemError::ConditionalCheckFailedException(_) if if_match.is_some() => {
                        Err(StoreError::PreconditionFailed)
                    }
                    UpdateItemError::ConditionalCheckFailedException(_) => Ok(Attempt::Retry),
                    other => Err(StoreError::failed("UpdateItem", other)),
                },
            }
        })
        .await
    }

    /// Applies a plain patch in one conditional write (see `store::plain`). `Ok(None)`: refused
    /// for a reason the item as it was does not show; the caller then reads and writes.
    async fn update_client_plain(
        &self,
        tenant: &TenantId,
        id: ClientId,
        if_match: Option<u64>,
        patch: &ClientPatch,
        stamp: &Stamp,
    ) -> StoreResult<Option<Client>> {
        let mut write = PlainWrite::new(stamp, if_match);
        for (attr, value) in client_plain_attrs(patch) {
            write.write(attr, value);
        }
        let key = Self::key(keys::tenant_pk(tenant), keys::client_sk(id));
        let old = match self.write_plain(key, write).await? {
            PlainOutcome::Written(item) => return Ok(Some(ClientRecord::from_item(item)?.into_client()?)),
            PlainOutcome::Refused(old) => old.ok_or(DomainError::NotFound("client"))?,
        };
        // The rules in the order the read-then-write path checks them.
        let current = ClientRecord::from_item(old)?.into_client()?;
        if if_match.is_some_and(|v| v != current.audit.version) {
            return Err(StoreError::PreconditionFailed);
        }
        Ok((current.fields.patched(patch.clone())? == current.fields).then_some(current))
    }

    /// Deletes a client that has no contacts left; one conditional delete decides, in one
    /// transaction with the record of who deleted it (`store::deletions`).
    pub async fn delete_client(
        &self,
        tenant: &TenantId,
        id: ClientId,
        if_match: Option<u64>,
        stamp: &Stamp,
    ) -> StoreResult<()> {
        retry_planned(move || async move {
            let items =
                vec![self.client_delete(tenant, id, if_match)?, self.deletion_put(tenant, id, None, stamp)?];
            let reasons = match self.transact(items).await? {
                TxOutcome::Committed => return Ok(Attempt::Done(())),
                TxOutcome::Conflict => return Ok(Attempt::Retry),
                TxOutcome::Cancelled(reasons) => reasons,
            };
            let refused = reasons.into_iter().next().filter(|r| r.failed_condition());
            let Some(refused) = refused else {
                return Err(StoreError::internal("client deletion cancelled on its record"));
            };
            let Some(old) = refused.old else {
                return Err(DomainError::NotFound("client").into());
            };
            let client = ClientRecord::from_item(old)?.into_client()?;
            if if_match.is_some_and(|v| v != client.audit.version) {
                Err(StoreError::PreconditionFailed)
            } else {
                Err(DomainError::ClientHasContacts.into())
            }
        })
        .await
    }

    /// The client's delete: only while it exists without contacts, archived ones included (and
    /// at `if_match`).
    fn client_delete(
        &self,
        tenant: &TenantId,
        id: ClientId,
        if_match: Option<u64>,
    ) -> StoreResult<TransactWriteItem> {
        let mut condition = "attribute_exists(PK) AND contact_count = :zero \
             AND (attribute_not_exists(archived_count) OR archived_count = :zero)"
            .to_owned();
        let mut delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::tenant_pk(tenant), keys::client_sk(id))))
            .expression_attribute_values(":zero", n(0))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if let Some(v) = if_match {
            condition.push_str(" AND version = :expected");
            delete = delete.expression_attribute_values(":expected", n(v));
        }
        let delete = delete.condition_expression(condition).build().map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }
}
