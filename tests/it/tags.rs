//! Tags: a tenant's own labels for contacts. Names are unique in a tenant, a rename touches the
//! tag alone, a contact carries at most 20, a tag's contacts are listed across clients and
//! browsing filters on one, and deleting a tag takes it from its contacts a page per call,
//! going on where a failed or bounded call stopped.

use serde_json::{json, Value};
use testkit::events::EventStream;
use testkit::proxy::dynamo::Fault;
use testkit::{Caller, TestApi};

use crate::support::{addresses, assert_invariants, contact_path, given_client, given_contact, unique_email};

fn admin() -> Caller {
    TestApi::admin("t1")
}

async fn given_tag(api: &TestApi, name: &str) -> String {
    let res = api.post(&admin(), "/tags", json!({ "name": name })).await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.json()["id"].as_str().expect("a tag id").to_owned()
}

/// `n` contacts of a new client `name` of t1: their paths.
async fn given_contacts(api: &TestApi, name: &str, n: usize) -> Vec<String> {
    let client = given_client(api, &admin(), name).await;
    let mut paths = Vec::new();
    for i in 0..n {
        let body = json!({ "last_name": format!("{name} {i:03}"), "phone": "+14155550100" });
        paths.push(contact_path(&client, &given_contact(api, &admin(), &client, body).await));
    }
    paths
}

async fn tag(api: &TestApi, contact: &str, tag: &str) -> u16 {
    api.send(&admin(), "PUT", &format!("{contact}/tags/{tag}"), &[], None).await.status
}

async fn tag_ids(api: &TestApi, contact: &str) -> Vec<String> {
    let res = api.get(&admin(), contact).await;
    serde_json::from_value(res.json()["tag_ids"].clone()).expect("tag_ids")
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
}

fn id_of(path: &str) -> String {
    path.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_tag_is_made_listed_and_renamed_and_its_name_is_the_tenants_once() {
    let api = TestApi::new().await;
    let vip = given_tag(&api, "VIP").await;

    let same = api.post(&admin(), "/tags", json!({ "name": " vip " })).await;
    let elsewhere = api.post(&TestApi::admin("t2"), "/tags", json!({ "name": "VIP" })).await;
    let renamed = api
        .patch(&admin(), &format!("/tags/{vip}"), json!({ "name": "Key account", "colour": "#0A7D3C" }))
        .await;
    let reused = api.post(&admin(), "/tags", json!({ "name": "VIP" })).await;

    assert_eq!((same.status, same.problem_code().as_str()), (409, "tag-name-taken"), "{}", same.body);
    assert_eq!(elsewhere.status, 201, "another tenant has its own names");
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(
        (renamed.json()["name"].as_str(), renamed.json()["colour"].as_str()),
        (Some("Key account"), Some("#0a7d3c"))
    );
    assert_eq!(reused.status, 201, "a rename frees the old name: {}", reused.body);
    let listed = api.get(&admin(), "/tags").await.json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2), "{listed}");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn renaming_a_tag_writes_the_tag_alone_however_many_contacts_carry_it() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let vip = given_tag(&api, "VIP").await;
    for contact in given_contacts(&api, "Acme", 3).await {
        assert_eq!(tag(&api, &contact, &vip).await, 204);
    }
    proxy.take_calls();

    let res = api.patch(&admin(), &format!("/tags/{vip}"), json!({ "name": "Key account" })).await;

    assert_eq!(res.status, 200, "{}", res.body);
    let writes: Vec<_> = proxy.take_calls().into_iter().filter(|c| c.operation != "GetItem").collect();
    let shapes: Vec<(String, usize)> = writes.iter().map(|c| (c.operation.clone(), c.items)).collect();
    assert_eq!(
        shapes,
        [("TransactWriteItems".to_owned(), 3)],
        "the tag, its new name's claim, its old one's"
    );
}

