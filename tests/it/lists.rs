//! Paged lists with tamper-proof cursors, and the recipient filters.

use std::collections::HashSet;

use serde_json::{json, Value};
use testkit::TestApi;

use crate::support::{given_client, given_contact};

async fn page_through(
    api: &TestApi,
    caller: &testkit::Caller,
    path: &str,
    limit: u32,
) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            None => format!("{path}{sep}limit={limit}"),
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
        };
        let res = api.get(caller, &url).await;
        assert_eq!(res.status, 200, "{}", res.body);
        let body = res.json();
        pages += 1;
        items.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return (items, pages),
        }
    }
}

#[tokio::test]
async fn paging_visits_every_contact_exactly_once() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    for i in 0..7 {
        given_contact(
            &api,
            &admin,
            &acme,
            json!({ "last_name": format!("C{i}"), "email": format!("c{i}@x.test") }),
        )
        .await;
    }

    let (items, pages) =
        page_through(&api, &TestApi::reader("t1"), &format!("/clients/{acme}/contacts"), 3).await;

    let ids: HashSet<&str> = items.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 7);
    assert_eq!(items.len(), 7);
    assert!((3..=4).contains(&pages), "{pages} pages");
    let names: Vec<&str> = items.iter().map(|c| c["last_name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["C0", "C1", "C2", "C3", "C4", "C5", "C6"], "creation order");
}

#[tokio::test]
async fn clients_page_with_a_cursor_too() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    for i in 0..5 {
        given_client(&api, &admin, &format!("Client {i}")).await;
    }
    given_client(&api, &TestApi::admin("t2"), "Not mine").await;

    let (items, _) = page_through(&api, &admin, "/clients", 2).await;

    assert_eq!(items.len(), 5);
    assert!(items.iter().all(|c| c["name"] != "Not mine"));
}

#[tokio::test]
async fn a_cursor_only_works_on_the_list_it_came_from() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let other = given_client(&api, &admin, "Other").await;
    for i in 0..3 {
        given_contact(
            &api,
            &admin,
            &acme,
            json!({ "last_name": "A", "email": format!("a{i}@x.test"), "notifications": ["invoice"] }),
        )
        .await;
        given_contact(&api, &admin, &other, json!({ "last_name": "O", "email": format!("o{i}@x.test") }))
            .await;
    }
    let first = api.get(&admin, &format!("/clients/{acme}/contacts?limit=1")).await.json();
    let cursor = first["next_cursor"].as_str().expect("more pages").to_owned();
    let t2 = TestApi::admin("t2");
    let t2_client = given_client(&api, &t2, "T2").await;

    let cases = [
        (&admin, format!("/clients/{other}/contacts?cursor={cursor}"), "another client's list"),
        (
            &admin,
            format!("/clients/{acme}/contacts?topic=invoice&cursor={cursor}"),
            "the same list with a filter",
        ),
        (&admin, format!("/clients?cursor={cursor}"), "the clients list"),
        (&t2, format!("/clients/{t2_client}/contacts?cursor={cursor}"), "another tenant"),
        (&admin, format!("/clients/{acme}/contacts?cursor={}x", &cursor), "a tampered cursor"),
        (
            &admin,
            format!("/clients/{acme}/contacts?cursor=Q09OVEFDVCMw.AAAAAAAAAAAAAAAAAAAAAA"),
            "a forged cursor",
        ),
    ];
    for (caller, url, what) in cases {
        let res = api.get(caller, &url).await;
        assert_eq!(res.status, 400, "{what}: {}", res.body);
        assert_eq!(res.problem_code(), "bad-request", "{what}");
    }
    assert_eq!(api.get(&admin, &format!("/clients/{acme}/contacts?cursor={cursor}")).await.status, 200);
}

#[tokio::test]
async fn topic_primary_and_portal_status_filter_the_contacts() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let ada = given_contact(
        &api,
        &admin,
        &acme,
        json!({ "last_name": "Ada", "email": "ada@x.test", "notifications": ["invoice", "ticket"] }),
    )
    .await;
    let bob = given_contact(
        &api,
        &admin,
        &acme,
        json!({ "last_name": "Bob", "email": "bob@x.test", "notifications": ["invoice"] }),
    )
    .await;
    given_contact(
        &api,
        &admin,
        &acme,
        json!({ "last_name": "Cy", "email": "cy@x.test", "notifications": ["ticket"] }),
    )
    .await;

    let ids = |v: Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
    };
    let invoice = ids(api.get(&admin, &format!("/clients/{acme}/contacts?topic=invoice")).await.json());
    let primary = ids(api.get(&admin, &format!("/clients/{acme}/contacts?primary=true")).await.json());
    let none = ids(api.get(&admin, &format!("/clients/{acme}/contacts?portal_status=none")).await.json());
    let active = ids(api.get(&admin, &format!("/clients/{acme}/contacts?portal_status=active")).await.json());

    assert_eq!(invoice, vec![ada["id"].as_str().unwrap(), bob["id"].as_str().unwrap()]);
    assert_eq!(primary, vec![ada["id"].as_str().unwrap()]);
    assert_eq!(none.len(), 3);
    assert!(active.is_empty());
}

#[tokio::test]
async fn bad_list_parameters_are_400() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;

    for query in [
        "limit=0",
        "limit=101",
        "limit=ten",
        "topic=newsletter",
        "primary=yes",
        "portal_status=gone",
        "sort=email",
        "sort=name&topic=invoice",
    ] {
        let res = api.get(&admin, &format!("/clients/{acme}/contacts?{query}")).await;
        assert_eq!(res.status, 400, "{query}");
        assert_eq!(res.problem_code(), "bad-request");
    }
}

#[tokio::test]
async fn listing_contacts_of_an_empty_client_is_empty_and_of_a_missing_one_404() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;

    let empty = api.get(&admin, &format!("/clients/{acme}/contacts")).await;
    let missing = api.get(&admin, "/clients/01JD0000000000000000000000/contacts").await;

    assert_eq!(empty.status, 200);
    assert_eq!(empty.json(), json!({ "items": [], "next_cursor": null }));
    assert_eq!(missing.status, 404);
}
