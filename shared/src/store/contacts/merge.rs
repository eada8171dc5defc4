//! Merging one contact into another of its client (`domain::merge`), in one transaction: the
//! survivor's item written whole with the chosen fields and both contacts' tags, projects and
//! reports; the merged contact's item removed exactly as read, with its index items, its tag
//! memberships and project links re-pointed or dropped, its address claim released (or handed
//! to the survivor when its address wins); its reports pointed at the survivor; the client's
//! count and primary; and a merge record (`store::deletions`), from which `change-events`
//! publishes `contact.merged` and tells the removal from a deletion. Its history follows after
//! (`merge_history`), finished from the record if cut short. Nobody sees a half-merged pair:
//! before the commit both are as they were, after it one is gone and the other has it all.

use std::collections::{BTreeSet, HashMap};

use super::delete::{at_version, stamp_epoch, Leaving};
use super::merge_items::{
    check_limits, put_sweep_index, relinked_item, set_of, survivor_item, SurvivorParts,
};
use super::primary::PrimaryWrite;
use super::{text_of, Outcome, Plan, Role};
use crate::domain::merge::{merge_fields, relink, unknown_contact, MergeRequest, Relinks};
use crate::domain::moving::MAX_TRANSACTION_ITEMS;
use crate::domain::{
    Contact, ContactFields, ContactId, DomainError, Email, ProjectId, Stamp, TagId, TenantId,
};
use crate::store::deletions::{MoveRecord, Relocation};
use crate::store::error::{StoreError, StoreResult};
use crate::store::items::contact_of_item;
use crate::store::retry::{retry_planned, Attempt};
use crate::store::tx::Item;
use crate::store::Store;

/// A merge done (or, on a dry run, planned): the survivor before and after, the merged
/// contact as it was, and what the survivor gained from it.
#[derive(Debug, Clone)]
pub struct MergeOutcome {
    pub contact: Contact,
    pub before: Contact,
    pub merged: Contact,
    pub tag_ids: Vec<TagId>,
    pub project_ids: Vec<ProjectId>,
    pub report_ids: Vec<ContactId>,
}

/// What a merge reads before planning: both contacts as leaving reads them, the merged one's
/// tag memberships, and every other contact whose links the merge moves.
struct Read {
    survivor: Leaving,
    merged: Leaving,
    /// The survivor's fields as merged.
    fields: ContactFields,
    members: Vec<Item>,
    /// The tags the survivor takes: the merged contact's it lacks, of those not being deleted
    /// (tagging refuses those).
    gained_tags: BTreeSet<String>,
    others: HashMap<ContactId, (Item, Contact)>,
}

impl Store {
    /// Merges `request.merged` into `request.survivor` (see the module); a dry run plans it and
    /// writes nothing.
    pub async fn merge_contacts(
        &self,
        tenant: &TenantId,
        request: &MergeRequest,
        stamp: &Stamp,
    ) -> StoreResult<MergeOutcome> {
        retry_planned(move || async move {
            let read = self.merge_read(tenant, request).await?;
            let relinks = relinks_of(&read);
            let (plan, outcome) = self.merge_plan(tenant, request, &read, &relinks, stamp)?;
            if plan.items.len() > MAX_TRANSACTION_ITEMS {
                return Err(DomainError::MergeTooLarge(plan.items.len()).into());
            }
            if request.dry_run {
                return Ok(Attempt::Done(outcome));
            }
            // Either contact's refusal decides a stale version; any other item's (a report edited,
            // a link made, a tag deleted meanwhile) plans the merge again.
            const PRECEDENCE: [Role; 8] = [
                Role::Contact,
                Role::Merged,
                Role::Client,
                Role::Report,
                Role::TagMember,
                Role::ProjectLink,
                Role::OldEmailClaim,
                Role::Idempotency,
            ];
            let stale = |v: Option<u64>, r: &crate::store::tx::Reason| v.is_some_and(|v| !at_version(r, v));
            match self.run_plan(plan, &PRECEDENCE).await? {
                Outcome::Committed => {
                    if let Some(record) = read.merged.created_by.filter(|r| !r.live_at(stamp_epoch(stamp))) {
                        self.erase_expired_idempotency(&record).await?;
                    }
                    Ok(Attempt::Done(outcome))
                }
                Outcome::Failed(Role::Contact, r) if stale(request.survivor_version, &r) => {
                    Err(StoreError::PreconditionFailed)
                }
                Outcome::Failed(Role::Merged, r) if stale(request.merged_version, &r) => {
                    Err(StoreError::PreconditionFailed)
                }
                // Either contact, a link or the client changed since the read.
                Outcome::Retry | Outcome::Failed(..) => Ok(Attempt::Retry),
            }
        })
        .await
    }

