//! The raw operations longer than a key lookup: the writes, each with the conditions and
//! transactions the store uses, and the list's query.

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use shared::domain::{ClientId, Email, Stamp};
use shared::store::deletions::deletion_item;
use shared::store::keys;

use super::{n, now, put_new, s, RawOps, Target};
use crate::Item;

impl RawOps {
    /// As the store adds: assuming the client has contacts; when it has none (its condition
    /// fails), again as the client's primary. The contact's index items go in the same
    /// transaction.
    pub(super) async fn add(&self, client: ClientId, i: usize, first: bool) {
        let (contact, item) = self.new_contact(client, i);
        let email = contact.fields.email.as_ref().expect("email").as_str().to_owned();
        let marker = self.marker(&email, client, contact.id);
        let assumed = self
            .client_count_update(client, "+", "attribute_exists(PK) AND contact_count > :zero", "")
            .expression_attribute_values(":zero", n(0));
        let mut items = vec![
            TransactWriteItem::builder().update(assumed.build().expect("update")).build(),
            put_new(&self.table, item.clone()),
            put_new(&self.table, marker.clone()),
        ];
        items.extend(self.index(None, Some(&contact)));
        assert_eq!(self.transact(items).await, !first, "only a first contact is planned again");
        if first {
            let mut primary = item;
            primary.insert("is_primary".into(), AttributeValue::Bool(true));
            let update = self
                .client_count_update(
                    client,
                    "+",
                    "attribute_exists(PK) AND contact_count = :zero",
                    ", primary_contact_id = :new",
                )
                .expression_attribute_values(":zero", n(0))
                .expression_attribute_values(":new", s(contact.id.to_string()));
            let mut items = vec![
                TransactWriteItem::builder().update(update.build().expect("update")).build(),
                put_new(&self.table, primary),
                put_new(&self.table, marker),
            ];
            items.extend(self.index(None, Some(&contact)));
            assert!(self.transact(items).await, "primary add");
        }
    }

    /// One plain edit as the store writes it (`store::plain`): no read, one `UpdateItem` whose
    /// condition checks the item exists and the edit changes it, answering the item as it is.
    pub(super) async fn plain_update(&self, key: Item, attr: &str, value: String) {
        self.db
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(format!(
                "SET #{attr} = :{attr}, version = version + :one, updated_at = :at, updated_by = :by"
            ))
            .condition_expression(format!(
                "attribute_exists(PK) AND (attribute_not_exists(#{attr}) OR #{attr} <> :{attr})"
            ))
            .expression_attribute_names(format!("#{attr}"), attr)
            .expression_attribute_values(format!(":{attr}"), s(value))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":at", s(now()))
            .expression_attribute_values(":by", s("bench"))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await
            .expect("UpdateItem");
    }

    /// One page of a client's contacts, as the list handler queries it.
    pub(super) async fn list_contacts(&self, client: ClientId) {
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(keys::contacts_pk(&self.tenant, client)))
            .expression_attribute_values(":prefix", s(keys::CONTACT_SK_PREFIX))
            .limit(25)
            .send()
            .await
            .expect("Query");
        assert_eq!(out.items().len(), 25);
    }

    /// An email change as the store writes it: the contact conditioned on the version just
    /// read, the old address's marker released and the new one claimed, and the search item
    /// of the old address swapped for the new one's, in one transaction.
    pub(super) async fn change_email(&self, t: &Target, i: usize) {
        let (id, old) = (t.contact().id, t.email());
        // The version the write is conditioned on is the one just read, as in the store.
        let version = self.version_of(self.contact_key(t.client, id)).await;
        let new = format!("moved.{i}.{}@bench.example", ulid::Ulid::new().to_string().to_lowercase());
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(self.contact_key(t.client, id)))
            .update_expression(
                "SET email = :email, version = version + :one, updated_at = :at, updated_by = :by",
            )
            .condition_expression("version = :expected")
            .expression_attribute_values(":email", s(&new))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":expected", n(version))
            .expression_attribute_values(":at", s(now()))
            .expression_attribute_values(":by", s("bench"))
            .build()
            .expect("update");
        let mut after = t.contact().clone();
        after.fields.email = Some(Email::parse(&new).expect("an address"));
        let mut items = vec![
            TransactWriteItem::builder().update(update).build(),
            self.marker_delete(old, id),
            put_new(&self.table, self.marker(&new, t.client, id)),
        ];
        items.extend(self.index(Some(t.contact()), Some(&after)));
        assert!(self.transact(items).await, "email change");
    }

    /// A deletion as the store writes it: the contact conditioned on the version just read and
    /// on its counts of reports and projects (none here), its deletion record, the client's
    /// count, the address's marker and its index items, in one transaction.
    pub(super) async fn delete_contact(&self, t: &Target) {
        let (id, email) = (t.contact().id, t.email());
        // The version the write is conditioned on is the one just read, as in the store.
        let version = self.version_of(self.contact_key(t.client, id)).await;
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(self.contact_key(t.client, id)))
            .condition_expression(
                "version = :expected AND (attribute_not_exists(report_count) OR report_count = :reports) \
                 AND (attribute_not_exists(project_count) OR project_count = :projects)",
            )
            .expression_attribute_values(":expected", n(version))
            .expression_attribute_values(":reports", n(0))
            .expression_attribute_values(":projects", n(0))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .expect("delete");
        let stamp = Stamp { at: now(), by: "bench".into() };
        let record = deletion_item(&self.tenant, t.client, Some(id), &stamp);
        let record = Put::builder().table_name(&self.table).set_item(Some(record)).build().expect("put");
        let mut items = vec![
            TransactWriteItem::builder().delete(delete).build(),
            TransactWriteItem::builder().put(record).build(),
            TransactWriteItem::builder()
                .update(
                    self.client_count_update(t.client, "-", "attribute_exists(PK)", "")
                        .build()
                        .expect("update"),
                )
                .build(),
            self.marker_delete(email, id),
        ];
        items.extend(self.index(Some(t.contact()), None));
        assert!(self.transact(items).await, "delete");
    }

    /// A new client item, written only if it does not exist.
    pub(super) async fn create_client(&self, i: usize) {
        let id = ClientId::generate();
        let mut item = self.client_key(id);
        for (k, v) in [("entity", "client"), ("id", &id.to_string()), ("name", &format!("Raw {i}"))] {
            item.insert(k.into(), s(v));
        }
        item.insert("contact_count".into(), n(0));
        item.insert("version".into(), n(1));
        self.db
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .expect("PutItem");
    }
}
