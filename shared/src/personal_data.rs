//! A person's data on request (GDPR access, article 15): everything the service holds about one
//! contact, in one document, an archived one's too. Erasure is the contact's deletion
//! (docs/decisions.md), which erases an archived one as well.
//!
//! Held elsewhere and left out on purpose: the email claim and the idempotency record of the
//! contact's creating request hold the same address and fields the contact shows; invitation
//! items hold a token's hash and the contact's ids, no personal data; the tenant's quota counts
//! emails, not people.

use serde::Serialize;

use crate::domain::activity::Activity;
use crate::domain::project::ProjectLink;
use crate::domain::tag::Tag;
use crate::domain::{ClientId, Contact, ContactId, TenantId};
use crate::error::ServiceResult;
use crate::portal_users::{PortalUserRecord, PortalUsers};
use crate::store::Store;

/// What the service holds about one contact.
#[derive(Debug, Serialize)]
pub(crate) struct PersonalData {
    pub exported_at: String,
    pub tenant_id: String,
    /// The contact as `GET` shows it: fields, primary role, topics, permissions, portal state,
    /// support window, email status, line manager and reports, audit.
    pub contact: Contact,
    pub project_links: Vec<ProjectLink>,
    /// Its tags, named (a tag deleted meanwhile is left out).
    pub tags: Vec<Tag>,
    /// Its whole history, newest first, as long as it is kept (the activity retention).
    pub activity: Vec<Activity>,
    /// Its portal user in the portal pool, if it has one.
    pub portal_user: Option<PortalUserRecord>,
}

/// Gathers the contact's data: the contact and its project links (one read of its item and one
/// of the links), then its history, its portal user and its tags together. 404 when the contact is not
/// the client's, current or archived.
pub(crate) async fn gather(
    store: &Store,
    users: &PortalUsers,
    tenant: &TenantId,
    (client, id): (ClientId, ContactId),
    exported_at: String,
) -> ServiceResult<PersonalData> {
    let (contact, project_links) = store.person_and_projects(tenant, client, id).await?;
    let (activity, portal_user, tags) = tokio::try_join!(
        store.all_activity(tenant, id),
        users.record(tenant, &contact),
        store.tags_by_id(tenant, &contact.tag_ids)
    )?;
    Ok(PersonalData {
        exported_at,
        tenant_id: tenant.as_str().to_owned(),
        contact,
        project_links,
        tags,
        activity,
        portal_user,
    })
}
