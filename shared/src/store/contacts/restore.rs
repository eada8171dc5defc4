//! Restoring an archived contact (`archive`): its item back from the archived one, in one
//! transaction with its client's counts and primary, its index items, and a check that each of
//! its tag memberships is still there.

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};

use super::archive::archived_of;
use super::delete::at_version;
use super::primary::{client_contacts, PrimaryWrite};
use super::{built, key_of, n, s, Outcome, Plan, Role};
use crate::domain::archive::not_archived;
use crate::domain::primary;
use crate::domain::{ClientId, Contact, ContactId, DomainError, Stamp, TagId, TenantId};
use crate::store::deletions::{MoveRecord, Relocation};
use crate::store::error::{StoreError, StoreResult};
use crate::store::items::{audit_attrs, contact_of_item, ClientRecord};
use crate::store::retry::{retry_planned, Attempt};
use crate::store::tx::Item;
use crate::store::{keys, Store};

/// What an archived item holds that a contact's does not.
const ARCHIVE_ONLY: &[&str] = &["archived_at", "archived_by", "purge_at", "GSI1PK", "GSI1SK"];

impl Store {
    /// Restores archived contact `id` of `client` as it was archived, but for its portal access
    /// (which a new invitation gives back), its line-manager links (cut) and the tags deleted
    /// meanwhile. It is primary when its client has no other contact, as a new contact is.
    pub async fn restore_contact(
        &self,
        tenant: &TenantId,
        (client, id): (ClientId, ContactId),
        if_match: Option<u64>,
        stamp: &Stamp,
    ) -> StoreResult<Contact> {
        retry_planned(move || async move {
            let item = self.get(Self::archived_key(tenant, client, id)).await?.ok_or_else(not_archived)?;
            let archived = archived_of(item.clone())?.contact;
            if if_match.is_some_and(|v| v != archived.audit.version) {
                return Err(StoreError::PreconditionFailed);
            }
            let owner =
                self.get(Self::client_key(tenant, client)).await?.ok_or(DomainError::NotFound("client"))?;
            let known = client_contacts(&ClientRecord::from_item(owner)?.into_client()?)?;
            let decision = primary::on_add(Some(known), false);
            let members = self.member_items(tenant, (client, id), &archived.tag_ids).await?;
            let tags: Vec<TagId> = members.iter().filter_map(member_tag).collect();
            let restored = restored_item(tenant, &item, &archived, decision.is_primary(), &tags, stamp);
            let contact = contact_of_item(restored.clone())?;
            let mut plan = Plan::new();
            plan.push(
                Role::Contact,
                self.versioned_delete(Self::archived_key(tenant, client, id), &archived)?,
            );
            plan.push(Role::Contact, self.put_new(restored)?);
            let portal = (archived.portal.status, archived.portal.status);
            let kind = Relocation::Restore;
            let record = MoveRecord {
                kind,
                contact: id,
                version: archived.audit.version,
                from: client,
                to: client,
                portal,
                stamp,
            };
            plan.push(Role::Deletion, self.relocation_put(tenant, &record)?);
            let joining = PrimaryWrite::on_add(decision, id);
            plan.push(Role::Client, self.client_counts_update(tenant, client, (1, -1), joining, stamp)?);
            plan.push_index(self.index_writes(tenant, None, Some(&contact))?);
            for member in &members {
                plan.push(Role::TagMember, self.still_there(member)?);
            }
            match self.run_plan(plan, &[Role::Contact, Role::Client, Role::TagMember]).await? {
                Outcome::Committed => Ok(Attempt::Done(contact)),
                Outcome::Failed(Role::Contact, r) if if_match.is_some_and(|v| !at_version(&r, v)) => {
                    Err(StoreError::PreconditionFailed)
                }
                // Another contact added or archived meanwhile, a tag deleted: plan again.
                Outcome::Retry | Outcome::Failed(..) => Ok(Attempt::Retry),
            }
        })
        .await
    }

    /// The check that an item read is still there.
    fn still_there(&self, item: &Item) -> StoreResult<TransactWriteItem> {
        let key = key_of(item);
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression("attribute_exists(PK)")
            .build();
        Ok(TransactWriteItem::builder().condition_check(built(check)?).build())
    }
}

fn member_tag(member: &Item) -> Option<TagId> {
    TagId::parse(member.get("tag_id")?.as_s().ok()?)
}

/// The contact's item again, from its archived item: its index keys back, the primary flag its
/// client decides, its tags those whose member items are still there, a new version, and
/// `restored_at` (which tells the stream its insertion is no new contact).
fn restored_item(
    tenant: &TenantId,
    stored: &Item,
    archived: &Contact,
    is_primary: bool,
    tags: &[TagId],
    stamp: &Stamp,
) -> Item {
    let mut item = stored.clone();
    for name in ARCHIVE_ONLY {
        item.remove(*name);
    }
    let audit = archived.audit.next(stamp);
    item.insert(keys::SK.into(), s(keys::contact_sk(archived.id)));
    item.insert("entity".into(), s("contact"));
    item.insert("GSI2SK".into(), s(crate::domain::lookup::name_key(&archived.fields)));
    item.insert(keys::TENANT_CONTACTS.into(), s(keys::tenant_contacts_pk(tenant)));
    item.insert("is_primary".into(), AttributeValue::Bool(is_primary));
    audit_attrs(&mut item, &audit);
    item.insert("restored_at".into(), s(&stamp.at));
    match tags.is_empty() {
        true => {
            item.remove("tag_ids");
            item.insert("tag_count".into(), n(0));
        }
        false => {
            item.insert("tag_ids".into(), AttributeValue::Ss(tags.iter().map(|t| t.to_string()).collect()));
            item.insert("tag_count".into(), n(tags.len() as u64));
        }
    }
    item
}
