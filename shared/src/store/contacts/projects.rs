//! A contact's links to projects (`domain::project`). Each link is an item under the client's
//! partition (`PROJECT#{project}#{contact}`), so a project's contacts are one query; the
//! contact's item keeps `project_count` and `project_ids` (a string set), changed in the same
//! transaction as the link, so the count is exact however links race, and deleting the contact
//! finds its links in the item it reads anyway.

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

use super::{built, n, s, Outcome, Plan, Refusals, Role};
use crate::domain::project::MAX_PROJECTS;
use crate::domain::{ClientId, Contact, ContactId, DomainError, ProjectId, ProjectLink, Stamp, TenantId};
use crate::store::error::{StoreError, StoreResult};
use crate::store::items::ContactRecord;
use crate::store::retry::{retry_planned, Attempt};
use crate::store::tx::Item;
use crate::store::update_expr::UpdateExpr;
use crate::store::{keys, Page, Store};

fn too_many_projects() -> DomainError {
    DomainError::TooManyProjects(MAX_PROJECTS)
}

/// The one-id set that `ADD` or `DELETE` puts into or takes out of `project_ids`.
fn project_set(project: &ProjectId) -> AttributeValue {
    AttributeValue::Ss(vec![project.to_string()])
}

fn link_item(tenant: &TenantId, link: &ProjectLink) -> Item {
    let key = Store::key(
        keys::contacts_pk(tenant, link.client_id),
        keys::project_sk(&link.project_id, link.contact_id),
    );
    let attrs = [
        ("entity", "project_link".to_owned()),
        ("client_id", link.client_id.to_string()),
        ("contact_id", link.contact_id.to_string()),
        ("project_id", link.project_id.to_string()),
        ("linked_at", link.linked_at.clone()),
        ("linked_by", link.linked_by.clone()),
    ];
    key.into_iter().chain(attrs.into_iter().map(|(name, value)| (name.to_owned(), s(value)))).collect()
}

fn link_of_item(item: &Item) -> StoreResult<ProjectLink> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
    let corrupt = || StoreError::internal("stored project link is malformed");
    Ok(ProjectLink {
        client_id: text("client_id").and_then(|id| ClientId::parse(id)).ok_or_else(corrupt)?,
        contact_id: text("contact_id").and_then(|id| ContactId::parse(id)).ok_or_else(corrupt)?,
        project_id: text("project_id").and_then(|id| ProjectId::parse(id)).ok_or_else(corrupt)?,
        linked_at: text("linked_at").ok_or_else(corrupt)?.clone(),
        linked_by: text("linked_by").ok_or_else(corrupt)?.clone(),
    })
}

impl Store {
    fn link_key(tenant: &TenantId, client: ClientId, contact: ContactId, project: &ProjectId) -> Item {
        Self::key(keys::contacts_pk(tenant, client), keys::project_sk(project, contact))
    }

    /// The contact's side of a link (`delta` = 1) or unlink (-1): its count and ids, on the
    /// condition that it exists and, for a link, has room for one more. On failure the old
    /// image tells which: none means no such contact.
    fn project_count_update(
        &self,
        tenant: &TenantId,
        (client, contact): (ClientId, ContactId),
        project: &ProjectId,
        delta: i64,
    ) -> StoreResult<TransactWriteItem> {
        let mut change = UpdateExpr::new();
        change.count("project_count", delta);
        let condition = if delta > 0 {
            change.add_to_set("project_ids", project_set(project)).value(":max", n(MAX_PROJECTS));
            "attribute_exists(PK) AND (attribute_not_exists(project_count) OR project_count < :max)"
        } else {
            change.delete_from_set("project_ids", project_set(project));
            "attribute_exists(PK)"
        };
        let update = change
            .apply(Update::builder())
            .table_name(&self.table)
            .set_key(Some(Self::contact_key(tenant, client, contact)))
            .condition_expression(condition)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        Ok(TransactWriteItem::builder().update(built(update.build())?).build())
    }

