//! A tenant's tags (`domain::tag`): `PK = TENANT#t`, `SK = TAG#{id}`, and a claim of each name,
//! `PK = TENANT#t#TAGNAME#{name key}`, `SK = TAGNAME`, naming the tag. A tag and its claim are
//! written together, so two tags never share a name however their writes race; a rename moves
//! the claim in the same transaction and touches no contact. Which contacts carry a tag is in
//! `members`.

mod members;

use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem};
use serde::Deserialize;
use serde_dynamo::from_item;

use super::tx::{Item, TxOutcome};
use super::{keys, n, s, Page, Store};
use crate::domain::audit::Audit;
use crate::domain::tag::Tag;
use crate::domain::{DomainError, TagId, TenantId, Text};
use crate::store::error::{StoreError, StoreResult};

pub use members::TagRemoval;

/// A tag item as stored.
#[derive(Deserialize)]
struct TagRecord {
    id: String,
    name: String,
    colour: Option<String>,
    #[serde(default)]
    deleting: bool,
    version: u64,
    created_at: String,
    updated_at: String,
    created_by: String,
    updated_by: String,
}

fn tag_of(item: Item) -> StoreResult<Tag> {
    let r: TagRecord = from_item(item).map_err(StoreError::internal)?;
    Ok(Tag {
        id: TagId::parse(&r.id).ok_or_else(|| StoreError::internal("a tag item's id"))?,
        name: Text::from_stored(r.name),
        colour: r.colour,
        deleting: r.deleting,
        audit: Audit {
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            created_by: r.created_by,
            updated_by: r.updated_by,
        },
    })
}

fn tag_item(tenant: &TenantId, tag: &Tag) -> Item {
    let mut item = Store::key(keys::tenant_pk(tenant), keys::tag_sk(tag.id));
    let a = &tag.audit;
    let texts = [
        ("entity", "tag"),
        ("id", &tag.id.to_string()),
        ("name", tag.name.as_str()),
        ("created_at", &a.created_at),
        ("updated_at", &a.updated_at),
        ("created_by", &a.created_by),
        ("updated_by", &a.updated_by),
    ];
    item.extend(texts.iter().map(|(name, value)| ((*name).to_owned(), s(*value))));
    if let Some(colour) = &tag.colour {
        item.insert("colour".into(), s(colour));
    }
    if tag.deleting {
        item.insert("deleting".into(), aws_sdk_dynamodb::types::AttributeValue::Bool(true));
    }
    item.insert("version".into(), n(a.version));
    item
}

fn claim_key(tenant: &TenantId, name_key: &str) -> Item {
    Store::key(keys::tag_name_pk(tenant, name_key), keys::TAG_NAME_SK)
}

/// The claim of `tag`'s name, naming it.
fn claim_item(tenant: &TenantId, tag: &Tag) -> Item {
    let mut claim = claim_key(tenant, &tag.name_key());
    claim.insert("entity".into(), s("tag_name"));
    claim.insert("tag_id".into(), s(tag.id.to_string()));
    claim
}

impl Store {
    pub(crate) fn tag_key(tenant: &TenantId, id: TagId) -> Item {
        Self::key(keys::tenant_pk(tenant), keys::tag_sk(id))
    }

    /// Writes a new tag with the claim of its name: 409 `tag-name-taken` when the tenant has a
    /// tag of that name.
    pub async fn create_tag(&self, tenant: &TenantId, tag: &Tag) -> StoreResult<()> {
        let items = vec![self.put_new(tag_item(tenant, tag))?, self.put_new(claim_item(tenant, tag))?];
        match self.transact(items).await? {
            TxOutcome::Committed => Ok(()),
            TxOutcome::Conflict => Err(StoreError::Contention),
            TxOutcome::Cancelled(r) if r.get(1).is_some_and(|r| r.failed_condition()) => {
                Err(DomainError::TagNameTaken.into())
            }
            TxOutcome::Cancelled(r) => Err(StoreError::internal(format!("create-tag cancelled: {r:?}"))),
        }
    }

    /// The tag `id` of the tenant (404 when there is none).
    pub async fn get_tag(&self, tenant: &TenantId, id: TagId) -> StoreResult<Tag> {
        tag_of(self.get(Self::tag_key(tenant, id)).await?.ok_or(DomainError::NotFound("tag"))?)
    }

    /// A page of the tenant's tags, in id (creation) order.
    pub async fn list_tags(
        &self,
        tenant: &TenantId,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<Tag>> {
        let pk = keys::tenant_pk(tenant);
        let page = self.partition_page((&pk, Some(keys::TAG_SK_PREFIX)), limit, after, true).await?;
        let items = page.items.into_iter().map(tag_of).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page { items, last_sort_key: page.last_sort_key })
    }

