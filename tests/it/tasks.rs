//! Tasks: a note of kind `task`, due on a day and assigned to a staff user, listed among that
//! user's open tasks across the tenant (`GET /tasks`), soonest due first, until it is done or
//! its contact's history is erased.

use serde_json::{json, Value};
use testkit::events::EventStream;
use testkit::{Caller, TestApi};

use crate::support::{assert_invariants, contact_path, given_client, given_contact};

fn staff(tenant: &str, sub: &str) -> Caller {
    TestApi::staff_user(tenant, sub, &[])
}

/// A new contact of a new client of `tenant`, and its path.
async fn given_a_contact(api: &TestApi, tenant: &str, name: &str) -> String {
    let admin = TestApi::admin(tenant);
    let client = given_client(api, &admin, &format!("{name} Ltd")).await;
    let contact =
        given_contact(api, &admin, &client, json!({ "last_name": name, "phone": "+14155550100" })).await;
    contact_path(&client, &contact)
}

/// Staff user `me-1` of t1, and a contact of t1.
async fn given_me_and_a_contact(api: &TestApi) -> (Caller, String) {
    (staff("t1", "me-1"), given_a_contact(api, "t1", "Acme").await)
}

/// A task on `contact`, written by `by`, due on `due`, with `more` fields.
async fn given_task(api: &TestApi, by: &Caller, contact: &str, due: &str, more: Value) -> Value {
    let mut body = json!({ "kind": "task", "text": format!("Due {due}."), "due": due });
    body.as_object_mut().unwrap().extend(more.as_object().cloned().unwrap_or_default());
    let res = api.post(by, &format!("{contact}/notes"), body).await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.json()
}

