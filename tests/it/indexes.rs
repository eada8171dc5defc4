//! A client's contacts in name order (`?sort=name`), a topic's recipients read from their
//! topic items (`?topic=`), and index items that follow every change, also under races.

use std::collections::HashSet;

use serde_json::{json, Value};
use testkit::TestApi;

use crate::races::{race, racing_api, repeats, Gate, TRANSACTIONS};
use crate::support::{assert_invariants, contact_path, given_client, given_contact};

fn names(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["last_name"].as_str().unwrap(), c["first_name"].as_str().unwrap_or("")))
        .collect()
}

async fn given_named(api: &TestApi, client: &str, people: &[(&str, &str)]) -> Vec<Value> {
    let mut added = Vec::new();
    for (i, (first, last)) in people.iter().enumerate() {
        let body = json!({ "first_name": first, "last_name": last, "email": format!("p{i}@x.test") });
        added.push(given_contact(api, &TestApi::admin("t1"), client, body).await);
    }
    added
}

#[tokio::test]
async fn sort_name_lists_a_clients_contacts_by_last_name_then_first_name_ignoring_case_and_accents() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let people = [
        ("Zed", "Lee"),
        ("Ann", "zola"),
        ("Bob", "Lee Ann"),
        ("Amy", "Émond"),
        ("Bob", "Lee"),
        ("Cy", "adams"),
    ];
    given_named(&api, &acme, &people).await;

    let res = api.get(&TestApi::reader("t1"), &format!("/clients/{acme}/contacts?sort=name")).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        names(&res.json()),
        ["adams Cy", "Émond Amy", "Lee Bob", "Lee Zed", "Lee Ann Bob", "zola Ann"]
    );
}

#[tokio::test]
async fn sort_name_pages_in_order_through_every_contact_once() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    given_named(&api, &acme, &[("A", "Eve"), ("B", "Dan"), ("C", "Cat"), ("D", "Bea"), ("E", "Al")]).await;
    let reader = TestApi::reader("t1");

    let (mut seen, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let path = match &cursor {
            None => format!("/clients/{acme}/contacts?sort=name&limit=2"),
            Some(c) => format!("/clients/{acme}/contacts?sort=name&limit=2&cursor={c}"),
        };
        let body = api.get(&reader, &path).await.json();
        seen.extend(names(&body));
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }

    assert_eq!(seen, ["Al E", "Bea D", "Cat C", "Dan B", "Eve A"]);
}

#[tokio::test]
async fn a_name_order_cursor_does_not_open_the_oldest_first_list() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    given_named(&api, &acme, &[("A", "Eve"), ("B", "Dan")]).await;
    let reader = TestApi::reader("t1");
    let first = api.get(&reader, &format!("/clients/{acme}/contacts?sort=name&limit=1")).await.json();
    let cursor = first["next_cursor"].as_str().unwrap();

    let res = api.get(&reader, &format!("/clients/{acme}/contacts?limit=1&cursor={cursor}")).await;

    assert_eq!(res.status, 400, "{}", res.body);
}

#[tokio::test]
async fn a_renamed_contact_moves_in_name_order() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let added = given_named(&api, &acme, &[("A", "Able"), ("B", "Baker")]).await;

    api.patch(&admin, &contact_path(&acme, &added[0]), json!({ "last_name": "Cole" })).await;

    let body = api.get(&admin, &format!("/clients/{acme}/contacts?sort=name")).await.json();
    assert_eq!(names(&body), ["Baker B", "Cole A"]);
}

#[tokio::test]
async fn another_tenant_sees_no_contacts_in_name_order() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    given_named(&api, &acme, &[("A", "Able")]).await;

    let res = api.get(&TestApi::admin("t2"), &format!("/clients/{acme}/contacts?sort=name")).await;

    assert_eq!(res.status, 404, "{}", res.body);
}

/// Adds `n` contacts to `client`, those whose index is in `receiving` opted into `invoice`.
async fn given_contacts_receiving(api: &TestApi, client: &str, n: usize, receiving: &[usize]) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let topics = if receiving.contains(&i) { json!(["invoice", "ticket"]) } else { json!(["ticket"]) };
        let body =
            json!({ "last_name": format!("C{i}"), "email": format!("c{i}@x.test"), "notifications": topics });
        let contact = given_contact(api, &TestApi::admin("t1"), client, body).await;
        if receiving.contains(&i) {
            ids.push(contact["id"].as_str().unwrap().to_owned());
        }
    }
    ids
}