    /// The tags of these ids (one `BatchGetItem`), by id; an id of no tag is left out.
    pub(crate) async fn tags_by_id(&self, tenant: &TenantId, ids: &[TagId]) -> StoreResult<Vec<Tag>> {
        let keys = ids.iter().map(|id| Self::tag_key(tenant, *id)).collect();
        let mut tags =
            self.batch_get(keys).await?.into_iter().map(tag_of).collect::<StoreResult<Vec<_>>>()?;
        tags.sort_by_key(|t| t.id);
        Ok(tags)
    }

    /// Every tag of the tenant, a page of 100 at a time.
    pub async fn all_tags(&self, tenant: &TenantId) -> StoreResult<Vec<Tag>> {
        let (mut all, mut after) = (Vec::new(), None);
        loop {
            let page = self.list_tags(tenant, 100, after).await?;
            all.extend(page.items);
            match page.last_sort_key {
                Some(sk) => after = Some(sk),
                None => return Ok(all),
            }
        }
    }

    /// Replaces the tag `read` with `next` if it is still at `read`'s version, moving the name's
    /// claim when the name changed: `Ok(false)` when the tag changed or went since, 409
    /// `tag-name-taken` when another tag holds the new name.
    pub async fn put_tag(&self, tenant: &TenantId, read: &Tag, next: &Tag) -> StoreResult<bool> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(tag_item(tenant, next)))
            .condition_expression("version = :read AND attribute_not_exists(deleting)")
            .expression_attribute_values(":read", n(read.audit.version))
            .build()
            .map_err(StoreError::internal)?;
        let mut items = vec![TransactWriteItem::builder().put(put).build()];
        if read.name_key() != next.name_key() {
            items.push(self.put_new(claim_item(tenant, next))?);
            items.push(self.claim_delete(tenant, read)?);
        }
        match self.transact(items).await? {
            TxOutcome::Committed => Ok(true),
            TxOutcome::Conflict => Ok(false),
            TxOutcome::Cancelled(r) if r.first().is_some_and(|r| r.failed_condition()) => Ok(false),
            TxOutcome::Cancelled(r) if r.get(1).is_some_and(|r| r.failed_condition()) => {
                Err(DomainError::TagNameTaken.into())
            }
            TxOutcome::Cancelled(r) => Err(StoreError::internal(format!("update-tag cancelled: {r:?}"))),
        }
    }

    /// The delete of `tag`'s name claim, if the claim is still its own.
    fn claim_delete(&self, tenant: &TenantId, tag: &Tag) -> StoreResult<TransactWriteItem> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(claim_key(tenant, &tag.name_key())))
            .condition_expression("tag_id = :id")
            .expression_attribute_values(":id", s(tag.id.to_string()))
            .build()
            .map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// Marks the tag as being deleted (no contact takes it from then on) and returns it; a tag
    /// marked already is returned as it is.
    pub(crate) async fn mark_tag_deleting(&self, tenant: &TenantId, id: TagId) -> StoreResult<Tag> {
        let out = self
            .db
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::tag_key(tenant, id)))
            .update_expression("SET deleting = :yes")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":yes", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await
            .map_err(|e| e.into_service_error());
        match out {
            Ok(out) => tag_of(out.attributes.unwrap_or_default()),
            Err(e) if e.is_conditional_check_failed_exception() => Err(DomainError::NotFound("tag").into()),
            Err(e) => Err(StoreError::failed("UpdateItem", e)),
        }
    }

    /// Deletes a tag being deleted and its name's claim, once no contact carries it.
    pub(crate) async fn finish_tag_delete(&self, tenant: &TenantId, tag: &Tag) -> StoreResult<()> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(Self::tag_key(tenant, tag.id)))
            .condition_expression("deleting = :yes")
            .expression_attribute_values(":yes", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
            .build()
            .map_err(StoreError::internal)?;
        let items =
            vec![TransactWriteItem::builder().delete(delete).build(), self.claim_delete(tenant, tag)?];
        match self.transact(items).await? {
            TxOutcome::Committed => Ok(()),
            TxOutcome::Conflict => Err(StoreError::Contention),
            // Finished by another request meanwhile.
            TxOutcome::Cancelled(r) if r.first().is_some_and(|r| r.failed_condition()) => Ok(()),
            TxOutcome::Cancelled(r) => Err(StoreError::internal(format!("delete-tag cancelled: {r:?}"))),
        }
    }

    /// The check, for a transaction that tags a contact, that the tag exists and is not being
    /// deleted.
    pub(crate) fn tag_usable(&self, tenant: &TenantId, id: TagId) -> StoreResult<TransactWriteItem> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(Self::tag_key(tenant, id)))
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(deleting)")
            .return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
            )
            .build()
            .map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }
}