#[tokio::test]
async fn tagging_a_contact_twice_leaves_one_tag_and_untagging_twice_is_no_error() {
    let api = TestApi::new().await;
    let vip = given_tag(&api, "VIP").await;
    let contact = given_contacts(&api, "Acme", 1).await.remove(0);
    let version = api.get(&admin(), &contact).await.json()["version"].clone();

    let statuses = [tag(&api, &contact, &vip).await, tag(&api, &contact, &vip).await];
    let carried = tag_ids(&api, &contact).await;
    let untagged = [
        api.delete(&admin(), &format!("{contact}/tags/{vip}")).await.status,
        api.delete(&admin(), &format!("{contact}/tags/{vip}")).await.status,
    ];

    assert_eq!(statuses, [204, 204]);
    assert_eq!(carried, vec![vip]);
    assert_eq!(untagged, [204, 204]);
    assert!(tag_ids(&api, &contact).await.is_empty());
    assert_eq!(api.get(&admin(), &contact).await.json()["version"], version, "tags move no version");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_contact_carries_at_most_20_tags() {
    let api = TestApi::new().await;
    let contact = given_contacts(&api, "Acme", 1).await.remove(0);
    for i in 0..20 {
        let tag_id = given_tag(&api, &format!("Tag {i}")).await;
        assert_eq!(tag(&api, &contact, &tag_id).await, 204);
    }
    let one_more = given_tag(&api, "One more").await;

    let res = api.send(&admin(), "PUT", &format!("{contact}/tags/{one_more}"), &[], None).await;

    assert_eq!((res.status, res.problem_code().as_str()), (409, "too-many-tags"), "{}", res.body);
    assert_eq!(tag_ids(&api, &contact).await.len(), 20);
}

#[tokio::test]
async fn a_tags_contacts_are_listed_across_clients_and_browsing_filters_on_the_tag() {
    let api = TestApi::new().await;
    let vip = given_tag(&api, "VIP").await;
    let (acme, globex) = (given_contacts(&api, "Acme", 2).await, given_contacts(&api, "Globex", 1).await);
    assert_eq!(tag(&api, &acme[1], &vip).await, 204);
    assert_eq!(tag(&api, &globex[0], &vip).await, 204);

    let members = api.get(&admin(), &format!("/tags/{vip}/contacts")).await.json();
    let browsed = api.get(&admin(), &format!("/contacts?tag={vip}")).await.json();

    let mut expected = vec![id_of(&acme[1]), id_of(&globex[0])];
    expected.sort();
    let mut listed = ids(&members);
    listed.sort();
    assert_eq!(listed, expected);
    assert!(members["items"].as_array().unwrap().iter().all(|c| c["client_name"].is_string()), "{members}");
    assert_eq!(ids(&browsed), [id_of(&acme[1]), id_of(&globex[0])], "in name order");
}

#[tokio::test]
async fn another_tenants_tag_or_contact_is_not_found() {
    let api = TestApi::new().await;
    let theirs = {
        let res = api.post(&TestApi::admin("t2"), "/tags", json!({ "name": "Theirs" })).await;
        res.json()["id"].as_str().unwrap().to_owned()
    };
    let contact = given_contacts(&api, "Acme", 1).await.remove(0);

    let res = api.send(&admin(), "PUT", &format!("{contact}/tags/{theirs}"), &[], None).await;
    let listed = api.get(&admin(), &format!("/tags/{theirs}/contacts")).await;

    assert_eq!([res.status, listed.status], [404, 404], "{}", res.body);
    assert!(tag_ids(&api, &contact).await.is_empty());
}

#[tokio::test]
async fn deleting_a_tag_takes_it_from_its_contacts_a_page_per_call() {
    let api = TestApi::new().await;
    let vip = given_tag(&api, "VIP").await;
    let contacts = given_contacts(&api, "Acme", 205).await;
    for contact in &contacts {
        assert_eq!(tag(&api, contact, &vip).await, 204);
    }

    let first = api.delete(&admin(), &format!("/tags/{vip}")).await;
    let while_deleting = tag(&api, &given_contacts(&api, "Globex", 1).await[0], &vip).await;
    let second = api.delete(&admin(), &format!("/tags/{vip}")).await;
    let after = api.get(&admin(), &format!("/tags/{vip}/contacts")).await;

    assert_eq!((first.status, first.json()["removed"].as_u64()), (202, Some(200)), "{}", first.body);
    assert_eq!(while_deleting, 409, "a tag being deleted takes no contact");
    assert_eq!(second.status, 204, "{}", second.body);
    assert_eq!(after.status, 404);
    assert!(tag_ids(&api, &contacts[0]).await.is_empty() && tag_ids(&api, &contacts[204]).await.is_empty());
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_tag_deletion_that_failed_part_way_goes_on_when_asked_again() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let vip = given_tag(&api, "VIP").await;
    for contact in given_contacts(&api, "Acme", 6).await {
        assert_eq!(tag(&api, &contact, &vip).await, 204);
    }
    proxy.fail_after("TransactWriteItems", 2, Fault::InternalError);
    for _ in 0..30 {
        proxy.fail_next("TransactWriteItems", Fault::InternalError);
    }

    let failed = api.delete(&admin(), &format!("/tags/{vip}")).await;
    proxy.clear_faults();
    let again = api.delete(&admin(), &format!("/tags/{vip}")).await;

    assert!(failed.status >= 500, "{}", failed.body);
    assert_eq!(again.status, 204, "{}", again.body);
    assert_eq!(api.get(&admin(), &format!("/tags/{vip}/contacts")).await.status, 404);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_deleted_contacts_member_items_go_with_its_history() {
    let api = TestApi::new().await;
    let vip = given_tag(&api, "VIP").await;
    let contact = given_contacts(&api, "Acme", 1).await.remove(0);
    assert_eq!(tag(&api, &contact, &vip).await, 204);
    let mut stream = EventStream::of(&api).await;

    assert_eq!(api.delete(&admin(), &contact).await.status, 204);
    stream.events().await;

    let members = api.get(&admin(), &format!("/tags/{vip}/contacts")).await.json();
    assert_eq!(ids(&members), Vec::<String>::new());
    let left =
        api.scan().await.into_iter().filter(|i| format!("{i:?}").contains(&format!("#TAG#{vip}"))).count();
    assert_eq!(left, 0, "no member item is left");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_tag_with_bad_fields_is_422_naming_each() {
    let api = TestApi::new().await;

    let res =
        api.post(&admin(), "/tags", json!({ "name": "x".repeat(51), "colour": "red", "size": 1 })).await;
    let unnamed = api.post(&admin(), "/tags", json!({ "colour": "#000000" })).await;

    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(res.invalid_fields(), ["colour", "name", "size"]);
    assert_eq!(unnamed.invalid_fields(), ["name"]);
}

#[tokio::test]
async fn notifying_a_tag_emails_the_clients_contacts_carrying_it_opted_in_or_not_and_no_one_else() {
    let api = TestApi::new().await;
    let vip = given_tag(&api, "VIP").await;
    let (acme, globex) =
        (given_client(&api, &admin(), "Acme").await, given_client(&api, &admin(), "Globex").await);
    let mut tagged = Vec::new();
    for (client, name, tag_it) in
        [(&acme, "Ada", true), (&acme, "Bea", true), (&acme, "Cy", false), (&globex, "Di", true)]
    {
        let email = unique_email(name);
        let contact =
            given_contact(&api, &admin(), client, json!({ "last_name": name, "email": email })).await;
        if tag_it {
            assert_eq!(tag(&api, &contact_path(client, &contact), &vip).await, 204);
            if client == &acme {
                tagged.push(email);
            }
        }
    }
    let body = json!({ "tag": vip, "subject": "For our key accounts", "text": "Hello." });

    let res = api.post(&admin(), &format!("/clients/{acme}/notifications"), body).await;

    assert_eq!(res.status, 202, "{}", res.body);
    let mut sent = addresses(&res.json()["sent"]);
    sent.sort();
    tagged.sort();
    assert_eq!(sent, tagged);
    assert_eq!((res.json()["tag"].as_str(), res.json()["topic"].as_str()), (Some(vip.as_str()), None));
}

#[tokio::test]
async fn a_notification_names_one_of_topic_contact_ids_and_tag_and_an_unknown_tag_is_not_found() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let vip = given_tag(&api, "VIP").await;
    let path = format!("/clients/{acme}/notifications");
    let both = json!({ "tag": vip, "topic": "invoice", "subject": "s", "text": "t" });
    let unknown = json!({ "tag": "01JT0000000000000000000000", "subject": "s", "text": "t" });

    let null = json!({ "topic": "invoice", "tag": null, "subject": "s", "text": "t" });

    let refused = api.post(&admin(), &path, both).await;
    let missing = api.post(&admin(), &path, unknown).await;
    let nulled = api.post(&admin(), &path, null).await;

    assert_eq!((refused.status, refused.invalid_fields()), (422, vec!["tag".to_owned()]), "{}", refused.body);
    assert_eq!(
        (nulled.status, nulled.invalid_fields()),
        (422, vec!["tag".to_owned()]),
        "null is no tag: {}",
        nulled.body
    );
    assert_eq!(missing.status, 404, "{}", missing.body);
}

/// Imports `csv` into `client` as an admin of t1: the report.
async fn import(api: &TestApi, client: &str, csv: &str) -> Value {
    let path = format!("/clients/{client}/contacts/import");
    let res = api.send(&admin(), "POST", &path, &[("content-type", "text/csv")], Some(csv.to_owned())).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()
}

#[tokio::test]
async fn an_imported_tags_cell_sets_the_contacts_tags_by_name_and_an_empty_one_leaves_them() {
    let api = TestApi::new().await;
    let (vip, emea) = (given_tag(&api, "VIP").await, given_tag(&api, "EMEA, west").await);
    let acme = given_client(&api, &admin(), "Acme").await;
    let kept =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Kept", "email": "kept@x.test" })).await;
    let kept = contact_path(&acme, &kept);
    assert_eq!(tag(&api, &kept, &vip).await, 204);

    let first = import(
        &api,
        &acme,
        "last_name,email,tags\nNew,new@x.test,\"vip | EMEA,  west\"\nKept,kept@x.test,\n",
    )
    .await;
    let again = import(&api, &acme, "last_name,email,tags\nKept,kept@x.test,\"EMEA, west\"\n").await;
    let cleared = import(&api, &acme, "last_name,email,tags\nKept,kept@x.test,[clear]\n").await;

    assert_eq!((first["created"].as_u64(), first["unchanged"].as_u64()), (Some(1), Some(1)), "{first}");
    let created = api.get(&admin(), "/contacts?email=new@x.test").await.json();
    let mut expected = vec![vip.clone(), emea.clone()];
    expected.sort();
    assert_eq!(created["items"][0]["tag_ids"], json!(expected));
    assert_eq!(again["updated"], 1, "{again}");
    assert_eq!((cleared["updated"].as_u64(), tag_ids(&api, &kept).await.len()), (Some(1), 0), "{cleared}");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn an_imported_tag_the_tenant_does_not_have_fails_its_row_alone() {
    let api = TestApi::new().await;
    given_tag(&api, "VIP").await;
    let acme = given_client(&api, &admin(), "Acme").await;

    let report = import(&api, &acme, "last_name,email,tags\nA,a@x.test,VIP|Gold\nB,b@x.test,VIP\n").await;

    assert_eq!((report["created"].as_u64(), report["failed"].as_u64()), (Some(1), Some(1)), "{report}");
    assert_eq!(
        report["errors"][0]["errors"][0],
        json!({ "field": "tags", "message": "no tag named \"Gold\"" }),
        "{report}"
    );
}