    /// Links the contact to `project` and counts it, in one transaction; a link that exists
    /// already is returned as it is (made once, whoever asks again).
    pub async fn link_project(
        &self,
        tenant: &TenantId,
        client: ClientId,
        contact: ContactId,
        project: &ProjectId,
        stamp: &Stamp,
    ) -> StoreResult<ProjectLink> {
        let link = &ProjectLink::made((client, contact), project, stamp);
        retry_planned(move || async move {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(link_item(tenant, link)))
                .condition_expression("attribute_not_exists(PK)")
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
            let mut plan = Plan::new();
            plan.push(Role::ProjectLink, TransactWriteItem::builder().put(built(put.build())?).build());
            plan.push(Role::Contact, self.project_count_update(tenant, (client, contact), project, 1)?);
            let failed = match self.run_plan_all(plan).await? {
                Refusals::Committed => return Ok(Attempt::Done(link.clone())),
                Refusals::Retry => return Ok(Attempt::Retry),
                Refusals::Failed(failed) => failed,
            };
            let refused = |role| failed.iter().find(|(r, _)| *r == role).map(|(_, reason)| reason);
            match (refused(Role::Contact), refused(Role::ProjectLink)) {
                // No contact there: an archived one keeps its links, yet takes no change.
                (Some(c), _) if c.old.is_none() => Err(DomainError::NotFound("contact").into()),
                (_, Some(l)) => match &l.old {
                    Some(existing) => Ok(Attempt::Done(link_of_item(existing)?)),
                    // Unlinked between the check and now: try again.
                    None => Ok(Attempt::Retry),
                },
                (Some(_), None) => Err(too_many_projects().into()),
                (None, None) => Err(StoreError::internal("link cancelled on neither item")),
            }
        })
        .await
    }

    /// Unlinks the contact from `project` and counts it, in one transaction; unlinking a
    /// project it is not linked to changes nothing. Not found when there is no such contact.
    pub async fn unlink_project(
        &self,
        tenant: &TenantId,
        client: ClientId,
        contact: ContactId,
        project: &ProjectId,
    ) -> StoreResult<()> {
        retry_planned(move || async move {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(Self::link_key(tenant, client, contact, project)))
                .condition_expression("attribute_exists(PK)");
            let mut plan = Plan::new();
            plan.push(Role::ProjectLink, TransactWriteItem::builder().delete(built(delete.build())?).build());
            plan.push(Role::Contact, self.project_count_update(tenant, (client, contact), project, -1)?);
            match self.run_plan(plan, &[Role::Contact, Role::ProjectLink]).await? {
                Outcome::Committed | Outcome::Failed(Role::ProjectLink, _) => Ok(Attempt::Done(())),
                Outcome::Retry => Ok(Attempt::Retry),
                Outcome::Failed(Role::Contact, _) => Err(DomainError::NotFound("contact").into()),
                Outcome::Failed(role, _) => {
                    Err(StoreError::internal(format!("unlink cancelled on {role:?}")))
                }
            }
        })
        .await
    }

    /// Every link of the contact, by project id: its item's ids, then one `BatchGetItem`.
    pub(crate) async fn contact_projects(
        &self,
        tenant: &TenantId,
        client: ClientId,
        contact: ContactId,
    ) -> StoreResult<Vec<ProjectLink>> {
        Ok(self.contact_and_projects(tenant, client, contact).await?.1)
    }

    /// The contact and every link of it, by project id, from one read of its item (`GetItem`,
    /// then one `BatchGetItem` of the links it names).
    pub(crate) async fn contact_and_projects(
        &self,
        tenant: &TenantId,
        client: ClientId,
        contact: ContactId,
    ) -> StoreResult<(Contact, Vec<ProjectLink>)> {
        let item = self.get(Self::contact_key(tenant, client, contact)).await?;
        self.with_links(tenant, (client, contact), item.ok_or(DomainError::NotFound("contact"))?).await
    }

    /// `contact_and_projects` of a contact or, when it is archived, of its archived item: what
    /// the service holds of a person, whose request for it does not wait for a restore.
    pub(crate) async fn person_and_projects(
        &self,
        tenant: &TenantId,
        client: ClientId,
        contact: ContactId,
    ) -> StoreResult<(Contact, Vec<ProjectLink>)> {
        let item = match self.get(Self::contact_key(tenant, client, contact)).await? {
            Some(item) => item,
            None => self
                .get(Self::archived_key(tenant, client, contact))
                .await?
                .ok_or(DomainError::NotFound("contact"))?,
        };
        self.with_links(tenant, (client, contact), item).await
    }

    /// The contact an item holds, and its links by project id (one `BatchGetItem`).
    async fn with_links(
        &self,
        tenant: &TenantId,
        (client, contact): (ClientId, ContactId),
        item: Item,
    ) -> StoreResult<(Contact, Vec<ProjectLink>)> {
        let record = ContactRecord::from_item(item)?;
        let projects = project_ids(&record)?;
        let keys = projects.iter().map(|p| Self::link_key(tenant, client, contact, p)).collect();
        let mut links =
            self.batch_get(keys).await?.iter().map(link_of_item).collect::<StoreResult<Vec<_>>>()?;
        links.sort_by(|a, b| a.project_id.cmp(&b.project_id));
        Ok((record.into_contact()?, links))
    }

    /// A page of the client's contacts linked to `project`, in contact id order (its link
    /// items name them: `named_contacts_page`).
    pub(crate) async fn project_contacts(
        &self,
        tenant: &TenantId,
        client: ClientId,
        project: &ProjectId,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<Contact>> {
        self.named_contacts_page(tenant, client, &keys::project_sk_prefix(project), limit, after).await
    }

    /// The put of a new link of `contact` to `project`, made now (a merge's): refused when the
    /// link exists.
    pub(super) fn link_put(
        &self,
        tenant: &TenantId,
        contact: (ClientId, ContactId),
        project: &ProjectId,
        stamp: &Stamp,
    ) -> StoreResult<TransactWriteItem> {
        self.put_new(link_item(tenant, &ProjectLink::made(contact, project, stamp)))
    }

    /// The deletes of a contact's links, for the transaction that deletes it.
    pub(super) fn link_deletes(
        &self,
        tenant: &TenantId,
        contact: &Contact,
        projects: &[ProjectId],
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let delete = |project| {
            let key = Self::link_key(tenant, contact.client_id, contact.id, project);
            let delete = built(Delete::builder().table_name(&self.table).set_key(Some(key)).build())?;
            Ok(TransactWriteItem::builder().delete(delete).build())
        };
        projects.iter().map(delete).collect()
    }
}

/// The projects a contact's item says it is linked to; they account for its count.
pub(super) fn project_ids(record: &ContactRecord) -> StoreResult<Vec<ProjectId>> {
    let corrupt = || StoreError::internal("stored item has invalid project ids");
    if record.project_ids.len() as u64 != record.project_count {
        return Err(corrupt());
    }
    record.project_ids.iter().map(|p| ProjectId::parse(p).ok_or_else(corrupt)).collect()
}
