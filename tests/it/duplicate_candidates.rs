//! Duplicate candidates (`GET /contacts/duplicates`): pairs of a tenant's contacts that are
//! likely one person, by rules a user understands (docs/api.md "Duplicate candidates"), read
//! from keys the stream keeps with each contact.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use testkit::events::EventStream;
use testkit::{Caller, TestApi};

use crate::support::{contact_path, given_client, given_contact, unique_email};

fn admin() -> Caller {
    TestApi::admin("t1")
}

/// The pairs the tenant's caller is shown, as (rule, the two ids in order), every window read.
async fn pairs(api: &TestApi, caller: &Caller, query: &str) -> BTreeSet<(String, String, String)> {
    let mut found = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let after = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        let res = api.get(caller, &format!("/contacts/duplicates?{query}{after}")).await;
        assert_eq!(res.status, 200, "{}", res.body);
        let page = res.json();
        for pair in page["items"].as_array().expect("items") {
            let mut ids: Vec<String> = pair["contacts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            assert!(pair["contacts"][0]["client_name"].is_string(), "{pair}");
            found.insert((pair["rule"].as_str().unwrap().to_owned(), ids[0].clone(), ids[1].clone()));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return found,
        }
    }
}

fn pair(rule: &str, a: &Value, b: &Value) -> (String, String, String) {
    let mut ids = [a["id"].as_str().unwrap().to_owned(), b["id"].as_str().unwrap().to_owned()];
    ids.sort();
    let [x, y] = ids;
    (rule.to_owned(), x, y)
}

/// Acme's Ada (a phone, an address), another Ada Lovelace at Acme, Grace at Globex with Ada's
/// number, and Ada's address with dots and a suffix at Globex; the stream handled.
async fn given_lookalikes(api: &TestApi, stream: &mut EventStream) -> [Value; 4] {
    let (acme, globex) =
        (given_client(api, &admin(), "Acme").await, given_client(api, &admin(), "Globex").await);
    let tag = unique_email("x").replace('@', ".");
    let ada = json!({ "first_name": "Ada", "last_name": "Lovelace", "email": format!("ada.lovelace+crm@{tag}"), "phone": "+12025550143" });
    let ada = given_contact(api, &admin(), &acme, ada).await;
    let twin = json!({ "first_name": " ADA", "last_name": "Lovelace", "phone": "+12025550144" });
    let twin = given_contact(api, &admin(), &acme, twin).await;
    let grace = json!({ "first_name": "Grace", "last_name": "Hopper", "mobile": "(202) 555-0143" });
    let grace = given_contact(api, &admin(), &globex, grace).await;
    let alias = json!({ "first_name": "A", "last_name": "L", "email": format!("adalovelace@{tag}") });
    let alias = given_contact(api, &admin(), &globex, alias).await;
    stream.events().await;
    [ada, twin, grace, alias]
}

#[tokio::test]
async fn a_shared_number_a_name_at_one_client_and_an_address_alias_are_each_a_pair_with_its_rule() {
    // Given look-alikes across two clients, their keys kept by the stream
    let api = TestApi::new().await;
    let mut stream = EventStream::of(&api).await;
    let [ada, twin, grace, alias] = given_lookalikes(&api, &mut stream).await;

    // When any user of the tenant asks for candidates
    let found = pairs(&api, &TestApi::reader("t1"), "").await;

    // Then each rule pairs exactly its look-alikes
    let expected =
        BTreeSet::from([pair("phone", &ada, &grace), pair("name", &ada, &twin), pair("email", &ada, &alias)]);
    assert_eq!(found, expected);
    // and a rule asks for its own pairs only
    assert_eq!(pairs(&api, &admin(), "rule=name").await, BTreeSet::from([pair("name", &ada, &twin)]));
}

#[tokio::test]
async fn a_change_a_move_and_a_deletion_are_followed_by_the_pairs() {
    // Given the look-alikes
    let api = TestApi::new().await;
    let mut stream = EventStream::of(&api).await;
    let [ada, twin, grace, alias] = given_lookalikes(&api, &mut stream).await;
    let globex = grace["client_id"].as_str().unwrap().to_owned();

    // When Grace's number changes, the twin moves to Globex, and the alias is deleted
    let grace_path = contact_path(&globex, &grace);
    assert_eq!(api.patch(&admin(), &grace_path, json!({ "mobile": "+12025550199" })).await.status, 200);
    let twin_path = contact_path(ada["client_id"].as_str().unwrap(), &twin);
    let moved = api.post(&admin(), &format!("{twin_path}/move"), json!({ "client_id": globex })).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(api.delete(&admin(), &contact_path(&globex, &alias)).await.status, 204);
    stream.events().await;

    // Then no pair is left: the number differs, the names are at two clients, the alias is gone
    assert_eq!(pairs(&api, &admin(), "").await, BTreeSet::new());
    // and the moved twin's number pairs with a contact of its new client that has it
    let body = json!({ "last_name": "Desk", "phone": "+12025550144" });
    let desk = given_contact(&api, &admin(), &globex, body).await;
    stream.events().await;
    assert_eq!(pairs(&api, &admin(), "").await, BTreeSet::from([pair("phone", &twin, &desk)]));
}

#[tokio::test]
async fn another_tenants_contacts_are_never_a_candidate() {
    // Given Ada in t1 and a contact of t2 with her number and name
    let api = TestApi::new().await;
    let mut stream = EventStream::of(&api).await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let body = json!({ "first_name": "Ada", "last_name": "Lovelace", "phone": "+12025550143" });
    given_contact(&api, &admin(), &acme, body.clone()).await;
    let t2 = TestApi::admin("t2");
    let elsewhere = given_client(&api, &t2, "Acme").await;
    given_contact(&api, &t2, &elsewhere, body).await;
    stream.events().await;

    // Then neither tenant sees a pair
    assert_eq!(pairs(&api, &admin(), "").await, BTreeSet::new());
    assert_eq!(pairs(&api, &t2, "").await, BTreeSet::new());
}

#[tokio::test]
async fn an_unknown_rule_or_parameter_is_400() {
    let api = TestApi::new().await;
    for query in ["rule=fax", "limit=5", "rule="] {
        let res = api.get(&admin(), &format!("/contacts/duplicates?{query}")).await;
        assert_eq!((res.status, res.problem_code().as_str()), (400, "bad-request"), "{query}: {}", res.body);
    }
}
