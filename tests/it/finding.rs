//! Finding people across a tenant: by email address (`GET /contacts?email=`) and by the start
//! of a last name, first name or address (`GET /contacts?q=`).

use std::collections::HashSet;

use serde_json::{json, Value};
use testkit::TestApi;

use crate::support::{contact_path, given_client, given_contact};

fn ids(res: &testkit::TestResponse) -> Vec<String> {
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
}

fn id(contact: &Value) -> String {
    contact["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_contact_is_found_by_its_address_in_any_case_by_any_user_of_the_tenant() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let ada = given_contact(
        &api,
        &TestApi::admin("t1"),
        &acme,
        json!({ "last_name": "Lovelace", "email": "Ada@X.test" }),
    )
    .await;

    let res = api.get(&TestApi::reader("t1"), "/contacts?email=%20aDA@x.TEST").await;

    assert_eq!(ids(&res), [id(&ada)]);
    assert_eq!(res.json()["items"][0]["email"], "Ada@X.test");
    assert_eq!(res.json()["next_cursor"], Value::Null);
}

#[tokio::test]
async fn an_address_no_contact_has_finds_an_empty_list() {
    let api = TestApi::new().await;

    let res = api.get(&TestApi::reader("t1"), "/contacts?email=nobody@x.test").await;

    assert_eq!(ids(&res), Vec::<String>::new());
}

#[tokio::test]
async fn another_tenants_contact_is_never_found_by_its_address() {
    let api = TestApi::new().await;
    let theirs = given_client(&api, &TestApi::admin("t2"), "Theirs").await;
    given_contact(
        &api,
        &TestApi::admin("t2"),
        &theirs,
        json!({ "last_name": "Secret", "email": "s@x.test" }),
    )
    .await;

    let res = api.get(&TestApi::admin("t1"), "/contacts?email=s@x.test").await;

    assert_eq!(ids(&res), Vec::<String>::new());
}

#[tokio::test]
async fn a_changed_address_finds_the_contact_and_the_old_one_finds_nothing() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let ada =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Lovelace", "email": "old@x.test" })).await;

    api.patch(&admin, &contact_path(&acme, &ada), json!({ "email": "new@x.test" })).await;

    assert_eq!(ids(&api.get(&admin, "/contacts?email=new@x.test").await), [id(&ada)]);
    assert_eq!(ids(&api.get(&admin, "/contacts?email=old@x.test").await), Vec::<String>::new());
}

#[tokio::test]
async fn a_lookup_with_both_email_and_q_or_with_a_bad_address_is_400() {
    let api = TestApi::new().await;
    let reader = TestApi::reader("t1");

    for path in [
        "/contacts?email=a@x.test&q=a",
        "/contacts?email=not-an-address",
        "/contacts?email=a@x.test&limit=5",
        "/contacts?q=%20%20",
        "/contacts?nickname=a",
    ] {
        let res = api.get(&reader, path).await;

        assert_eq!((res.status, res.problem_code()), (400, "bad-request".to_owned()), "{path}: {}", res.body);
    }
    let long = "a".repeat(101);
    assert_eq!(api.get(&reader, &format!("/contacts?q={long}")).await.status, 400);
}

/// Adds contacts of t1 to `client`: (first name, last name, email).
async fn given_people(api: &TestApi, client: &str, people: &[(&str, &str, &str)]) -> Vec<String> {
    let mut added = Vec::new();
    for (first, last, email) in people {
        let body = json!({ "first_name": first, "last_name": last, "email": email });
        added.push(id(&given_contact(api, &TestApi::admin("t1"), client, body).await));
    }
    added
}

#[tokio::test]
async fn a_search_finds_the_start_of_a_last_name_first_name_or_address_whatever_the_case_and_accents() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let people = [
        ("Jürgen", "Müller", "jm@x.test"),
        ("Ada", "Lovelace", "countess@x.test"),
        ("Émile", "Zola", "ez@x.test"),
    ];
    let [muller, ada, zola] = given_people(&api, &acme, &people).await.try_into().unwrap();
    let reader = TestApi::reader("t1");

    for (q, expected) in [
        ("MU", vec![&muller]),
        ("mü", vec![&muller]),
        ("jur", vec![&muller]),
        ("COUNT", vec![&ada]),
        ("emi", vec![&zola]),
        ("%C3%A9MILE", vec![&zola]),
        ("x", vec![]),
    ] {
        let found = ids(&api.get(&reader, &format!("/contacts?q={q}")).await);

        assert_eq!(found.iter().collect::<Vec<_>>(), expected, "q={q}");
    }
}

