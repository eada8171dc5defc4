//! Moving a contact to another client of its tenant, in one transaction: its item leaves the
//! old client's partition for the new one's (the key holds the client), with its email claim,
//! index items and tag memberships re-pointed, both clients' counts and primaries, its project
//! links and line-manager links cut, and a move record (`store::deletions`) that tells the
//! stream this removal from a deletion. `domain::moving` decides what goes and what stays.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};

use super::delete::{at_version, primary_refused, Leaving};
use super::primary::{client_contacts, PrimaryWrite};
use super::{built, key_of, s, Outcome, Plan, Role};
use crate::domain::moving::{check_size, check_target, portal_after_leaving, unknown_target};
use crate::domain::primary::{self, ClientContacts};
use crate::domain::{ClientId, Contact, ContactId, ProjectId, Stamp, TenantId};
use crate::store::deletions::{MoveRecord, Relocation};
use crate::store::error::{StoreError, StoreResult};
use crate::store::items::{audit_attrs, ClientRecord, ContactRecord};
use crate::store::keys;
use crate::store::retry::{retry_planned, Attempt};
use crate::store::tx::Item;
use crate::store::Store;

/// What a contact's item loses when it moves: what belonged to the old client (its manager,
/// reports, project links) and its portal access there (a pending invitation's hash, the
/// support-expiry sweep's index keys and the reminder it sent).
const LEFT_BEHIND: &[&str] = &[
    "line_manager_id",
    "report_count",
    "report_ids",
    "project_count",
    "project_ids",
    "invite_hash",
    "GSI1PK",
    "GSI1SK",
    "reminded_for",
];

/// Attributes other writes may add to a contact's item without a new version (tagging, project
/// and report links, SES's feedback, invitations, the sweep). The move copies the item as read,
/// so its removal requires each of these to be as read: absent ones still absent.
const WRITTEN_WITHOUT_VERSION: &[&str] = &[
    "tag_count",
    "tag_ids",
    "project_count",
    "project_ids",
    "report_count",
    "report_ids",
    "email_status",
    "email_status_at",
    "email_status_reason",
    "invite_hash",
    "invited_at",
    "activated_at",
    "reminded_for",
    "GSI1PK",
    "GSI1SK",
];

/// A contact moved, and the links the move cut.
#[derive(Debug, Clone)]
pub struct Moved {
    pub contact: Contact,
    /// The contact as it was, under the old client.
    pub before: Contact,
    pub unlinked_projects: Vec<ProjectId>,
    pub former_line_manager: Option<ContactId>,
    pub former_reports: Vec<ContactId>,
}

/// What a move reads before planning.
struct Read {
    item: Item,
    current: Contact,
    projects: Vec<ProjectId>,
    reports: Vec<ContactId>,
    target: ClientContacts,
    members: Vec<Item>,
}

impl Store {
    /// Moves contact `id` of client `from` to client `to` of the same tenant (see the module).
    pub async fn move_contact(
        &self,
        tenant: &TenantId,
        (from, id): (ClientId, ContactId),
        to: ClientId,
        if_match: Option<u64>,
        stamp: &Stamp,
    ) -> StoreResult<Moved> {
        check_target(from, to)?;
        retry_planned(move || async move {
            let read = self.move_read(tenant, (from, id), to, if_match).await?;
            let (plan, moved) = self.move_plan(tenant, &read, to, stamp)?;
            check_size(plan.items.len())?;
            const PRECEDENCE: [Role; 6] = [
                Role::Contact,
                Role::Client,
                Role::Target,
                Role::OldEmailClaim,
                Role::Report,
                Role::OldManager,
            ];
            match self.run_plan(plan, &PRECEDENCE).await? {
                Outcome::Committed => Ok(Attempt::Done(Moved {
                    contact: moved,
                    unlinked_projects: read.projects,
                    former_line_manager: read.current.fields.line_manager_id,
                    former_reports: read.reports,
                    before: read.current,
                })),
                // A write that moves no version (a tag, SES's feedback) plans it again: only
                // another version makes the caller's `If-Match` stale.
                Outcome::Failed(Role::Contact, r) if if_match.is_some_and(|v| !at_version(&r, v)) => {
                    Err(StoreError::PreconditionFailed)
                }
                Outcome::Failed(Role::Client, r) if read.current.is_primary => primary_refused(r),
                Outcome::Failed(Role::Target, r) if r.old.is_none() => Err(unknown_target().into()),
                Outcome::Retry | Outcome::Failed(..) => Ok(Attempt::Retry),
            }
        })
        .await
    }

    /// The contact as stored, its links, its tag memberships and the target client's contacts.
    async fn move_read(
        &self,
        tenant: &TenantId,
        (from, id): (ClientId, ContactId),
        to: ClientId,
        if_match: Option<u64>,
    ) -> StoreResult<Read> {
        let Leaving { item, current, projects, reports, .. } =
            self.leaving(tenant, (from, id), if_match).await?;
        let target = self.get(Self::client_key(tenant, to)).await?.ok_or_else(unknown_target)?;
        let target = client_contacts(&ClientRecord::from_item(target)?.into_client()?)?;
        let members = self.member_items(tenant, (from, id), &current.tag_ids).await?;
        Ok(Read { item, current, projects, reports, target, members })
    }

