//! Finding contacts through their index items (`store::index`) and the email claims: a
//! topic's recipients, a tenant-wide prefix search, the owner of an address, and a client's
//! contacts in name order (`GSI2`).

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::query::QueryOutput;

use super::contacts::ContactFilter;
use super::items::ContactRecord;
use super::tx::Item;
use super::{keys, last_sort_key, Page, Store};
use super::{s, text_of};
use crate::domain::{lookup, ClientId, Contact, ContactId, Email, TenantId};
use crate::store::error::{StoreError, StoreResult};

/// The contact an index item or email claim names.
fn named(item: &Item) -> Option<(ClientId, ContactId)> {
    ClientId::parse(text_of(item, "client_id")?).zip(ContactId::parse(text_of(item, "contact_id")?))
}

impl Store {
    /// One page of the items of partition `pk` whose sort key starts with `prefix`, after
    /// `after`, read consistently (index items are written with their contacts).
    pub(super) fn prefix_page(
        &self,
        pk: &str,
        prefix: &str,
        limit: i32,
        after: Option<String>,
    ) -> QueryFluentBuilder {
        self.db
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(prefix))
            .limit(limit)
            .set_exclusive_start_key(after.map(|sk| Self::key(pk.to_owned(), sk)))
            .consistent_read(true)
    }

    pub(super) async fn run_query(&self, query: QueryFluentBuilder) -> StoreResult<QueryOutput> {
        query.send().await.map_err(|e| StoreError::failed("Query", e.into_service_error()))
    }

    /// The contact of the tenant whose address is `email` (compared as its key): the email
    /// claim, then the contact it names; two `GetItem`s.
    pub(crate) async fn find_by_email(
        &self,
        tenant: &TenantId,
        email: &Email,
    ) -> StoreResult<Option<Contact>> {
        let claim = self.get(Self::key(keys::email_claim_pk(tenant, email), keys::EMAIL_CLAIM_SK)).await?;
        let Some((client, id)) = claim.as_ref().and_then(named) else {
            return Ok(None);
        };
        match self.get(Self::contact_key(tenant, client, id)).await? {
            Some(item) => Ok(Some(ContactRecord::from_item(item)?.into_contact()?)),
            // Deleted between the two reads.
            None => Ok(None),
        }
    }

    /// A page of the tenant's contacts with a term starting with `prefix` (folded), in term
    /// order, each once (at its first matching term): one query of the matching search items
    /// and one `BatchGetItem` of their contacts.
    pub async fn search_contacts(
        &self,
        tenant: &TenantId,
        prefix: &str,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<Contact>> {
        let pk = keys::find_pk(tenant);
        let out = self.run_query(self.prefix_page(&pk, prefix, limit, after)).await?;
        let hits: Vec<(String, ClientId, ContactId)> = out
            .items()
            .iter()
            .filter_map(|item| {
                let (client, id) = named(item)?;
                let sk = text_of(item, keys::SK)?;
                // The term is the sort key without `#` and the id.
                let term = sk.get(..sk.len().checked_sub(27)?)?;
                Some((term.to_owned(), client, id))
            })
            .collect();
        let keys: HashSet<(ClientId, ContactId)> = hits.iter().map(|(_, c, id)| (*c, *id)).collect();
        let keys = keys.into_iter().map(|(client, id)| Self::contact_key(tenant, client, id)).collect();
        let mut contacts: HashMap<ContactId, Contact> = HashMap::new();
        for item in self.batch_get(keys).await? {
            let contact = ContactRecord::from_item(item)?.into_contact()?;
            contacts.insert(contact.id, contact);
        }
        let items = hits
            .into_iter()
            .filter_map(|(term, _, id)| {
                let contact = contacts.get(&id)?;
                let terms = lookup::terms(&contact.fields);
                (lookup::first_match(&terms, prefix) == Some(term.as_str())).then(|| contact.clone())
            })
            .collect();
        Ok(Page { items, last_sort_key: last_sort_key(out.last_evaluated_key()) })
    }

    /// A page of a client's recipients of `filter.topic` (with the other filters applied to
    /// them): one query of the topic's items and one `BatchGetItem` of their contacts, so the
    /// cost is the recipients', not the client's.
    pub(super) async fn list_topic(
        &self,
        tenant: &TenantId,
        client: ClientId,
        filter: &ContactFilter,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<Contact>> {
        let topic = filter.topic.ok_or_else(|| StoreError::internal("a topic list without a topic"))?;
        let mut page =
            self.named_contacts_page(tenant, client, &keys::topic_sk_prefix(topic), limit, after).await?;
        page.items.retain(|c| filter.keeps_besides_topic(c));
        Ok(page)
    }

    /// A page of the client's contacts named by the items of its partition whose sort keys
    /// start with `prefix` (topic items, project links), in those items' order: one query and
    /// one `BatchGetItem`. An empty first page reads the client instead, which must exist.
    pub(super) async fn named_contacts_page(
        &self,
        tenant: &TenantId,
        client: ClientId,
        prefix: &str,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<Contact>> {
        let pk = keys::contacts_pk(tenant, client);
        let out = self.run_query(self.prefix_page(&pk, prefix, limit, after.clone())).await?;
        if after.is_none() && out.count() == 0 {
            // Nothing named: either a client without such items or no such client here.
            self.get_client(tenant, client).await?;
        }
        let ids: Vec<ContactId> = out.items().iter().filter_map(named).map(|(_, id)| id).collect();
        let mut contacts = self.get_contacts(tenant, client, &ids).await?;
        let items = ids.iter().filter_map(|id| contacts.remove(id)).collect();
        Ok(Page { items, last_sort_key: last_sort_key(out.last_evaluated_key()) })
    }
}
