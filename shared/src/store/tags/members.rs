//! Which contacts carry a tag: the contact's item keeps `tag_count` and `tag_ids` (a string
//! set), and each tagged contact has a member item, `PK = TENANT#t#TAG#{tag}`, `SK = {client
//! id}#{contact id}`, written in the same transaction, so the two never disagree and a tag's
//! contacts are one query. Tagging neither moves the contact's version nor its `updated_at`, as
//! a project link does not. A deleted contact's member items go with its history (the
//! deletion's stream record, `change-events`).

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use futures_util::{stream, StreamExt, TryStreamExt};

use crate::domain::tag::MAX_TAGS_PER_CONTACT;
use crate::domain::{ClientId, Contact, ContactId, DomainError, Stamp, TagId, TenantId};
use crate::store::error::{StoreError, StoreResult};
use crate::store::retry::{retry_planned, Attempt};
use crate::store::tx::{Item, TxOutcome};
use crate::store::{key_of, keys, n, s, text_of, Page, Store, TenantContact};

/// How many contacts one `DELETE /tags/{id}` takes the tag from at most: one page of member
/// items, each a small transaction, run `REMOVALS_AT_ONCE` at a time, well within a request's
/// time. A bigger tag takes more requests; each goes on where the last stopped.
pub const REMOVALS_PER_CALL: i32 = 200;
const REMOVALS_AT_ONCE: usize = 8;

/// What one call of a tag's deletion did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagRemoval {
    pub removed: usize,
    /// Whether contacts may still carry the tag.
    pub more: bool,
}

fn tag_set(tag: TagId) -> AttributeValue {
    AttributeValue::Ss(vec![tag.to_string()])
}

/// Whether the contact image a refusal returned carries `tag`.
fn carries(old: &Item, tag: TagId) -> bool {
    old.get("tag_ids").and_then(|v| v.as_ss().ok()).is_some_and(|ids| ids.contains(&tag.to_string()))
}

impl Store {
    fn member_key(tenant: &TenantId, tag: TagId, (client, contact): (ClientId, ContactId)) -> Item {
        Self::key(keys::tag_members_pk(tenant, tag), keys::tag_member_sk(client, contact))
    }

    /// The member items of `contact` for `tags`, as stored (one `BatchGetItem`); a tag whose
    /// item is gone (its deletion took it) has none.
    pub(crate) async fn member_items(
        &self,
        tenant: &TenantId,
        contact: (ClientId, ContactId),
        tags: &[TagId],
    ) -> StoreResult<Vec<Item>> {
        self.batch_get(tags.iter().map(|tag| Self::member_key(tenant, *tag, contact)).collect()).await
    }

    /// The writes that take `members` (`member_items`) to the client `to`: each deleted, and put
    /// again under its new key naming the new client, as tagged when it was. Unconditional: the
    /// contact's own write in the same transaction decides.
    pub(crate) fn member_moves(&self, members: &[Item], to: ClientId) -> StoreResult<Vec<TransactWriteItem>> {
        let mut writes = Vec::new();
        for member in members {
            let key = key_of(member);
            let contact = text_of(member, "contact_id")
                .and_then(ContactId::parse)
                .ok_or_else(|| StoreError::internal("a member item without its contact"))?;
            let mut moved = member.clone();
            moved.insert(keys::SK.into(), s(keys::tag_member_sk(to, contact)));
            moved.insert("client_id".into(), s(to.to_string()));
            let delete = Delete::builder().table_name(&self.table).set_key(Some(key));
            writes.push(
                TransactWriteItem::builder().delete(delete.build().map_err(StoreError::internal)?).build(),
            );
            let put = Put::builder().table_name(&self.table).set_item(Some(moved));
            writes.push(TransactWriteItem::builder().put(put.build().map_err(StoreError::internal)?).build());
        }
        Ok(writes)
    }

