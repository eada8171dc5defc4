//! A staff user's open tasks: a task's note item carries, while it is open, `GSI1PK =
//! TENANT#t#TASKS#{assignee}` and `GSI1SK = {due}#{note id}#{contact id}` (`Task::open`), so the
//! due index holds one partition per assignee, by due day. A page costs what it returns: done
//! tasks and other notes are not in it. Like every index it is eventually consistent: a task
//! marked done a moment ago can still be listed.

use serde_dynamo::from_item;
use time::Date;

use std::collections::{BTreeSet, HashMap};

use super::notes::note_key;
use super::{keys, s, Page, Store, TenantContact};
use crate::domain::activity::Activity;
use crate::domain::dates::format_date;
use crate::domain::note::Note;
use crate::domain::{ClientId, ContactId, NoteId, TenantId};
use crate::store::error::{StoreError, StoreResult};
use crate::store::tx::Item;

/// An open task as a list shows it: with its contact's names and its client's, so a list
/// screen needs no read per task.
#[derive(Debug, serde::Serialize)]
pub struct ListedTask {
    #[serde(flatten)]
    pub task: Note,
    pub contact_first_name: Option<String>,
    pub contact_last_name: String,
    pub client_name: String,
}

/// Which open tasks: whose, and due before which day (if any).
pub struct TaskFilter<'a> {
    pub assignee: &'a str,
    pub due_before: Option<Date>,
}

impl Store {
    /// One page of the assignee's open tasks, soonest due first, after `after` (a sort key a
    /// page ended at), each with its contact's and client's names (one `BatchGetItem` of the
    /// page's contacts, one of their clients). A task whose contact is gone (deleted, its
    /// history not yet erased) is left out, as it soon will be from the index.
    pub async fn list_tasks(
        &self,
        tenant: &TenantId,
        filter: &TaskFilter<'_>,
        limit: i32,
        after: Option<String>,
    ) -> StoreResult<Page<ListedTask>> {
        let pk = keys::tasks_pk(tenant, filter.assignee);
        let start = after.map(|position| start_key(tenant, &pk, &position)).transpose()?;
        // A sort key starts with its due day, and `{day}` sorts before `{day}#...`.
        let mut values = Item::from([(":pk".to_owned(), s(&pk))]);
        let condition = match filter.due_before {
            Some(day) => {
                values.insert(":before".to_owned(), s(format_date(day)));
                "GSI1PK = :pk AND GSI1SK < :before"
            }
            None => "GSI1PK = :pk",
        };
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .index_name(keys::DUE_INDEX)
            .key_condition_expression(condition)
            .set_expression_attribute_values(Some(values))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| StoreError::failed("Query", e.into_service_error()))?;
        let tasks = out.items().iter().map(|item| task_of(item.clone())).collect::<StoreResult<Vec<_>>>()?;
        let last_sort_key =
            out.last_evaluated_key().and_then(|k| k.get("GSI1SK")).and_then(|v| v.as_s().ok()).cloned();
        Ok(Page { items: self.with_names(tenant, tasks).await?, last_sort_key })
    }

    async fn with_names(&self, tenant: &TenantId, tasks: Vec<Note>) -> StoreResult<Vec<ListedTask>> {
        let keys: BTreeSet<(ClientId, ContactId)> =
            tasks.iter().map(|t| (t.client_id, t.contact_id)).collect();
        let contacts = self.contacts_at(tenant, keys).await?;
        let named: HashMap<ContactId, TenantContact> =
            self.with_client_names(tenant, contacts).await?.into_iter().map(|c| (c.contact.id, c)).collect();
        let listed = tasks.into_iter().filter_map(|task| {
            let contact = named.get(&task.contact_id)?;
            let fields = &contact.contact.fields;
            Some(ListedTask {
                contact_first_name: fields.first_name.as_ref().map(|n| n.as_str().to_owned()),
                contact_last_name: fields.last_name.as_str().to_owned(),
                client_name: contact.client_name.clone(),
                task,
            })
        });
        Ok(listed.collect())
    }
}

fn task_of(item: Item) -> StoreResult<Note> {
    let activity: Activity = from_item(item).map_err(StoreError::internal)?;
    Note::from_activity(activity).ok_or_else(|| StoreError::internal("a task's index item holds no note"))
}

/// The index key to continue after: the position is the `GSI1SK` a page ended at, whose note
/// and contact ids give the item's own key.
fn start_key(tenant: &TenantId, pk: &str, position: &str) -> StoreResult<Item> {
    let bad = || StoreError::internal("a task position without its ids");
    let mut parts = position.rsplitn(3, '#');
    let contact = parts.next().and_then(ContactId::parse).ok_or_else(bad)?;
    let note = parts.next().and_then(NoteId::parse).ok_or_else(bad)?;
    let mut key = note_key(tenant, contact, note);
    key.insert("GSI1PK".into(), s(pk));
    key.insert("GSI1SK".into(), s(position));
    Ok(key)
}
