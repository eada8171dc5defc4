//! A contact's activity history: `PK = TENANT#t#CONTACT#id#ACTIVITY`, `SK = AT#{time}#{suffix}`
//! (docs/table.md). Each item is written once, by whoever saw the event (the email senders,
//! the SES feedback function, the change stream), and expires by TTL after the retention.

use serde_dynamo::{from_item, to_item};

use super::n;
use super::s;
use super::{keys, Page, Store};
use crate::domain::activity::Activity;
use crate::domain::{ClientId, ContactId, DomainError, TenantId};
use crate::store::error::{StoreError, StoreResult};

impl Store {
    /// Writes one activity item. Writing the same event again (same time and suffix) puts the
    /// same item, so a redelivered event leaves one entry.
    pub async fn put_activity(
        &self,
        tenant: &TenantId,
        activity: &Activity,
        suffix: &str,
        expires_at: i64,
    ) -> StoreResult<()> {
        let contact = ContactId::parse(&activity.contact_id)
            .ok_or_else(|| StoreError::internal("an activity names no contact id"))?;
        let mut item: super::tx::Item = to_item(activity).map_err(StoreError::internal)?;
        item.insert(keys::PK.into(), s(keys::activity_pk(tenant, contact)));
        item.insert(keys::SK.into(), s(keys::activity_sk(&activity.at, suffix)));
        item.insert("entity".into(), s("activity"));
        item.insert("tenant_id".into(), s(tenant.as_str()));
        item.insert("expires_at".into(), n(u64::try_from(expires_at).unwrap_or(0)));
        self.db
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::failed("PutItem", e.into_service_error()))?;
        Ok(())
    }

    /// One page of a contact's history, newest first. The contact must exist under `client`
    /// (404 otherwise), so a path naming another client's contact shows nothing.
    pub(crate) async fn list_activity(
        &self,
        tenant: &TenantId,
        client: ClientId,
        contact: ContactId,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<Activity>> {
        self.get(Self::contact_key(tenant, client, contact))
            .await?
            .ok_or(DomainError::NotFound("contact"))?;
        self.activity_page(tenant, contact, limit, after).await
    }

    /// A contact's whole history, newest first, read a page of `ACTIVITY_PAGE` at a time (the
    /// caller has read the contact). Bounded by the retention: what is older has expired.
    pub(crate) async fn all_activity(
        &self,
        tenant: &TenantId,
        contact: ContactId,
    ) -> StoreResult<Vec<Activity>> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self.activity_page(tenant, contact, ACTIVITY_PAGE, after).await?;
            all.extend(page.items);
            match page.last_sort_key {
                Some(sk) => after = Some(sk),
                None => return Ok(all),
            }
        }
    }

    async fn activity_page(
        &self,
        tenant: &TenantId,
        contact: ContactId,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<Activity>> {
        let pk = keys::activity_pk(tenant, contact);
        let page = self.partition_page((&pk, Some(keys::ACTIVITY_SK_PREFIX)), limit, after, false).await?;
        let items = (page.items.into_iter())
            .map(|item| from_item(item).map_err(StoreError::internal))
            .collect::<StoreResult<Vec<Activity>>>()?;
        Ok(Page { items, last_sort_key: page.last_sort_key })
    }
}

/// Activity items read per query of a whole history: a Query reads up to 1 MB, and an
/// activity item is a few hundred bytes.
const ACTIVITY_PAGE: i32 = 500;
