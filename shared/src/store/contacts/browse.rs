//! Browsing a tenant's contacts, every client's at once, in name order: one `Query` of the
//! tenant's name index (`GSI3`: `GSI3PK = TENANT#t#CONTACTS`, sorted by the name key
//! `GSI2SK`) per page, the filters applied by DynamoDB to what the page read; then one
//! `BatchGetItem` of the page's clients, for their names.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::conditions::Conditions;
use super::position::{index_position, split_name_position, Across};
use super::s;
use crate::domain::dates::format_timestamp;
use crate::domain::{ClientId, Contact, EmailStatus, NotificationTopic, PortalStatus, TagId, TenantId};
use crate::store::error::{StoreError, StoreResult};
use crate::store::items::{ClientRecord, ContactRecord};
use crate::store::tx::Item;
use crate::store::{keys, Page, Store};

/// At most this many clients in one browse (`client_id`): a filter's `IN` takes 100 operands.
pub const MAX_BROWSE_CLIENTS: usize = 25;

/// What a browse keeps; every filter given must hold.
#[derive(Debug, Default, Clone)]
pub struct Browse {
    /// Only these clients' contacts (none: every client's).
    pub clients: Vec<ClientId>,
    pub topic: Option<NotificationTopic>,
    pub portal_status: Option<PortalStatus>,
    /// Absent `email_status` = `ok`.
    pub email_status: Option<EmailStatus>,
    pub has_email: Option<bool>,
    /// Only contacts changed at or after this time.
    pub updated_since: Option<OffsetDateTime>,
    /// Only contacts carrying this tag.
    pub tag: Option<TagId>,
    /// Only contacts whose custom `select` field has this option, or whose `multi_select`
    /// field has it among others; every one given.
    pub custom: Vec<CustomFilter>,
    /// The order of the contacts.
    pub order: BrowseOrder,
}

/// The order of a browse: by name (the default), or most recently changed first.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum BrowseOrder {
    #[default]
    Name,
    RecentlyChanged,
}

impl BrowseOrder {
    /// The tenant's index in this order and the attribute it is sorted by.
    fn index(self) -> (&'static str, &'static str) {
        match self {
            Self::Name => (keys::TENANT_NAME_INDEX, keys::NAME_SK),
            Self::RecentlyChanged => (keys::TENANT_UPDATED_INDEX, keys::UPDATED_SK),
        }
    }
}

/// A custom field's option a browse keeps (`?custom.<key>=<option>`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CustomFilter {
    pub key: String,
    pub option: String,
    /// The field is a `multi_select` (a list holding the option), else a `select`.
    pub many: bool,
}

/// A contact of a tenant-wide list, with its client's name.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TenantContact {
    #[serde(flatten)]
    pub contact: Contact,
    pub client_name: String,
}

impl Browse {
    /// What a cursor of this browse is bound to: every filter, spelled out, so a cursor opens
    /// only with the filters it was made with.
    pub fn scope(&self) -> String {
        let clients: Vec<String> = self.clients.iter().map(ClientId::to_string).collect();
        let text = |value: Option<&str>| value.unwrap_or("").to_owned();
        [
            format!("clients={}", clients.join(",")),
            format!("topic={}", text(self.topic.map(|t| t.as_str()))),
            format!("portal_status={}", text(self.portal_status.map(|s| s.as_str()))),
            format!("email_status={}", text(self.email_status.map(|s| s.as_str()))),
            format!("has_email={}", self.has_email.map_or(String::new(), |h| h.to_string())),
            format!(
                "updated_since={}",
                self.updated_since.map_or(String::new(), |t| t.unix_timestamp_nanos().to_string())
            ),
            format!("tag={}", self.tag.map_or(String::new(), |t| t.to_string())),
        ]
        .into_iter()
        .chain(self.custom.iter().map(|f| format!("custom.{}={}", f.key, f.option)))
        .chain((self.order == BrowseOrder::RecentlyChanged).then(|| "sort=-updated_at".to_owned()))
        .collect::<Vec<_>>()
        .join("|")
    }