#[tokio::test]
async fn a_search_lists_a_contact_once_however_many_of_its_terms_match() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let ada = given_people(&api, &acme, &[("Ada", "Adams", "ada@x.test")]).await;

    let found = ids(&api.get(&TestApi::reader("t1"), "/contacts?q=ad").await);

    assert_eq!(found, ada);
}

#[tokio::test]
async fn a_search_spans_every_client_of_the_tenant_and_no_other_tenant() {
    let api = TestApi::new().await;
    let (acme, globex) = (
        given_client(&api, &TestApi::admin("t1"), "Acme").await,
        given_client(&api, &TestApi::admin("t1"), "Globex").await,
    );
    let theirs = given_client(&api, &TestApi::admin("t2"), "Theirs").await;
    let mut ours = given_people(&api, &acme, &[("Ann", "Smith", "a@x.test")]).await;
    ours.extend(given_people(&api, &globex, &[("Bob", "Smythe", "b@x.test")]).await);
    let body = json!({ "first_name": "Sam", "last_name": "Smith", "email": "s@x.test" });
    given_contact(&api, &TestApi::admin("t2"), &theirs, body).await;

    let found = ids(&api.get(&TestApi::reader("t1"), "/contacts?q=sm").await);

    assert_eq!(found.into_iter().collect::<HashSet<_>>(), ours.into_iter().collect());
}

#[tokio::test]
async fn a_search_pages_through_every_match_exactly_once() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let people: Vec<(String, String, String)> =
        (0..7).map(|i| (format!("Kim{i}"), format!("Kane{i}"), format!("k{i}@x.test"))).collect();
    let refs: Vec<(&str, &str, &str)> =
        people.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())).collect();
    let added = given_people(&api, &acme, &refs).await;
    let reader = TestApi::reader("t1");

    let (mut found, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let path = match &cursor {
            None => "/contacts?q=k&limit=3".to_owned(),
            Some(c) => format!("/contacts?q=k&limit=3&cursor={c}"),
        };
        let res = api.get(&reader, &path).await;
        found.extend(ids(&res));
        pages += 1;
        match res.json()["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }

    assert_eq!(found.len(), 7, "{found:?}");
    assert_eq!(found.iter().collect::<HashSet<_>>(), added.iter().collect());
    // Three terms per contact start with k: 21 items, 3 a page, and the full seventh page
    // offers a next one, which is empty.
    assert_eq!(pages, 8, "{pages} pages");
}

#[tokio::test]
async fn a_search_cursor_does_not_open_another_search() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    given_people(&api, &acme, &[("Kim", "Kane", "k@x.test"), ("Kit", "Kerr", "kk@x.test")]).await;
    let reader = TestApi::reader("t1");
    let first = api.get(&reader, "/contacts?q=k&limit=1").await.json();
    let cursor = first["next_cursor"].as_str().unwrap();

    let res = api.get(&reader, &format!("/contacts?q=ki&limit=1&cursor={cursor}")).await;

    assert_eq!(res.status, 400, "{}", res.body);
}

#[tokio::test]
async fn a_renamed_contact_is_found_by_its_new_name_only_and_a_deleted_one_not_at_all() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let ada = given_contact(&api, &admin, &acme, json!({ "last_name": "Byron", "email": "a@x.test" })).await;
    let bob =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Babbage", "email": "b@x.test" })).await;

    api.patch(&admin, &contact_path(&acme, &ada), json!({ "last_name": "Lovelace" })).await;
    api.delete(&admin, &contact_path(&acme, &bob)).await;

    assert_eq!(ids(&api.get(&admin, "/contacts?q=lov").await), [id(&ada)]);
    assert_eq!(ids(&api.get(&admin, "/contacts?q=b").await), Vec::<String>::new());
}

#[tokio::test]
async fn imported_contacts_are_found() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let csv = "first_name,last_name,email\nGrace,Hopper,grace@x.test\nAlan,Turing,alan@x.test\n";

    let res = api
        .send(
            &admin,
            "POST",
            &format!("/clients/{acme}/contacts/import"),
            &[("content-type", "text/csv")],
            Some(csv.into()),
        )
        .await;

    assert_eq!(res.status, 200, "{}", res.body);
    let found = api.get(&admin, "/contacts?q=hop").await.json();
    assert_eq!(found["items"][0]["email"], "grace@x.test");
}
