//! Reading contacts: one by id, a client's page of them, and a contact with its client.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

use super::conditions::Conditions;
use super::position::{name_position, name_start_key, Across};
use super::{s, ContactFilter};
use crate::domain::{Client, ClientId, Contact, ContactId, DomainError, TenantId};
use crate::store::error::{StoreError, StoreResult};
use crate::store::items::{ClientRecord, ContactRecord};
use crate::store::{keys, last_sort_key, Page, Store};

impl Store {
    pub async fn get_contact(
        &self,
        tenant: &TenantId,
        client: ClientId,
        id: ContactId,
    ) -> StoreResult<Contact> {
        let item =
            self.get(Self::contact_key(tenant, client, id)).await?.ok_or(DomainError::NotFound("contact"))?;
        ContactRecord::from_item(item)?.into_contact()
    }

    /// One query per page. With filters a page may hold fewer than `limit` contacts (DynamoDB
    /// filters after reading `limit` items); `next_cursor` still continues where it stopped.
    /// A topic reads only its recipients (`list_topic`); `by_name` reads the name index.
    pub async fn list_contacts(
        &self,
        tenant: &TenantId,
        client: ClientId,
        filter: &ContactFilter,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<Contact>> {
        if filter.topic.is_some() {
            return self.list_topic(tenant, client, filter, limit, after).await;
        }
        let pk = keys::contacts_pk(tenant, client);
        let first_page = after.is_none();
        let query = if filter.by_name {
            let start = after.map(|position| name_start_key(&pk, &position)).transpose()?;
            self.db
                .query()
                .table_name(&self.table)
                .index_name(keys::NAME_INDEX)
                .key_condition_expression("PK = :pk")
                .set_exclusive_start_key(start)
        } else {
            self.db
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":prefix", s(keys::CONTACT_SK_PREFIX))
                .set_exclusive_start_key(after.map(|sk| Self::key(pk.clone(), sk)))
        };
        let query = with_filters(query.expression_attribute_values(":pk", s(&pk)).limit(limit), filter);
        let out = query.send().await.map_err(|e| StoreError::failed("Query", e.into_service_error()))?;
        if first_page && out.scanned_count() == 0 {
            // An empty partition: either a client without contacts or no such client here.
            self.get_client(tenant, client).await?;
        }
        let items = out
            .items()
            .iter()
            .map(|item| ContactRecord::from_item(item.clone())?.into_contact())
            .collect::<StoreResult<Vec<_>>>()?;
        let last_sort_key = if filter.by_name {
            name_position(out.last_evaluated_key(), Across::OneClient)
        } else {
            last_sort_key(out.last_evaluated_key())
        };
        Ok(Page { items, last_sort_key })
    }

    /// The contact and, when asked for, its client, in one strongly consistent read.
    pub(crate) async fn read_contact(
        &self,
        tenant: &TenantId,
        client: ClientId,
        id: ContactId,
        with_client: bool,
    ) -> StoreResult<(ContactRecord, Option<Client>)> {
        if !with_client {
            let item = self
                .get(Self::contact_key(tenant, client, id))
                .await?
                .ok_or(DomainError::NotFound("contact"))?;
            return Ok((ContactRecord::from_item(item)?, None));
        }
        let keys = vec![Self::contact_key(tenant, client, id), Self::client_key(tenant, client)];
        let items = self.batch_get(keys).await?;
        let mut contact = None;
        let mut state = None;
        for item in items {
            let is_contact = item
                .get(keys::SK)
                .and_then(|v| v.as_s().ok())
                .is_some_and(|sk| sk.starts_with(keys::CONTACT_SK_PREFIX));
            if is_contact {
                contact = Some(ContactRecord::from_item(item)?);
            } else {
                state = Some(ClientRecord::from_item(item)?.into_client()?);
            }
        }
        Ok((contact.ok_or(DomainError::NotFound("contact"))?, state))
    }
}

/// The filters besides the topic, as a filter expression.
fn with_filters(query: QueryFluentBuilder, filter: &ContactFilter) -> QueryFluentBuilder {
    let mut conditions = Conditions::default();
    if let Some(primary) = filter.primary {
        conditions.add("is_primary = :primary", [(":primary".to_owned(), AttributeValue::Bool(primary))]);
    }
    conditions.portal_status(filter.portal_status);
    conditions.email_status(filter.email_status);
    conditions.has_email(filter.with_email.then_some(true));
    conditions.apply(query)
}
