//! Browsing: `GET /contacts` without `email` or `q` lists every contact of the tenant, every
//! client's, in name order, each with its client's name, paged, with filters that combine.

use serde_json::{json, Value};
use testkit::{Caller, TestApi};

use crate::delivery_feedback::{deliver_event, given_recipient, notified};
use crate::invariants::{delete_raw, put_raw, s};
use crate::support::{assert_invariants, contact_path, given_client, given_contact, later, ses_event};

fn names(page: &Value) -> Vec<String> {
    let items = page["items"].as_array().unwrap_or_else(|| panic!("a page: {page}"));
    items.iter().map(|c| c["last_name"].as_str().unwrap().to_owned()).collect()
}

async fn browse(api: &TestApi, caller: &Caller, query: &str) -> Value {
    let res = api.get(caller, &format!("/contacts{query}")).await;
    assert_eq!(res.status, 200, "{query}: {}", res.body);
    res.json()
}

/// Every contact of a browse, following `next_cursor` from `query` (pages of 2).
async fn browse_all(api: &TestApi, query: &str) -> Vec<String> {
    let (reader, mut all, mut cursor) = (TestApi::reader("t1"), Vec::new(), None::<String>);
    loop {
        let page = match &cursor {
            None => browse(api, &reader, &format!("?limit=2{query}")).await,
            Some(c) => browse(api, &reader, &format!("?limit=2{query}&cursor={c}")).await,
        };
        all.extend(names(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return all,
        }
    }
}

/// t1: Acme with Lovelace (invoices, with an address) and Babbage (a mobile only), Globex with
/// Hopper (invoices), Initech with Turing; t2: Aaron. Returns t1's client ids.
async fn given_tenant(api: &TestApi) -> [String; 3] {
    let admin = TestApi::admin("t1");
    let (acme, globex, initech) = (
        given_client(api, &admin, "Acme").await,
        given_client(api, &admin, "Globex").await,
        given_client(api, &admin, "Initech").await,
    );
    let ada = json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@x.test", "notifications": ["invoice"]});
    given_contact(api, &admin, &acme, ada).await;
    given_contact(api, &admin, &acme, json!({"last_name": "Babbage", "mobile": "+14155550105"})).await;
    let grace = json!({"last_name": "Hopper", "email": "grace@x.test", "notifications": ["invoice"]});
    given_contact(api, &admin, &globex, grace).await;
    given_contact(api, &admin, &initech, json!({"last_name": "Turing", "email": "alan@x.test"})).await;
    let other = given_client(api, &TestApi::admin("t2"), "Other").await;
    given_contact(api, &TestApi::admin("t2"), &other, json!({"last_name": "Aaron", "email": "a@x.test"}))
        .await;
    [acme, globex, initech]
}

#[tokio::test]
async fn browsing_lists_every_contact_of_the_tenant_in_name_order_with_its_clients_name() {
    let api = TestApi::new().await;
    given_tenant(&api).await;

    let page = browse(&api, &TestApi::reader("t1"), "").await;

    assert_eq!(names(&page), ["Babbage", "Hopper", "Lovelace", "Turing"], "never another tenant's");
    let clients: Vec<&str> =
        page["items"].as_array().unwrap().iter().map(|c| c["client_name"].as_str().unwrap()).collect();
    assert_eq!(clients, ["Acme", "Globex", "Acme", "Initech"]);
    assert_eq!(page["next_cursor"], Value::Null);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn browsing_in_pages_gives_every_contact_once_in_name_order() {
    let api = TestApi::new().await;
    given_tenant(&api).await;

    assert_eq!(browse_all(&api, "").await, ["Babbage", "Hopper", "Lovelace", "Turing"]);
}

#[tokio::test]
async fn browsing_one_or_several_clients_lists_only_their_contacts() {
    let api = TestApi::new().await;
    let [acme, globex, initech] = given_tenant(&api).await;

    assert_eq!(browse_all(&api, &format!("&client_id={globex}")).await, ["Hopper"]);
    assert_eq!(
        browse_all(&api, &format!("&client_id={initech},{acme}")).await,
        ["Babbage", "Lovelace", "Turing"]
    );
}

#[tokio::test]
async fn browsing_filters_by_topic_address_and_portal_status_and_they_combine() {
    let api = TestApi::new().await;
    let [acme, ..] = given_tenant(&api).await;

    assert_eq!(browse_all(&api, "&topic=invoice").await, ["Hopper", "Lovelace"]);
    assert_eq!(browse_all(&api, "&has_email=false").await, ["Babbage"]);
    assert_eq!(browse_all(&api, "&has_email=true").await, ["Hopper", "Lovelace", "Turing"]);
    assert_eq!(browse_all(&api, &format!("&topic=invoice&client_id={acme}")).await, ["Lovelace"]);
    assert_eq!(browse_all(&api, "&portal_status=none&has_email=false").await, ["Babbage"]);
    assert_eq!(browse_all(&api, "&portal_status=invited").await, Vec::<String>::new());
}

#[tokio::test]
async fn browsing_by_email_status_lists_the_contacts_whose_address_bounces() {
    // Given a contact whose address bounced, and one in good standing
    let api = TestApi::new().await;
    let (client, ada) = given_recipient(&api, "ada").await;
    given_contact(&api, &TestApi::admin("t1"), &client, json!({"last_name": "bob", "email": "bob@x.test"}))
        .await;
    let sent = notified(&api, &client, &ada).await;
    deliver_event(&api, ses_event("record-email-event", &sent, &later(&api, 60))).await;

    assert_eq!(browse_all(&api, "&email_status=bouncing").await, ["ada"]);
    assert_eq!(browse_all(&api, "&email_status=ok").await, ["bob"]);
}

#[tokio::test]
async fn browsing_contacts_updated_since_a_time_lists_only_those_changed_at_or_after_it() {
    // Given four contacts, then, a minute later, one of them changed
    let api = TestApi::new().await;
    let [_, globex, _] = given_tenant(&api).await;
    api.clock.advance(time::Duration::minutes(1));
    let since = later(&api, 0);
    api.clock.advance(time::Duration::milliseconds(1500));
    let hopper =
        browse(&api, &TestApi::reader("t1"), &format!("?client_id={globex}")).await["items"][0].clone();
    assert_eq!(
        api.patch(&TestApi::admin("t1"), &contact_path(&globex, &hopper), json!({"job_title": "CTO"}))
            .await
            .status,
        200
    );

    let changed = browse_all(&api, &format!("&updated_since={}", since.replace('+', "%2B"))).await;

    assert_eq!(changed, ["Hopper"]);
}

#[tokio::test]
async fn browsing_by_last_change_lists_the_most_recently_changed_first_in_pages() {
    // Given four contacts, then Turing, Babbage and Lovelace changed in that order, a second apart
    let api = TestApi::new().await;
    given_tenant(&api).await;
    let everyone = browse(&api, &TestApi::reader("t1"), "?limit=10").await;
    for name in ["Turing", "Babbage", "Lovelace"] {
        api.clock.advance(time::Duration::seconds(1));
        let contact = everyone["items"].as_array().unwrap().iter().find(|c| c["last_name"] == name).unwrap();
        let path = contact_path(contact["client_id"].as_str().unwrap(), contact);
        assert_eq!(api.patch(&TestApi::admin("t1"), &path, json!({"job_title": "CTO"})).await.status, 200);
    }

    // When the tenant is browsed most recently changed first, in pages of 2, alone and filtered
    let recent = browse_all(&api, "&sort=-updated_at").await;
    let reachable_by_email = browse_all(&api, "&sort=-updated_at&has_email=true").await;

    // Then the last changed comes first, every contact once, never another tenant's
    assert_eq!(recent, ["Lovelace", "Babbage", "Turing", "Hopper"]);
    assert_eq!(reachable_by_email, ["Lovelace", "Turing", "Hopper"]);
}

#[tokio::test]
async fn browsing_by_last_change_since_a_time_lists_only_those_changed_at_or_after_it() {
    // Given four contacts, then, a minute later, one of them changed (the index by last change
    // is sorted by `updated_at`, which a filter cannot name: conformance found a 500)
    let api = TestApi::new().await;
    let [_, globex, _] = given_tenant(&api).await;
    api.clock.advance(time::Duration::minutes(1));
    let since = later(&api, 0);
    api.clock.advance(time::Duration::milliseconds(1500));
    let hopper =
        browse(&api, &TestApi::reader("t1"), &format!("?client_id={globex}")).await["items"][0].clone();
    let path = contact_path(&globex, &hopper);
    assert_eq!(api.patch(&TestApi::admin("t1"), &path, json!({"job_title": "CTO"})).await.status, 200);

    let since = since.replace('+', "%2B");
    let changed = browse_all(&api, &format!("&sort=-updated_at&updated_since={since}")).await;

    assert_eq!(changed, ["Hopper"]);
}

#[tokio::test]
async fn a_browse_cursor_is_refused_with_other_filters_and_browsing_parameters_without_browsing_are_400() {
    let api = TestApi::new().await;
    given_tenant(&api).await;
    let reader = TestApi::reader("t1");
    let first = browse(&api, &reader, "?limit=1").await;
    let cursor = first["next_cursor"].as_str().unwrap();

    for query in [
        format!("?limit=1&cursor={cursor}&topic=invoice"),
        "?q=lov&topic=invoice".to_owned(),
        "?email=ada@x.test&sort=name".to_owned(),
        format!("?limit=1&cursor={cursor}&sort=-updated_at"),
        "?sort=-created_at".to_owned(),
        "?client_id=acme".to_owned(),
        "?has_email=maybe".to_owned(),
        "?updated_since=yesterday".to_owned(),
    ] {
        let res = api.get(&reader, &format!("/contacts{query}")).await;
        assert_eq!((res.status, res.problem_code().as_str()), (400, "bad-request"), "{query}: {}", res.body);
    }
}

#[tokio::test]
async fn a_contact_the_tenants_index_still_holds_after_its_client_was_deleted_is_left_out_of_a_page() {
    // Given: the tenant-wide index is eventually consistent in AWS, so for a moment it can hold
    // a contact whose client (and the contact) are gone; here such an entry, written as is.
    let api = TestApi::new().await;
    let [acme, ..] = given_tenant(&api).await;
    let ada =
        browse(&api, &TestApi::reader("t1"), "?limit=3").await["items"][2]["id"].as_str().unwrap().to_owned();
    let key = |client: &str| {
        [("PK", s(&format!("TENANT#t1#CLIENT#{client}"))), ("SK", s(&format!("CONTACT#{ada}")))]
    };
    let read = api
        .db
        .get_item()
        .table_name(&api.table)
        .set_key(Some(key(&acme).into_iter().map(|(k, v)| (k.to_owned(), v)).collect()));
    let lovelace = read.send().await.expect("get").item.expect("Lovelace's item");
    let gone_client = "01JZZZZZZZZZZZZZZZZZZZZZZZ";
    let mut stale = lovelace.clone();
    stale.insert("PK".into(), s(&format!("TENANT#t1#CLIENT#{gone_client}")));
    stale.insert("client_id".into(), s(gone_client));
    put_raw(&api, &stale.iter().map(|(k, v)| (k.as_str(), v.clone())).collect::<Vec<_>>()).await;

    // When
    let page = browse(&api, &TestApi::reader("t1"), "").await;

    // Then: the page lists the others, as if the index had caught up.
    assert_eq!(names(&page), ["Babbage", "Hopper", "Lovelace", "Turing"]);
    delete_raw(&api, (&format!("TENANT#t1#CLIENT#{gone_client}"), &format!("CONTACT#{ada}"))).await;
}
