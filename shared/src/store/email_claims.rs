//! Email uniqueness: one address, trimmed and lower-cased (`Email::key`), belongs to at most one
//! contact of a tenant, across all its clients.
//!
//! The rule is held by an email claim item per address in use:
//! `PK = TENANT#{t}#EMAIL#{key}`, `SK = EMAIL`, with `entity: "email"`, `contact_id`,
//! `client_id` and `email` (the address as entered). The key holds the address itself, so a
//! claim can only be created where none exists (`attribute_not_exists(PK)`): of two contacts
//! wanting one address, the second one's transaction fails on the claim and is answered 409
//! `email-taken`. A claim is only released by its owner (`contact_id = :owner`), so a stale
//! plan cannot free an address another contact has claimed since.
//!
//! Every write of a contact's address claims or releases in the same transaction as the
//! contact, so contacts and claims match one to one at every commit. The writers:
//! - adding a contact (`Store::add_contact`): claims its address;
//! - changing a contact's address (`Store::update_contact`): releases the old one, claims the
//!   new one (a change of case or surrounding spaces keeps the key, so touches neither);
//! - deleting a contact (`Store::delete_contact`): releases its address;
//! - moving a contact to another client (`Store::move_contact`): re-points its claim there;
//! - importing contacts (`Store::add_contacts`): claims each new row's address in the batch's
//!   transaction; a row whose claim fails is dropped from the batch as `email-taken`. Rows of
//!   a file that name an address already claimed update that claim's contact (`email_owners`)
//!   through `update_contact`, or fail when it belongs to another client.
//!
//! Deleting a client never touches a claim: only a client without contacts can go.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};

use super::s;
use super::tx::Item;
use super::{keys, Store};
use crate::domain::{ClientId, Contact, ContactId, Email, TenantId};
use crate::store::error::{StoreError, StoreResult};

fn claim_key(tenant: &TenantId, email: &Email) -> Item {
    Store::key(keys::email_claim_pk(tenant, email), keys::EMAIL_CLAIM_SK)
}

/// The whole claim item of `contact` on `email`.
fn claim_item(tenant: &TenantId, email: &Email, contact: &Contact) -> Item {
    let mut item = claim_key(tenant, email);
    item.insert("entity".into(), s("email"));
    item.insert("contact_id".into(), s(contact.id.to_string()));
    item.insert("client_id".into(), s(contact.client_id.to_string()));
    item.insert("email".into(), s(email.as_str()));
    item
}

impl Store {
    /// Claims `email` for `contact`; the condition fails if the address is claimed already.
    pub(super) fn claim_email(
        &self,
        tenant: &TenantId,
        email: &Email,
        contact: &Contact,
    ) -> StoreResult<TransactWriteItem> {
        self.put_new(claim_item(tenant, email, contact))
    }

    /// Points `owner`'s claim on `email` at `to` (the contact as moved to another client, or the
    /// survivor of a merge); the condition fails if the claim is not `owner`'s.
    pub(super) fn move_claim(
        &self,
        tenant: &TenantId,
        email: &Email,
        owner: ContactId,
        to: &Contact,
    ) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(claim_item(tenant, email, to)))
            .condition_expression("contact_id = :owner")
            .expression_attribute_values(":owner", s(owner.to_string()))
            .build()
            .map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Releases `owner`'s claim on `email`; the condition fails if the claim is not `owner`'s.
    pub(super) fn release_email(
        &self,
        tenant: &TenantId,
        email: &Email,
        owner: ContactId,
    ) -> StoreResult<TransactWriteItem> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(claim_key(tenant, email)))
            .condition_expression("contact_id = :owner")
            .expression_attribute_values(":owner", s(owner.to_string()))
            .build()
            .map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// The owner (client, contact) of each address key (`Email::key`) that is claimed, read in
    /// batches of keys (imports match their rows by address).
    pub(crate) async fn email_owners(
        &self,
        tenant: &TenantId,
        email_keys: &[String],
    ) -> StoreResult<HashMap<String, (ClientId, ContactId)>> {
        let prefix = keys::email_claims_prefix(tenant);
        let keys =
            email_keys.iter().map(|k| Self::key(format!("{prefix}{k}"), keys::EMAIL_CLAIM_SK)).collect();
        let mut owners = HashMap::new();
        for item in self.batch_get(keys).await? {
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            let key = text(keys::PK).strip_prefix(&prefix).map(str::to_owned);
            let owner = ClientId::parse(&text("client_id")).zip(ContactId::parse(&text("contact_id")));
            if let (Some(key), Some(owner)) = (key, owner) {
                owners.insert(key, owner);
            }
        }
        Ok(owners)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ContactFields, ContactPatch, Patch, Stamp, Text};

    fn contact(email: &str) -> Contact {
        let stamp = Stamp { at: "2024-01-01T00:00:00Z".into(), by: "u".into() };
        Contact::new(
            ContactId::generate(),
            ClientId::generate(),
            ContactFields::create(ContactPatch {
                last_name: Patch::Set(Text::from_stored("Lovelace".into())),
                email: Patch::Set(Email::parse(email).expect("valid")),
                ..ContactPatch::default()
            })
            .expect("valid fields"),
            &stamp,
        )
    }

    #[test]
    fn a_claim_is_keyed_by_the_trimmed_lower_cased_address_within_its_tenant() {
        let tenant = TenantId::parse("t1").expect("valid");
        let ada = contact("  Ada@X.Test ");
        let email = ada.fields.email.clone().expect("has an email");

        let item = claim_item(&tenant, &email, &ada);

        let text = |name: &str| item[name].as_s().expect("a string").clone();
        assert_eq!(text(keys::PK), "TENANT#t1#EMAIL#ada@x.test");
        assert_eq!(text(keys::SK), "EMAIL");
        assert_eq!(text("entity"), "email");
        assert_eq!(text("contact_id"), ada.id.to_string());
        assert_eq!(text("client_id"), ada.client_id.to_string());
        assert_eq!(text("email"), "Ada@X.Test");
        assert_eq!(item.len(), 6);
    }
}