/// The ids of the tasks `GET /tasks?{query}` lists for `caller` (one page).
async fn listed(api: &TestApi, caller: &Caller, query: &str) -> Vec<String> {
    let res = api.get(caller, &format!("/tasks?{query}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    ids(&res.json()["items"])
}

fn ids(items: &Value) -> Vec<String> {
    items.as_array().expect("items").iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect()
}

fn id(note: &Value) -> String {
    note["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn my_open_tasks_across_clients_come_soonest_due_first() {
    let api = TestApi::new().await;
    let (me, colleague) = (staff("t1", "me-1"), staff("t1", "colleague-2"));
    let (acme, globex) =
        (given_a_contact(&api, "t1", "Acme").await, given_a_contact(&api, "t1", "Globex").await);
    let later = given_task(&api, &me, &acme, "2026-12-20", json!({})).await;
    let sooner = given_task(&api, &colleague, &globex, "2026-12-10", json!({ "assignee": "me-1" })).await;
    given_task(&api, &colleague, &acme, "2026-12-01", json!({})).await;
    let note = api.post(&me, &format!("{acme}/notes"), json!({ "text": "Not a task." })).await;
    assert_eq!(note.status, 201);

    let res = api.get(&me, "/tasks?assignee=me").await;

    assert_eq!(ids(&res.json()["items"]), [id(&sooner), id(&later)]);
    let first = &res.json()["items"][0];
    assert_eq!(
        (first["kind"].as_str(), first["due"].as_str(), first["assignee"].as_str(), first["done"].as_bool()),
        (Some("task"), Some("2026-12-10"), Some("me-1"), Some(false))
    );
    assert_eq!(first["author"], "colleague-2");
    assert_eq!(
        (first["contact_last_name"].as_str(), first["client_name"].as_str()),
        (Some("Globex"), Some("Globex Ltd"))
    );
    assert_eq!(listed(&api, &me, "").await, listed(&api, &me, "assignee=me").await, "me unless given");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn due_before_leaves_out_tasks_due_on_that_day_or_later() {
    let api = TestApi::new().await;
    let (me, contact) = given_me_and_a_contact(&api).await;
    let early = given_task(&api, &me, &contact, "2026-12-09", json!({})).await;
    given_task(&api, &me, &contact, "2026-12-10", json!({})).await;

    assert_eq!(listed(&api, &me, "due_before=2026-12-10").await, [id(&early)]);
}

#[tokio::test]
async fn a_task_marked_done_leaves_the_list_and_reopened_comes_back() {
    let api = TestApi::new().await;
    let (me, contact) = given_me_and_a_contact(&api).await;
    let task = given_task(&api, &me, &contact, "2026-12-09", json!({})).await;
    let path = format!("{contact}/notes/{}", id(&task));

    let done = api.patch(&me, &path, json!({ "done": true })).await;
    let while_done = listed(&api, &me, "").await;
    let reopened = api.patch(&me, &path, json!({ "done": false })).await;

    assert_eq!((done.status, done.json()["done"].as_bool()), (200, Some(true)), "{}", done.body);
    assert_eq!(while_done, Vec::<String>::new());
    assert_eq!(reopened.status, 200, "{}", reopened.body);
    assert_eq!(listed(&api, &me, "").await, [id(&task)]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_reassigned_task_moves_to_its_new_assignees_list() {
    let api = TestApi::new().await;
    let (me, colleague) = (staff("t1", "me-1"), staff("t1", "colleague-2"));
    let contact = given_a_contact(&api, "t1", "Acme").await;
    let task = given_task(&api, &me, &contact, "2026-12-09", json!({})).await;

    let res =
        api.patch(&me, &format!("{contact}/notes/{}", id(&task)), json!({ "assignee": "colleague-2" })).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(listed(&api, &me, "").await, Vec::<String>::new());
    assert_eq!(listed(&api, &colleague, "").await, [id(&task)]);
    assert_eq!(
        listed(&api, &me, "assignee=colleague-2").await,
        [id(&task)],
        "a colleague's list is readable"
    );
}

#[tokio::test]
async fn the_assignee_marks_a_colleagues_task_done_but_cannot_delete_it() {
    let api = TestApi::new().await;
    let (author, assignee) = (staff("t1", "author-1"), staff("t1", "assignee-2"));
    let contact = given_a_contact(&api, "t1", "Acme").await;
    let task = given_task(&api, &author, &contact, "2026-12-09", json!({ "assignee": "assignee-2" })).await;
    let path = format!("{contact}/notes/{}", id(&task));

    let done = api.patch(&assignee, &path, json!({ "done": true })).await;
    let deleted = api.delete(&assignee, &path).await;
    let bystander = api.patch(&staff("t1", "bystander-3"), &path, json!({ "done": false })).await;

    assert_eq!((done.status, done.json()["updated_by"].as_str()), (200, Some("assignee-2")), "{}", done.body);
    assert_eq!([deleted.status, bystander.status], [403, 403]);
}

#[tokio::test]
async fn the_same_sub_in_another_tenant_never_sees_the_tasks() {
    let api = TestApi::new().await;
    let contact = given_a_contact(&api, "t1", "Acme").await;
    given_task(&api, &staff("t1", "shared-sub"), &contact, "2026-12-09", json!({})).await;

    assert_eq!(listed(&api, &staff("t2", "shared-sub"), "").await, Vec::<String>::new());
}

#[tokio::test]
async fn a_deleted_contacts_tasks_leave_the_list_with_its_erased_history() {
    let api = TestApi::new().await;
    let me = staff("t1", "me-1");
    let (gone, kept) =
        (given_a_contact(&api, "t1", "Acme").await, given_a_contact(&api, "t1", "Globex").await);
    given_task(&api, &me, &gone, "2026-12-09", json!({})).await;
    let stays = given_task(&api, &me, &kept, "2026-12-10", json!({})).await;
    let mut stream = EventStream::of(&api).await;

    assert_eq!(api.delete(&TestApi::admin("t1"), &gone).await.status, 204);
    // The deletion's stream record erases the contact's history, its tasks with it.
    stream.events().await;

    assert_eq!(listed(&api, &me, "").await, [id(&stays)]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_long_list_pages_with_a_cursor_bound_to_its_assignee_and_day() {
    let api = TestApi::new().await;
    let (me, contact) = given_me_and_a_contact(&api).await;
    let mut expected = Vec::new();
    for day in 10..15 {
        expected.push(id(&given_task(&api, &me, &contact, &format!("2026-12-{day}"), json!({})).await));
    }

    let first = api.get(&me, "/tasks?limit=2").await.json();
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let mut all = ids(&first["items"]);
    let mut next = Some(cursor.clone());
    while let Some(cursor) = next {
        let page = api.get(&me, &format!("/tasks?limit=2&cursor={cursor}")).await.json();
        all.extend(ids(&page["items"]));
        next = page["next_cursor"].as_str().map(str::to_owned);
    }
    let elsewhere = api.get(&me, &format!("/tasks?limit=2&assignee=other-3&cursor={cursor}")).await;

    assert_eq!(all, expected);
    assert_eq!(elsewhere.status, 400, "{}", elsewhere.body);
}

#[tokio::test]
async fn a_task_with_bad_fields_and_a_list_with_bad_parameters_are_refused() {
    let api = TestApi::new().await;
    let (me, contact) = given_me_and_a_contact(&api).await;
    let bad_task =
        json!({ "kind": "task", "text": "x", "due": "next week", "assignee": "a#b", "done": "yes" });

    let task = api.post(&me, &format!("{contact}/notes"), bad_task).await;
    let on_a_call = api
        .post(&me, &format!("{contact}/notes"), json!({ "kind": "call", "text": "x", "due": "2026-12-09" }))
        .await;
    let statuses = [
        api.get(&me, "/tasks?due_before=tomorrow").await.status,
        api.get(&me, "/tasks?assignee=a%23b").await.status,
        api.get(&me, "/tasks?done=true").await.status,
    ];

    assert_eq!(task.status, 422, "{}", task.body);
    assert_eq!(task.invalid_fields(), ["assignee", "done", "due"]);
    assert_eq!((on_a_call.status, on_a_call.invalid_fields()), (422, vec!["due".to_owned()]));
    assert_eq!(statuses, [400, 400, 400]);
}