    /// The filter expression's conditions.
    fn conditions(&self) -> Conditions {
        let mut conditions = Conditions::default();
        if !self.clients.is_empty() {
            let names: Vec<String> = (0..self.clients.len()).map(|i| format!(":client{i}")).collect();
            let values = names.clone().into_iter().zip(self.clients.iter().map(|c| s(c.to_string())));
            conditions.add(format!("client_id IN ({})", names.join(", ")), values);
        }
        if let Some(topic) = self.topic {
            conditions.add("contains(notifications, :topic)", [(":topic".to_owned(), s(topic.as_str()))]);
        }
        if let Some(tag) = self.tag {
            conditions.add("contains(tag_ids, :tag)", [(":tag".to_owned(), s(tag.to_string()))]);
        }
        if !self.custom.is_empty() {
            conditions.name("#custom", "custom");
        }
        for (i, filter) in self.custom.iter().enumerate() {
            let (name, value) = (format!("#cf{i}"), format!(":cf{i}"));
            let condition = match filter.many {
                true => format!("contains(#custom.{name}, {value})"),
                false => format!("#custom.{name} = {value}"),
            };
            conditions.name(&name, &filter.key);
            conditions.add(condition, [(value, s(&filter.option))]);
        }
        conditions.portal_status(self.portal_status);
        conditions.email_status(self.email_status);
        conditions.has_email(self.has_email);
        // In the index by last change `updated_at` is the sort key, which a filter cannot
        // name: there the bound is the key condition's (`key_condition`).
        if let (Some(bound), BrowseOrder::Name) = (self.since_bound(), self.order) {
            conditions.add("updated_at >= :since", [(":since".to_owned(), bound)]);
        }
        conditions
    }

    /// The text bound of `updated_since`. Stored times are RFC 3339 in UTC, with a fraction
    /// only when it is not zero, so `…:57Z` sorts after `…:57.5Z` as text. Bounded by the whole
    /// second (`…:57`, which both follow), DynamoDB keeps a superset; `keeps` then compares the
    /// times exactly.
    fn since_bound(&self) -> Option<AttributeValue> {
        let since = self.updated_since?;
        let second = format_timestamp(since.replace_nanosecond(0).unwrap_or(since));
        Some(s(second.trim_end_matches('Z')))
    }

    /// The query's key condition: the tenant's partition, and in the index by last change the
    /// `updated_since` bound on its sort key.
    fn key_condition(&self) -> &'static str {
        match (self.order, self.updated_since) {
            (BrowseOrder::RecentlyChanged, Some(_)) => "#tenant = :tenant AND updated_at >= :since",
            _ => "#tenant = :tenant",
        }
    }

    /// The exact comparisons DynamoDB's text comparison only bounds.
    fn keeps(&self, contact: &Contact) -> bool {
        let updated = || {
            time::OffsetDateTime::parse(
                &contact.audit.updated_at,
                &time::format_description::well_known::Rfc3339,
            )
        };
        self.updated_since.is_none_or(|since| updated().is_ok_and(|at| at >= since))
    }
}

