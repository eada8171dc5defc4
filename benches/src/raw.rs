//! The DynamoDB calls each operation makes, written directly with the SDK: the same requests
//! (keys, conditions, item shapes) the store sends, minus everything else the service does
//! (event parsing, identity, validation, mapping, responses). The handler's latency divided
//! by these is what the service adds.

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use aws_sdk_dynamodb::Client;
use serde_json::{json, Value};
use shared::domain::{
    ClientId, Contact, ContactFields, ContactId, ContactPatch, PhoneRegion, Stamp, TenantId,
};
use shared::store::items::new_contact_item;
use shared::store::{keys, Store};

use crate::Item;

mod operations;

/// What an operation acts on.
pub struct Target {
    client: ClientId,
    contact: Option<Contact>,
}

impl Target {
    /// From the client id and, where the operation needs one, the contact as the API returned it.
    pub fn from_prepared(client: &str, contact: Option<&Value>) -> Self {
        let client = ClientId::parse(client).expect("client id");
        Self { client, contact: contact.map(|c| stored_contact(client, c)) }
    }

    fn contact(&self) -> &Contact {
        self.contact.as_ref().expect("the operation needs a contact")
    }

    fn email(&self) -> &str {
        self.contact().fields.email.as_ref().expect("the contact has an email").as_str()
    }
}

/// The contact the API returned, with what its index items are made of (names, email, topics).
fn stored_contact(client: ClientId, c: &Value) -> Contact {
    let fields = ["first_name", "last_name", "email", "notifications"];
    let body = fields.iter().map(|f| (f.to_string(), c[*f].clone())).collect();
    let patch = ContactPatch::parse(body, PhoneRegion::parse("US").expect("US"), &Default::default(), true)
        .expect("its fields");
    let id = ContactId::parse(c["id"].as_str().expect("id")).expect("contact id");
    let stamp = Stamp { at: now(), by: "bench".into() };
    Contact::new(id, client, ContactFields::create(patch).expect("its fields"), &stamp)
}

pub struct RawOps {
    db: Client,
    table: String,
    tenant: TenantId,
    /// Builds the index writes exactly as the store does (`Store::index_writes`); sends nothing.
    store: Store,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn key(pk: String, sk: impl Into<String>) -> Item {
    Item::from([(keys::PK.to_owned(), s(pk)), (keys::SK.to_owned(), s(sk))])
}

/// A put that fails if the item exists, as every new item is written.
pub fn put_new(table: &str, item: Item) -> TransactWriteItem {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .expect("put");
    TransactWriteItem::builder().put(put).build()
}

fn now() -> String {
    "2026-11-22T00:00:00Z".into()
}

impl RawOps {
    pub fn new(db: Client, table: String, tenant: &str) -> Self {
        let store = Store::new(db.clone(), table.clone());
        Self { db, table, tenant: TenantId::parse(tenant).expect("tenant"), store }
    }

    /// The writes of a contact's index items from `before` to `after`, as the store sends them.
    fn index(&self, before: Option<&Contact>, after: Option<&Contact>) -> Vec<TransactWriteItem> {
        self.store.index_writes(&self.tenant, before, after).expect("index writes")
    }

    fn contact_key(&self, client: ClientId, id: ContactId) -> Item {
        key(keys::contacts_pk(&self.tenant, client), keys::contact_sk(id))
    }

    fn client_key(&self, client: ClientId) -> Item {
        key(keys::tenant_pk(&self.tenant), keys::client_sk(client))
    }

    fn marker_key(&self, email: &str) -> Item {
        key(format!("TENANT#{}#EMAIL#{}", self.tenant, email.to_lowercase()), keys::EMAIL_CLAIM_SK)
    }

    fn marker(&self, email: &str, client: ClientId, id: ContactId) -> Item {
        let mut item = self.marker_key(email);
        item.insert("entity".into(), s("email"));
        item.insert("contact_id".into(), s(id.to_string()));
        item.insert("client_id".into(), s(client.to_string()));
        item.insert("email".into(), s(email));
        item
    }

    /// A new contact as the add handler would store it.
    fn new_contact(&self, client: ClientId, i: usize) -> (Contact, Item) {
        let email = format!("raw.{i}.{}@bench.example", ulid::Ulid::new().to_string().to_lowercase());
        let body = json!({ "first_name": "Bench", "last_name": format!("Raw {i}"), "email": email,
            "notifications": ["invoice"], "permissions": ["support"], "portal": { "support_start": "2026-01-01", "support_end": "2099-12-31" } });
        let patch = ContactPatch::parse(
            body.as_object().expect("object").clone(),
            PhoneRegion::parse("US").expect("US"),
            &Default::default(),
            true,
        )
        .expect("valid contact");
        let stamp = Stamp { at: now(), by: "bench".into() };
        let contact = Contact::new(
            ContactId::generate(),
            client,
            ContactFields::create(patch).expect("valid contact"),
            &stamp,
        );
        let item = new_contact_item(&self.tenant, &contact).expect("contact item");
        (contact, item)
    }

    fn client_count_update(
        &self,
        client: ClientId,
        delta: &str,
        condition: &str,
        also_set: &str,
    ) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(self.client_key(client)))
            .update_expression(format!(
                "SET contact_count = contact_count {delta} :one, version = version + :one, updated_at = :at, updated_by = :by{also_set}"
            ))
            .condition_expression(condition)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":at", s(now()))
            .expression_attribute_values(":by", s("bench"))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
    }

    async fn transact(&self, items: Vec<TransactWriteItem>) -> bool {
        self.db.transact_write_items().set_transact_items(Some(items)).send().await.is_ok()
    }

    async fn version_of(&self, key: Item) -> u64 {
        let item = self.get(key).await;
        item["version"].as_n().expect("version").parse().expect("a number")
    }

    async fn get(&self, key: Item) -> Item {
        let out =
            self.db.get_item().table_name(&self.table).set_key(Some(key)).consistent_read(true).send().await;
        out.expect("GetItem").item.expect("item exists")
    }

    /// Runs the DynamoDB calls of one operation (see bench-ops for the names).
    pub async fn run(&self, op: &str, t: &Target, i: usize) {
        match op {
            "add contact" => self.add(t.client, i, false).await,
            "add first contact of a client" => self.add(t.client, i, true).await,
            "get contact" => {
                self.get(self.contact_key(t.client, t.contact().id)).await;
            }
            "get client" => {
                self.get(self.client_key(t.client)).await;
            }
            "list contacts, one page of 25" => self.list_contacts(t.client).await,
            "update contact" => {
                let key = self.contact_key(t.client, t.contact().id);
                self.plain_update(key, "job_title", format!("Role {i}")).await;
            }
            // Another name than the handler's run of the same `i` gave the shared client.
            "update client" => {
                self.plain_update(self.client_key(t.client), "name", format!("Client {i} (raw)")).await
            }
            "update contact email" => self.change_email(t, i).await,
            "delete contact" => self.delete_contact(t).await,
            "create client" => self.create_client(i).await,
            other => panic!("no raw form of {other}"),
        }
    }

    fn marker_delete(&self, email: &str, owner: ContactId) -> TransactWriteItem {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(self.marker_key(email)))
            .condition_expression("contact_id = :owner")
            .expression_attribute_values(":owner", s(owner.to_string()))
            .build()
            .expect("delete");
        TransactWriteItem::builder().delete(delete).build()
    }
}