    /// The move's transaction, and the contact as it will be stored.
    fn move_plan(
        &self,
        tenant: &TenantId,
        read: &Read,
        to: ClientId,
        stamp: &Stamp,
    ) -> StoreResult<(Plan, Contact)> {
        let current = &read.current;
        let (from, id) = (current.client_id, current.id);
        let arriving = primary::on_add(Some(read.target), false);
        let item = moved_item(tenant, &read.item, to, arriving.is_primary(), current, stamp);
        let moved = ContactRecord::from_item(item.clone())?.into_contact()?;
        let mut plan = Plan::new();
        plan.push(Role::Contact, self.unchanged_delete(&read.item)?);
        plan.push(Role::Contact, self.put_new(item)?);
        let portal = (current.portal.status, moved.portal.status);
        let record = MoveRecord {
            kind: Relocation::Move,
            contact: id,
            version: current.audit.version,
            from,
            to,
            portal,
            stamp,
        };
        plan.push(Role::Deletion, self.relocation_put(tenant, &record)?);
        let leaving = PrimaryWrite::on_leave(primary::on_delete(current.is_primary), id);
        plan.push(Role::Client, self.client_contacts_update(tenant, from, -1, leaving, stamp)?);
        let arriving = PrimaryWrite::on_add(arriving, id);
        plan.push(Role::Target, self.client_contacts_update(tenant, to, 1, arriving, stamp)?);
        if let Some(email) = &current.fields.email {
            plan.push(Role::OldEmailClaim, self.move_claim(tenant, email, id, &moved)?);
        }
        plan.push_index(self.index_moves(tenant, current, &moved)?);
        plan.push_index(self.member_moves(&read.members, to)?);
        self.push_unlinks(&mut plan, tenant, current, &read.reports, stamp)?;
        for delete in self.link_deletes(tenant, current, &read.projects)? {
            plan.push(Role::ProjectLink, delete);
        }
        Ok((plan, moved))
    }

    /// The removal of a contact's item on the condition that it is exactly as read (see
    /// `WRITTEN_WITHOUT_VERSION`); a refusal returns it as it is now.
    pub(super) fn unchanged_delete(&self, item: &Item) -> StoreResult<TransactWriteItem> {
        let (condition, names, values) = unchanged(item);
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key_of(item)))
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build();
        Ok(TransactWriteItem::builder().delete(built(delete)?).build())
    }

    /// The replacement of a contact's item `read` by `new` on the same condition (a merge
    /// writes each contact it touches whole).
    pub(super) fn unchanged_put(&self, read: &Item, new: Item) -> StoreResult<TransactWriteItem> {
        let (condition, names, values) = unchanged(read);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(new))
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build();
        Ok(TransactWriteItem::builder().put(built(put)?).build())
    }
}

type Names = HashMap<String, String>;
type Values = HashMap<String, AttributeValue>;

/// The condition that an item is exactly as `item` was read: each attribute equal, and each
/// attribute other writes add without a new version still absent if it was.
fn unchanged(item: &Item) -> (String, Names, Values) {
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    let mut conditions = Vec::new();
    for (i, (name, value)) in
        item.iter().filter(|(name, _)| *name != keys::PK && *name != keys::SK).enumerate()
    {
        names.insert(format!("#a{i}"), name.clone());
        values.insert(format!(":a{i}"), value.clone());
        conditions.push(format!("#a{i} = :a{i}"));
    }
    for (i, name) in WRITTEN_WITHOUT_VERSION.iter().filter(|name| !item.contains_key(**name)).enumerate() {
        names.insert(format!("#n{i}"), (*name).to_owned());
        conditions.push(format!("attribute_not_exists(#n{i})"));
    }
    (conditions.join(" AND "), names, values)
}

/// The contact's item under client `to`: as stored, less what it leaves behind, with its portal
/// access as the move leaves it, the primary flag the new client decides, a new version, and the
/// client it came from (`moved_from`, which tells the stream its insertion is no new contact).
fn moved_item(
    tenant: &TenantId,
    stored: &Item,
    to: ClientId,
    is_primary: bool,
    current: &Contact,
    stamp: &Stamp,
) -> Item {
    let mut item = stored.clone();
    for name in LEFT_BEHIND {
        item.remove(*name);
    }
    let audit = current.audit.next(stamp);
    let status = portal_after_leaving(current.portal.status);
    item.insert(keys::PK.into(), s(keys::contacts_pk(tenant, to)));
    item.insert("client_id".into(), s(to.to_string()));
    item.insert("moved_from".into(), s(current.client_id.to_string()));
    item.insert("is_primary".into(), AttributeValue::Bool(is_primary));
    item.insert("portal_status".into(), s(status.as_str()));
    audit_attrs(&mut item, &audit);
    item
}