    /// The writes that take a merged contact's `members` (`member_items`) to the `survivor`:
    /// each deleted on the condition that it is still there (a tag deleted meanwhile plans the
    /// merge again), and put again naming the survivor for the tags it `gains`.
    pub(crate) fn member_merges(
        &self,
        members: &[Item],
        survivor: ContactId,
        gains: &std::collections::BTreeSet<String>,
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let mut writes = Vec::new();
        for member in members {
            let key = key_of(member);
            let client = text_of(member, "client_id")
                .and_then(ClientId::parse)
                .ok_or_else(|| StoreError::internal("a member item without its client"))?;
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key))
                .condition_expression("attribute_exists(PK)");
            writes.push(
                TransactWriteItem::builder().delete(delete.build().map_err(StoreError::internal)?).build(),
            );
            if !text_of(member, "tag_id").is_some_and(|tag| gains.contains(tag)) {
                continue;
            }
            let mut merged = member.clone();
            merged.insert(keys::SK.into(), s(keys::tag_member_sk(client, survivor)));
            merged.insert("contact_id".into(), s(survivor.to_string()));
            let put = Put::builder().table_name(&self.table).set_item(Some(merged));
            writes.push(TransactWriteItem::builder().put(put.build().map_err(StoreError::internal)?).build());
        }
        Ok(writes)
    }

    /// The contact's side of a tagging (`delta` 1) or untagging (-1): its count and ids, on the
    /// condition that it exists and, tagging, lacks the tag and has room; untagging, carries
    /// it. On failure its old image tells which.
    fn tag_count_update(
        &self,
        tenant: &TenantId,
        contact: (ClientId, ContactId),
        tag: TagId,
        delta: i64,
    ) -> StoreResult<TransactWriteItem> {
        let (expression, condition) = match delta > 0 {
            true => (
                "ADD tag_ids :tag, tag_count :delta",
                "attribute_exists(PK) AND NOT contains(tag_ids, :id) \
                 AND (attribute_not_exists(tag_count) OR tag_count < :max)",
            ),
            false => (
                "DELETE tag_ids :tag ADD tag_count :delta",
                "attribute_exists(PK) AND contains(tag_ids, :id)",
            ),
        };
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(Self::contact_key(tenant, contact.0, contact.1)))
            .update_expression(expression)
            .condition_expression(condition)
            .expression_attribute_values(":tag", tag_set(tag))
            .expression_attribute_values(":delta", AttributeValue::N(delta.to_string()))
            .expression_attribute_values(":id", s(tag.to_string()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if delta > 0 {
            update = update.expression_attribute_values(":max", n(MAX_TAGS_PER_CONTACT));
        }
        Ok(TransactWriteItem::builder().update(update.build().map_err(StoreError::internal)?).build())
    }

    fn member_delete(
        &self,
        tenant: &TenantId,
        tag: TagId,
        contact: (ClientId, ContactId),
    ) -> StoreResult<TransactWriteItem> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(Self::member_key(tenant, tag, contact)))
            .condition_expression("attribute_exists(PK)")
            .build()
            .map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// Tags the contact, in one transaction with the check that the tag is usable; a contact
    /// that carries the tag already is left as it is.
    pub async fn tag_contact(
        &self,
        tenant: &TenantId,
        contact: (ClientId, ContactId),
        tag: TagId,
        stamp: &Stamp,
    ) -> StoreResult<()> {
        let mut member = Self::member_key(tenant, tag, contact);
        let attrs = [
            ("entity", "tag_member".to_owned()),
            ("tag_id", tag.to_string()),
            ("client_id", contact.0.to_string()),
            ("contact_id", contact.1.to_string()),
            ("tagged_at", stamp.at.clone()),
            ("tagged_by", stamp.by.clone()),
        ];
        member.extend(attrs.into_iter().map(|(name, value)| (name.to_owned(), s(value))));
        let member = &member;
        retry_planned(move || async move {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(member.clone()))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map_err(StoreError::internal)?;
            let items = vec![
                self.tag_usable(tenant, tag)?,
                self.tag_count_update(tenant, contact, tag, 1)?,
                TransactWriteItem::builder().put(put).build(),
            ];
            let reasons = match self.transact(items).await? {
                TxOutcome::Committed => return Ok(Attempt::Done(())),
                TxOutcome::Conflict => return Ok(Attempt::Retry),
                TxOutcome::Cancelled(reasons) => reasons,
            };
            let failed = |i: usize| reasons.get(i).filter(|r| r.failed_condition());
            match (failed(1).map(|r| r.old.as_ref()), failed(0).map(|r| r.old.as_ref())) {
                (Some(None), _) => Err(DomainError::NotFound("contact").into()),
                (Some(Some(old)), _) if carries(old, tag) => Ok(Attempt::Done(())),
                (_, Some(None)) => Err(DomainError::NotFound("tag").into()),
                (_, Some(Some(_))) => Err(DomainError::TagBeingDeleted.into()),
                (Some(Some(_)), None) => Err(DomainError::TooManyTags(MAX_TAGS_PER_CONTACT).into()),
                (None, None) => Err(StoreError::internal(format!("tag-contact cancelled: {reasons:?}"))),
            }
        })
        .await
    }

    /// Takes the tag from the contact, in one transaction; a contact without it is left as it
    /// is. Not found when there is no such contact.
    pub async fn untag_contact(
        &self,
        tenant: &TenantId,
        contact: (ClientId, ContactId),
        tag: TagId,
    ) -> StoreResult<()> {
        retry_planned(move || async move {
            let items = vec![
                self.tag_count_update(tenant, contact, tag, -1)?,
                self.member_delete(tenant, tag, contact)?,
            ];
            match self.transact(items).await? {
                TxOutcome::Committed => Ok(Attempt::Done(())),
                TxOutcome::Conflict => Ok(Attempt::Retry),
                TxOutcome::Cancelled(r) => match r.first().filter(|r| r.failed_condition()).map(|r| &r.old) {
                    Some(None) => Err(DomainError::NotFound("contact").into()),
                    Some(Some(_)) => Ok(Attempt::Done(())),
                    None => Err(StoreError::internal(format!("untag-contact cancelled: {r:?}"))),
                },
            }
        })
        .await
    }

    /// Takes a tag being deleted from up to `REMOVALS_PER_CALL` of its contacts.
    pub(crate) async fn remove_tag_members(&self, tenant: &TenantId, tag: TagId) -> StoreResult<TagRemoval> {
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(keys::tag_members_pk(tenant, tag)))
            .consistent_read(true)
            .limit(REMOVALS_PER_CALL)
            .send()
            .await
            .map_err(|e| StoreError::failed("Query", e.into_service_error()))?;
        let members = out.items().iter().map(member_of).collect::<StoreResult<Vec<_>>>()?;
        let removed = members.len();
        stream::iter(members)
            .map(|contact| self.remove_member(tenant, tag, contact))
            .buffer_unordered(REMOVALS_AT_ONCE)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(TagRemoval { removed, more: out.last_evaluated_key().is_some() })
    }

    /// Takes the tag from one contact; a contact deleted meanwhile (its history and member
    /// items not yet erased) loses its member item alone.
    async fn remove_member(
        &self,
        tenant: &TenantId,
        tag: TagId,
        contact: (ClientId, ContactId),
    ) -> StoreResult<()> {
        retry_planned(move || async move {
            let items = vec![
                self.tag_count_update(tenant, contact, tag, -1)?,
                self.member_delete(tenant, tag, contact)?,
            ];
            let items = match self.transact(items).await? {
                TxOutcome::Committed => return Ok(Attempt::Done(())),
                TxOutcome::Conflict => return Ok(Attempt::Retry),
                TxOutcome::Cancelled(r) if r.get(1).is_some_and(|r| r.failed_condition()) => {
                    // Removed by another call meanwhile.
                    return Ok(Attempt::Done(()));
                }
                TxOutcome::Cancelled(_) => vec![self.member_delete(tenant, tag, contact)?],
            };
            match self.transact(items).await? {
                TxOutcome::Committed | TxOutcome::Cancelled(_) => Ok(Attempt::Done(())),
                TxOutcome::Conflict => Ok(Attempt::Retry),
            }
        })
        .await
    }

    /// Erases the member items of a deleted contact (its tags as its last image held them), 25
    /// at a time. Safe to repeat.
    pub async fn erase_tag_members(
        &self,
        tenant: &TenantId,
        contact: (ClientId, ContactId),
        tags: &[TagId],
    ) -> StoreResult<()> {
        for chunk in tags.chunks(25) {
            self.delete_keys(chunk.iter().map(|tag| Self::member_key(tenant, *tag, contact)).collect())
                .await?;
        }
        Ok(())
    }

    /// A page of the client's contacts carrying the tag, by contact id: a query of the tag's
    /// member items under the client, then one `BatchGetItem` of their contacts.
    pub(crate) async fn client_tag_page(
        &self,
        tenant: &TenantId,
        (client, tag): (ClientId, TagId),
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<Contact>> {
        let (pk, prefix) = (keys::tag_members_pk(tenant, tag), format!("{client}#"));
        let page = self.partition_page((&pk, Some(&prefix)), limit, after, true).await?;
        Ok(Page {
            items: self.contacts_of_members(tenant, &page.items).await?,
            last_sort_key: page.last_sort_key,
        })
    }

    /// The contacts member items name, by client then contact id; one that is gone (deleted,
    /// its member items not yet erased) is left out.
    async fn contacts_of_members(&self, tenant: &TenantId, members: &[Item]) -> StoreResult<Vec<Contact>> {
        let members = members.iter().map(member_of).collect::<StoreResult<Vec<_>>>()?;
        self.contacts_at(tenant, members).await
    }

    /// A page of the tag's contacts, by client then contact id, each with its client's name:
    /// a query of its member items, then one `BatchGetItem` of their contacts.
    pub async fn tag_contacts(
        &self,
        tenant: &TenantId,
        tag: TagId,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<TenantContact>> {
        let pk = keys::tag_members_pk(tenant, tag);
        let page = self.partition_page((&pk, None), limit, after, true).await?;
        let contacts = self.contacts_of_members(tenant, &page.items).await?;
        Ok(Page { items: self.with_client_names(tenant, contacts).await?, last_sort_key: page.last_sort_key })
    }
}

/// The contact a member item names.
fn member_of(item: &Item) -> StoreResult<(ClientId, ContactId)> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
    let corrupt = || StoreError::internal("a tag member item's ids");
    let client = text("client_id").and_then(|c| ClientId::parse(c)).ok_or_else(corrupt)?;
    Ok((client, text("contact_id").and_then(|c| ContactId::parse(c)).ok_or_else(corrupt)?))
}