#[tokio::test]
async fn a_topics_recipients_page_through_exactly_the_contacts_who_receive_it() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let receiving = given_contacts_receiving(&api, &acme, 12, &[1, 4, 5, 9, 11]).await;
    let reader = TestApi::reader("t1");

    let (mut seen, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let path = match &cursor {
            None => format!("/clients/{acme}/contacts?topic=invoice&limit=2"),
            Some(c) => format!("/clients/{acme}/contacts?topic=invoice&limit=2&cursor={c}"),
        };
        let body = api.get(&reader, &path).await.json();
        seen.extend(body["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }

    assert_eq!(seen, receiving, "every recipient once, oldest first");
}

#[tokio::test]
async fn a_contact_that_stops_receiving_a_topic_is_no_longer_among_its_recipients() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let body = json!({ "last_name": "Ada", "email": "a@x.test", "notifications": ["invoice"] });
    let ada = given_contact(&api, &admin, &acme, body).await;

    let res = api.patch(&admin, &contact_path(&acme, &ada), json!({ "notifications": ["estimate"] })).await;

    assert_eq!(res.status, 200, "{}", res.body);
    let invoice = api.get(&admin, &format!("/clients/{acme}/contacts?topic=invoice")).await.json();
    let estimate = api.get(&admin, &format!("/clients/{acme}/contacts?topic=estimate")).await.json();
    assert_eq!(invoice["items"], json!([]));
    assert_eq!(estimate["items"][0]["id"], ada["id"]);
}

#[tokio::test]
async fn a_topic_list_of_a_client_of_another_tenant_is_404() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    given_contacts_receiving(&api, &acme, 2, &[0]).await;

    let res = api.get(&TestApi::admin("t2"), &format!("/clients/{acme}/contacts?topic=invoice")).await;

    assert_eq!(res.status, 404, "{}", res.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_of_one_contacts_names_and_topics_leave_its_index_items_matching_it() {
    let (api, proxy) = racing_api().await;
    for round in 0..repeats() {
        // Given a contact of a tenant of its own, found by its names and topic
        let admin = TestApi::admin(&format!("idx{round}"));
        let acme = given_client(&api, &admin, "Acme").await;
        let body = json!({ "first_name": "Ada", "last_name": "Byron", "email": "a@x.test", "notifications": ["invoice"] });
        let ada = given_contact(&api, &admin, &acme, body).await;
        let path = contact_path(&acme, &ada);
        let patches = [
            json!({ "last_name": "Lovelace", "notifications": ["ticket"] }),
            json!({ "first_name": "Augusta", "notifications": ["estimate", "invoice"] }),
            json!({ "last_name": "King", "email": "k@x.test" }),
            json!({ "notifications": [] }),
        ];

        // When four changes of its names and topics are planned on the same contact, and in
        // each round the losers, planned again on the winner's, race again
        let gate = Gate { rounds: 3, shrinking: true, ..TRANSACTIONS };
        let run = race(&proxy, gate, 4, |i| {
            let (api, admin, path, patch) = (api.clone(), admin.clone(), path.clone(), patches[i].clone());
            async move { api.patch(&admin, &path, patch).await }
        })
        .await;

        // Then every change lands, one after another (in rounds of 4, 3 and 2 one landed and
        // the contact's version refused the others), and its index items match what it is now
        run.assert_overlapped(4 + 3 + 2);
        let bodies: Vec<&String> = run.responses.iter().map(|r| &r.body).collect();
        assert!(run.statuses().iter().all(|s| *s == 200), "{bodies:?}");
        assert_eq!((run.committed(), run.failed_conditions()), (4, 3 + 2 + 1), "{:?}", run.calls);
        assert_invariants(&api).await;
        let now = api.get(&admin, &path).await.json();
        assert_eq!(now["version"], 5);
        let q = now["last_name"].as_str().unwrap().to_lowercase();
        let found = api.get(&admin, &format!("/contacts?q={q}")).await.json();
        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        let recipients: HashSet<String> = ["invoice", "ticket", "estimate"]
            .into_iter()
            .filter(|topic| now["notifications"].as_array().unwrap().contains(&json!(topic)))
            .map(str::to_owned)
            .collect();
        for topic in ["invoice", "ticket", "estimate"] {
            let listed = api.get(&admin, &format!("/clients/{acme}/contacts?topic={topic}")).await.json();
            let has = !listed["items"].as_array().unwrap().is_empty();
            assert_eq!(has, recipients.contains(topic), "{topic}");
        }
    }
}

#[tokio::test]
async fn reindexing_gives_a_contact_stored_before_the_index_its_items_and_index_keys() {
    // Given a contact stored before index items existed: none of them, no name key
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let body = json!({ "first_name": "Ada", "last_name": "Lovelace", "email": "ada@x.test", "notifications": ["invoice"] });
    let ada = given_contact(&api, &admin, &acme, body).await;
    let id = ada["id"].as_str().unwrap();
    let (pk, sk) = crate::invariants::contact_key(&acme, &ada);
    crate::invariants::update_raw(&api, (&pk, &sk), "REMOVE GSI2SK, GSI3PK", &[]).await;
    crate::invariants::delete_raw(&api, (&pk, &format!("TOPIC#invoice#{id}"))).await;
    for term in ["ada", "ada@x.test", "lovelace"] {
        crate::invariants::delete_raw(&api, ("TENANT#t1#FIND", &format!("{term}#{id}"))).await;
    }
    assert_eq!(api.get(&admin, "/contacts?q=lov").await.json()["items"], json!([]));
    assert_eq!(api.get(&admin, "/contacts").await.json()["items"], json!([]), "not browsable");

    // When the table is reindexed
    let done = testkit::reindex::reindex(&api.app.store).await.unwrap();

    // Then it is found, listed by topic and by name again, and the table is sound
    assert_eq!(done, 1);
    assert_invariants(&api).await;
    assert_eq!(api.get(&admin, "/contacts?q=lov").await.json()["items"][0]["id"], ada["id"]);
    let recipients = api.get(&admin, &format!("/clients/{acme}/contacts?topic=invoice")).await.json();
    assert_eq!(recipients["items"][0]["id"], ada["id"]);
    let by_name = api.get(&admin, &format!("/clients/{acme}/contacts?sort=name")).await.json();
    assert_eq!(by_name["items"][0]["id"], ada["id"]);
    assert_eq!(api.get(&admin, "/contacts").await.json()["items"][0]["id"], ada["id"], "browsable");
}