    /// Both contacts (a contact the body names that is not the client's is 422 naming it),
    /// the merged one's tag memberships, and the contacts whose links move.
    async fn merge_read(&self, tenant: &TenantId, request: &MergeRequest) -> StoreResult<Read> {
        let client = request.client;
        let side = |id, version, field| async move {
            match self.leaving(tenant, (client, id), version).await {
                Err(StoreError::Refused(DomainError::NotFound(_))) => Err(unknown_contact(field).into()),
                other => other,
            }
        };
        let survivor = side(request.survivor, request.survivor_version, "survivor_id").await?;
        let merged = side(request.merged, request.merged_version, "merged_id").await?;
        let members = self.member_items(tenant, (client, merged.current.id), &merged.current.tag_ids).await?;
        let gained_tags = self.usable_new_tags(tenant, &members, &survivor.item).await?;
        let fields = merge_fields(&survivor.current.fields, &merged.current.fields, request)?;
        let mut wanted: BTreeSet<ContactId> = merged.reports.iter().copied().collect();
        wanted.extend(survivor.current.fields.line_manager_id);
        wanted.extend(merged.current.fields.line_manager_id);
        wanted.extend(fields.line_manager_id);
        wanted.remove(&request.survivor);
        wanted.remove(&request.merged);
        let keys = wanted.iter().map(|id| Self::contact_key(tenant, client, *id)).collect();
        let mut others = HashMap::new();
        for item in self.batch_get(keys).await? {
            let contact = contact_of_item(item.clone())?;
            others.insert(contact.id, (item, contact));
        }
        if let Some(manager) = fields.line_manager_id.filter(|m| !others.contains_key(m)) {
            // The manager the survivor would have is gone: a new manager is refused as a
            // PATCH refuses it; one it had all along went meanwhile (read again).
            if survivor.current.fields.line_manager_id != Some(manager) {
                return Err(
                    DomainError::invalid("fields.line_manager_id", "no such contact of this client").into()
                );
            }
        }
        Ok(Read { survivor, merged, fields, members, gained_tags, others })
    }

    /// The merge's transaction, and the outcome it would have.
    fn merge_plan(
        &self,
        tenant: &TenantId,
        request: &MergeRequest,
        read: &Read,
        relinks: &Relinks,
        stamp: &Stamp,
    ) -> StoreResult<(Plan, MergeOutcome)> {
        let (s, x) = (&read.survivor.current, &read.merged.current);
        let (new_item, contact) = self.survivor_write(tenant, read, relinks, stamp)?;
        let mut plan = Plan::new();
        plan.push(Role::Contact, self.unchanged_put(&read.survivor.item, new_item)?);
        plan.push(Role::Merged, self.unchanged_delete(&read.merged.item)?);
        let record = MoveRecord {
            kind: Relocation::Merge { into: s.id },
            contact: x.id,
            version: x.audit.version,
            from: request.client,
            to: request.client,
            portal: (x.portal.status, x.portal.status),
            stamp,
        };
        plan.push(Role::Deletion, self.relocation_put(tenant, &record)?);
        let primary = match x.is_primary {
            true => PrimaryWrite::Moves { from: x.id, to: s.id },
            false => PrimaryWrite::Stays,
        };
        plan.push(Role::Client, self.client_contacts_update(tenant, request.client, -1, primary, stamp)?);
        self.push_claims(&mut plan, tenant, (s, x), &contact)?;
        plan.push_index(self.index_writes(tenant, Some(x), None)?);
        plan.push_index(self.index_writes(tenant, Some(s), Some(&contact))?);
        let (tag_ids, project_ids) = self.push_links(&mut plan, tenant, read, stamp)?;
        for (item, other) in read.others.values() {
            if relinks.repointed.contains(&other.id) || relinks.changes.contains_key(&other.id) {
                let new = relinked_item(item, other, relinks, s.id, stamp)?;
                plan.push(Role::Report, self.unchanged_put(item, new)?);
            }
        }
        if let Some(record) = read.merged.created_by.as_ref().filter(|r| r.live_at(stamp_epoch(stamp))) {
            plan.push(Role::Idempotency, self.idempotency_erase(record)?);
        }
        let (before, merged, report_ids) = (s.clone(), x.clone(), relinks.repointed.clone());
        Ok((plan, MergeOutcome { contact, before, merged, tag_ids, project_ids, report_ids }))
    }

