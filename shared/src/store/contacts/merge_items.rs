//! The items a merge writes, built from the items it read (`merge`): the survivor as it will
//! be stored, and each other contact whose line-manager links the merge moves. Pure: from what
//! was read to what is written, each item whole, so one contact touched for two reasons (a
//! report of the merged contact that also manages the survivor) is one write.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::AttributeValue;

use super::reports::{too_many_reports, MAX_REPORTS};
use super::s;
use crate::domain::merge::Relinks;
use crate::domain::moving::portal_after_leaving;
use crate::domain::project::MAX_PROJECTS;
use crate::domain::tag::MAX_TAGS_PER_CONTACT;
use crate::domain::{Contact, ContactFields, ContactId, DomainError, Stamp};
use crate::store::error::StoreResult;
use crate::store::items::{audit_attrs, contact_editable_item, CONTACT_EDITABLE, EMAIL_STATUS_ATTRIBUTES};
use crate::store::tx::Item;

/// A string set attribute with `ids` and its count beside it; both absent when empty (a set
/// cannot be empty), as tagging and linking leave them.
pub(super) fn put_set(item: &mut Item, (set, count): (&str, &str), ids: &BTreeSet<String>) {
    item.remove(set);
    item.remove(count);
    if !ids.is_empty() {
        item.insert(set.into(), AttributeValue::Ss(ids.iter().cloned().collect()));
        item.insert(count.into(), AttributeValue::N(ids.len().to_string()));
    }
}

/// The ids in a string set attribute (none when absent).
pub(super) fn set_of(item: &Item, set: &str) -> BTreeSet<String> {
    item.get(set).and_then(|v| v.as_ss().ok()).map(|ids| ids.iter().cloned().collect()).unwrap_or_default()
}

/// What the survivor's item becomes besides its fields.
pub(super) struct SurvivorParts<'a> {
    pub fields: ContactFields,
    pub is_primary: bool,
    pub tags: BTreeSet<String>,
    pub projects: BTreeSet<String>,
    pub reports: BTreeSet<String>,
    /// The merged contact's item, whose address status comes along when its address wins.
    pub merged_item: &'a Item,
}

/// Refuses a survivor that would carry more tags, projects or reports than a contact may.
pub(super) fn check_limits(parts: &SurvivorParts<'_>) -> Result<(), DomainError> {
    if parts.tags.len() as u64 > MAX_TAGS_PER_CONTACT {
        return Err(DomainError::TooManyTags(MAX_TAGS_PER_CONTACT));
    }
    if parts.projects.len() as u64 > MAX_PROJECTS {
        return Err(DomainError::TooManyProjects(MAX_PROJECTS));
    }
    if parts.reports.len() as u64 > MAX_REPORTS {
        return Err(too_many_reports());
    }
    Ok(())
}

/// The survivor's item: as stored, with the merged fields, the unions of tags, projects and
/// reports, the primary role, a new version, and (when its address changes, as a PATCH does)
/// its portal access ended and the new address's delivery status.
pub(super) fn survivor_item(
    stored: &Item,
    current: &Contact,
    parts: SurvivorParts<'_>,
    stamp: &Stamp,
) -> StoreResult<Item> {
    let mut item = stored.clone();
    for name in CONTACT_EDITABLE {
        item.remove(*name);
    }
    item.extend(contact_editable_item(&parts.fields)?);
    let email_moves =
        current.fields.email.as_ref().map(|e| e.key()) != parts.fields.email.as_ref().map(|e| e.key());
    if email_moves {
        // Access granted to the old address ends, as when a contact leaves its client.
        let status = portal_after_leaving(current.portal.status);
        item.insert("portal_status".into(), s(status.as_str()));
        item.remove("invite_hash");
        // The status SES gave the address now held: the merged contact's, or none.
        let from_merged = parts.fields.email.is_some();
        for name in EMAIL_STATUS_ATTRIBUTES {
            item.remove(name);
            if let Some(value) = parts.merged_item.get(name).filter(|_| from_merged) {
                item.insert(name.into(), value.clone());
            }
        }
    }
    item.insert("is_primary".into(), AttributeValue::Bool(parts.is_primary));
    put_set(&mut item, ("tag_ids", "tag_count"), &parts.tags);
    put_set(&mut item, ("project_ids", "project_count"), &parts.projects);
    put_set(&mut item, ("report_ids", "report_count"), &parts.reports);
    audit_attrs(&mut item, &current.audit.next(stamp));
    Ok(item)
}

/// Sets the support-expiry sweep's keys of a contact's item (`Store::sweep_index` of the
/// contact it holds, its portal status as the merge left it), or removes them.
pub(super) fn put_sweep_index(item: &mut Item, keys: Option<(String, String)>) {
    item.remove("GSI1PK");
    item.remove("GSI1SK");
    if let Some((pk, sk)) = keys {
        item.insert("GSI1PK".into(), s(pk));
        item.insert("GSI1SK".into(), s(sk));
    }
}

/// Another contact's item once the merge's links move: pointed at the survivor if it
/// reported to the merged contact (a change of its field, so a new version), and its
/// reports as `relinks` change them (counts, as a link's own writes keep them, without one).
pub(super) fn relinked_item(
    stored: &Item,
    contact: &Contact,
    relinks: &Relinks,
    survivor: ContactId,
    stamp: &Stamp,
) -> Result<Item, DomainError> {
    let mut item = stored.clone();
    if relinks.repointed.contains(&contact.id) {
        item.insert("line_manager_id".into(), s(survivor.to_string()));
        audit_attrs(&mut item, &contact.audit.next(stamp));
    }
    if let Some((gains, losses)) = relinks.changes.get(&contact.id) {
        // The count moves by each link, as `report_link` moves it: an item from before the ids
        // were kept counts reports its ids do not list.
        let count = item.get("report_count").and_then(|v| v.as_n().ok()?.parse::<u64>().ok()).unwrap_or(0);
        let mut ids = set_of(stored, "report_ids");
        for lost in losses {
            ids.remove(&lost.to_string());
        }
        ids.extend(gains.iter().map(|g| g.to_string()));
        let count = count.saturating_sub(losses.len() as u64) + gains.len() as u64;
        if !gains.is_empty() && count > MAX_REPORTS {
            return Err(too_many_reports());
        }
        item.remove("report_ids");
        if !ids.is_empty() {
            item.insert("report_ids".into(), AttributeValue::Ss(ids.into_iter().collect()));
        }
        item.insert("report_count".into(), AttributeValue::N(count.to_string()));
    }
    Ok(item)
}