impl Store {
    /// One page of the tenant's contacts in name order (then by client and id), filtered. A page
    /// reads `limit` contacts and returns those that pass, so a filtered page may hold fewer
    /// (even none) and still have a next one; its cost grows with the page, not the tenant.
    pub async fn browse_contacts(
        &self,
        tenant: &TenantId,
        browse: &Browse,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<TenantContact>> {
        let tenant_pk = keys::tenant_contacts_pk(tenant);
        let (index, sort) = browse.order.index();
        let start =
            after.map(|position| browse_start_key(tenant, &tenant_pk, &position, sort)).transpose()?;
        let query = self
            .db
            .query()
            .table_name(&self.table)
            .index_name(index)
            .scan_index_forward(browse.order == BrowseOrder::Name)
            .key_condition_expression(browse.key_condition())
            .expression_attribute_names("#tenant", keys::TENANT_CONTACTS)
            .expression_attribute_values(":tenant", s(&tenant_pk))
            .limit(limit)
            .set_exclusive_start_key(start);
        let query = match (browse.order, browse.since_bound()) {
            (BrowseOrder::RecentlyChanged, Some(bound)) => query.expression_attribute_values(":since", bound),
            _ => query,
        };
        let out = browse
            .conditions()
            .apply(query)
            .send()
            .await
            .map_err(|e| StoreError::failed("Query", e.into_service_error()))?;
        let contacts = out
            .items()
            .iter()
            .map(|item| ContactRecord::from_item(item.clone())?.into_contact())
            .filter(|c| c.as_ref().map_or(true, |c| browse.keeps(c)))
            .collect::<StoreResult<Vec<_>>>()?;
        let last_sort_key = index_position(out.last_evaluated_key(), Across::Clients, sort);
        Ok(Page { items: self.with_client_names(tenant, contacts).await?, last_sort_key })
    }

    /// The contacts with their clients' names: one `BatchGetItem` of the distinct clients.
    pub(crate) async fn with_client_names(
        &self,
        tenant: &TenantId,
        contacts: Vec<Contact>,
    ) -> StoreResult<Vec<TenantContact>> {
        let clients: BTreeSet<ClientId> = contacts.iter().map(|c| c.client_id).collect();
        let keys = clients.iter().map(|c| Self::client_key(tenant, *c)).collect();
        let mut names = HashMap::new();
        for item in self.batch_get(keys).await? {
            let client = ClientRecord::from_item(item)?.into_client()?;
            names.insert(client.id, client.fields.name.as_str().to_owned());
        }
        // A contact's client exists while it does (deleting a client needs it empty), but the
        // tenant's index is eventually consistent: for a moment it can still hold a contact
        // deleted with its client since. Such an entry is left out, as the index will be.
        let listed = contacts.into_iter().filter_map(|contact| {
            let name = names.get(&contact.client_id).cloned();
            if name.is_none() {
                tracing::info!(contact = %contact.id, "left out a contact whose client is gone");
            }
            Some(TenantContact { client_name: name?, contact })
        });
        Ok(listed.collect())
    }
}

/// The start key, in the index sorted by `sort`, for a position `index_position` made.
fn browse_start_key(tenant: &TenantId, tenant_pk: &str, position: &str, sort: &str) -> StoreResult<Item> {
    let (sk, client, value) = split_name_position(position, Across::Clients)?;
    let client = client.ok_or_else(|| StoreError::internal("a browse position's client"))?;
    let mut key = Store::key(keys::contacts_pk(tenant, client), sk);
    key.insert(keys::TENANT_CONTACTS.into(), s(tenant_pk));
    key.insert(sort.into(), s(value));
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browse_position_gives_back_the_key_it_was_made_from() {
        let tenant = TenantId::parse("acme").unwrap();
        let client = ClientId::parse("01JC0000000000000000000000").unwrap();
        let mut key = Store::key(keys::contacts_pk(&tenant, client), "CONTACT#01JD0000000000000000000000");
        key.insert(keys::TENANT_CONTACTS.into(), s(keys::tenant_contacts_pk(&tenant)));
        key.insert(keys::NAME_SK.into(), s("lovelace\u{1}ada"));

        let position = index_position(Some(&key), Across::Clients, keys::NAME_SK).unwrap();
        let start = browse_start_key(&tenant, &keys::tenant_contacts_pk(&tenant), &position, keys::NAME_SK);

        assert_eq!(start.unwrap(), key);
    }

    #[test]
    fn a_position_by_last_change_gives_back_the_key_it_was_made_from() {
        let tenant = TenantId::parse("acme").unwrap();
        let client = ClientId::parse("01JC0000000000000000000000").unwrap();
        let mut key = Store::key(keys::contacts_pk(&tenant, client), "CONTACT#01JD0000000000000000000000");
        key.insert(keys::TENANT_CONTACTS.into(), s(keys::tenant_contacts_pk(&tenant)));
        key.insert(keys::UPDATED_SK.into(), s("2026-12-07T12:04:27.123Z"));

        let position = index_position(Some(&key), Across::Clients, keys::UPDATED_SK).unwrap();
        let start =
            browse_start_key(&tenant, &keys::tenant_contacts_pk(&tenant), &position, keys::UPDATED_SK);

        assert_eq!(start.unwrap(), key);
    }

    #[test]
    fn a_browse_scope_spells_out_every_filter_so_no_two_browses_share_one() {
        let client = ClientId::parse("01JC0000000000000000000000").unwrap();
        let since = OffsetDateTime::from_unix_timestamp(1_795_860_000).unwrap();
        let browses = [
            Browse::default(),
            Browse { clients: vec![client], ..Browse::default() },
            Browse { topic: Some(NotificationTopic::Invoice), ..Browse::default() },
            Browse { portal_status: Some(PortalStatus::Active), ..Browse::default() },
            Browse { email_status: Some(EmailStatus::Bouncing), ..Browse::default() },
            Browse { has_email: Some(false), ..Browse::default() },
            Browse { has_email: Some(true), ..Browse::default() },
            Browse { updated_since: Some(since), ..Browse::default() },
            Browse { tag: Some(TagId::parse("01JT0000000000000000000000").unwrap()), ..Browse::default() },
            Browse { order: BrowseOrder::RecentlyChanged, ..Browse::default() },
        ];
        let scopes: BTreeSet<String> = browses.iter().map(Browse::scope).collect();
        assert_eq!(scopes.len(), browses.len(), "{scopes:?}");
        assert_eq!(
            Browse::default().scope(),
            "clients=|topic=|portal_status=|email_status=|has_email=|updated_since=|tag="
        );
    }

    fn updated_at(at: &str) -> Contact {
        use crate::domain::{ContactFields, ContactId, ContactPatch, Email, Patch, Stamp, Text};
        let fields = ContactFields::create(ContactPatch {
            last_name: Patch::Set(Text::from_stored("Lovelace".into())),
            email: Patch::Set(Email::parse("ada@x.test").unwrap()),
            ..ContactPatch::default()
        })
        .unwrap();
        let stamp = Stamp { at: at.into(), by: "u".into() };
        Contact::new(ContactId::generate(), ClientId::generate(), fields, &stamp)
    }

    #[test]
    fn a_contact_changed_in_the_same_second_as_updated_since_is_kept_only_from_that_instant() {
        let since = OffsetDateTime::from_unix_timestamp_nanos(1_795_860_000_500_000_000).unwrap();
        let browse = Browse { updated_since: Some(since), ..Browse::default() };
        // Both sort after the bound DynamoDB compares (`…T10:00:00`); only the later one is kept.
        assert!(!browse.keeps(&updated_at("2026-11-28T10:00:00Z")));
        assert!(!browse.keeps(&updated_at("2026-11-28T10:00:00.4Z")));
        assert!(browse.keeps(&updated_at("2026-11-28T10:00:00.5Z")));
        assert!(browse.keeps(&updated_at("2026-11-28T10:00:01Z")));
        assert!(Browse::default().keeps(&updated_at("2020-01-01T00:00:00Z")));
    }

    #[test]
    fn updated_since_is_bounded_by_its_whole_second_and_compared_exactly() {
        let since = OffsetDateTime::from_unix_timestamp_nanos(1_795_860_000_500_000_000).unwrap();
        let browse = Browse { updated_since: Some(since), ..Browse::default() };
        let (expression, values) = browse.conditions().expression().unwrap();
        assert_eq!(expression, "updated_at >= :since");
        assert_eq!(values, vec![(":since".to_owned(), s("2026-11-28T10:00:00"))]);
    }
}