    /// The survivor's item as the merge writes it, and the contact it holds: the merged
    /// fields, both contacts' tags, projects and reports, the primary role, the sweep's keys.
    fn survivor_write(
        &self,
        tenant: &TenantId,
        read: &Read,
        relinks: &Relinks,
        stamp: &Stamp,
    ) -> StoreResult<(Item, Contact)> {
        let (s, x) = (&read.survivor.current, &read.merged.current);
        let x_projects: BTreeSet<String> = read.merged.projects.iter().map(|p| p.to_string()).collect();
        // Its reports as read, not its item's ids, which an item from before they were kept
        // lacks: the write keeps them whole from now on.
        let mut reports: BTreeSet<String> = read.survivor.reports.iter().map(|r| r.to_string()).collect();
        if let Some((gains, losses)) = relinks.changes.get(&s.id) {
            reports.retain(|r| !losses.iter().any(|l| l.to_string() == *r));
            reports.extend(gains.iter().map(|g| g.to_string()));
        }
        let parts = SurvivorParts {
            fields: read.fields.clone(),
            is_primary: s.is_primary || x.is_primary,
            tags: set_of(&read.survivor.item, "tag_ids").union(&read.gained_tags).cloned().collect(),
            projects: set_of(&read.survivor.item, "project_ids").union(&x_projects).cloned().collect(),
            reports,
            merged_item: &read.merged.item,
        };
        check_limits(&parts)?;
        let mut item = survivor_item(&read.survivor.item, s, parts, stamp)?;
        // From the contact as stored, whose portal status a change of address may have ended.
        let contact = contact_of_item(item.clone())?;
        put_sweep_index(&mut item, self.sweep_index(tenant, &contact, read.survivor.reminded_for));
        Ok((item, contact))
    }

    /// The merged contact's tag memberships and project links handed to the survivor (or
    /// dropped where it has them); returns the tags and projects it gains.
    fn push_links(
        &self,
        plan: &mut Plan,
        tenant: &TenantId,
        read: &Read,
        stamp: &Stamp,
    ) -> StoreResult<(Vec<TagId>, Vec<ProjectId>)> {
        let (s, x) = (&read.survivor.current, &read.merged.current);
        for write in self.member_merges(&read.members, s.id, &read.gained_tags)? {
            plan.push(Role::TagMember, write);
        }
        // Each tag handed over is still usable when the merge lands (a deletion marked since
        // plans it again, without that tag).
        for tag in read.gained_tags.iter().filter_map(|t| TagId::parse(t)) {
            plan.push(Role::TagMember, self.tag_usable(tenant, tag)?);
        }
        for write in self.link_deletes(tenant, x, &read.merged.projects)? {
            plan.push(Role::ProjectLink, write);
        }
        let s_projects = set_of(&read.survivor.item, "project_ids");
        let gained: Vec<ProjectId> =
            read.merged.projects.iter().filter(|p| !s_projects.contains(&p.to_string())).cloned().collect();
        for project in &gained {
            plan.push(Role::ProjectLink, self.link_put(tenant, (s.client_id, s.id), project, stamp)?);
        }
        let tags = read.gained_tags.iter().filter_map(|t| TagId::parse(t)).collect();
        Ok((tags, gained))
    }

    /// The tags of the merged contact's `members` the `survivor` lacks whose tag is not being
    /// deleted (one `BatchGetItem` of the tags).
    async fn usable_new_tags(
        &self,
        tenant: &TenantId,
        members: &[Item],
        survivor: &Item,
    ) -> StoreResult<BTreeSet<String>> {
        let has = set_of(survivor, "tag_ids");
        let new: Vec<TagId> = members
            .iter()
            .filter_map(|m| text_of(m, "tag_id"))
            .filter(|t| !has.contains(*t))
            .filter_map(TagId::parse)
            .collect();
        let tags = self.batch_get(new.iter().map(|t| Self::tag_key(tenant, *t)).collect()).await?;
        let usable = tags.iter().filter(|t| !t.contains_key("deleting"));
        Ok(usable.filter_map(|t| text_of(t, "id").map(str::to_owned)).collect())
    }

    /// The address claims: the merged contact's handed to the survivor when its address wins,
    /// else released; the survivor's released when its address goes.
    fn push_claims(
        &self,
        plan: &mut Plan,
        tenant: &TenantId,
        (s, x): (&Contact, &Contact),
        after: &Contact,
    ) -> StoreResult<()> {
        let kept = after.fields.email.as_ref().map(Email::key);
        if let Some(email) = &x.fields.email {
            match kept.as_ref() == Some(&email.key()) {
                true => plan.push(Role::OldEmailClaim, self.move_claim(tenant, email, x.id, after)?),
                false => plan.push(Role::OldEmailClaim, self.release_email(tenant, email, x.id)?),
            }
        }
        if let Some(email) = s.fields.email.as_ref().filter(|e| kept.as_ref() != Some(&e.key())) {
            plan.push(Role::OldEmailClaim, self.release_email(tenant, email, s.id)?);
        }
        Ok(())
    }
}

/// The links the merge moves, from what was read.
fn relinks_of(read: &Read) -> Relinks {
    let (s, x) = (&read.survivor.current, &read.merged.current);
    let after = read.fields.line_manager_id;
    relink((s.id, x.id), (s.fields.line_manager_id, after), x.fields.line_manager_id, &read.merged.reports)
}
