//! Clients as a service desk keeps them: active or inactive ("All active clients are listed"),
//! service levels per priority ("set the SLA times for client requests ... of different
//! priorities"), and a search by name.

use serde_json::{json, Value};
use testkit::{Caller, TestApi};

use crate::invariants::s;
use crate::support::{assert_invariants, given_client};

fn admin() -> Caller {
    TestApi::admin("t1")
}

async fn names(api: &TestApi, query: &str) -> Vec<String> {
    let res = api.get(&admin(), &format!("/clients{query}")).await;
    assert_eq!(res.status, 200, "{query}: {}", res.body);
    res.json()["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
}

async fn given_inactive_client(api: &TestApi, name: &str) -> String {
    let id = given_client(api, &admin(), name).await;
    let res = api.patch(&admin(), &format!("/clients/{id}"), json!({ "status": "inactive" })).await;
    assert_eq!(res.status, 200, "{}", res.body);
    id
}

#[tokio::test]
async fn a_new_client_is_active_without_service_levels() {
    let api = TestApi::new().await;

    let res = api.post(&admin(), "/clients", json!({ "name": "Acme" })).await;

    assert_eq!((res.json()["status"].clone(), res.json()["sla"].clone()), (json!("active"), json!({})));
}

#[tokio::test]
async fn the_client_list_holds_active_clients_unless_asked_for_inactive_or_all() {
    let api = TestApi::new().await;
    given_client(&api, &admin(), "Acme").await;
    given_inactive_client(&api, "Gone Ltd").await;

    assert_eq!(names(&api, "").await, ["Acme"]);
    assert_eq!(names(&api, "?status=active").await, ["Acme"]);
    assert_eq!(names(&api, "?status=inactive").await, ["Gone Ltd"]);
    assert_eq!(names(&api, "?status=all").await, ["Acme", "Gone Ltd"]);
}

#[tokio::test]
async fn a_client_stored_before_statuses_existed_is_listed_as_active() {
    let api = TestApi::new().await;
    let id = given_client(&api, &admin(), "Old Co").await;
    // As stored before clients had a status (`status` is a reserved word, hence the name).
    api.db
        .update_item()
        .table_name(&api.table)
        .key("PK", s("TENANT#t1"))
        .key("SK", s(&format!("CLIENT#{id}")))
        .update_expression("REMOVE #s")
        .expression_attribute_names("#s", "status")
        .send()
        .await
        .expect("update");

    assert_eq!(names(&api, "").await, ["Old Co"]);
    assert_eq!(api.get(&admin(), &format!("/clients/{id}")).await.json()["status"], "active");
}

#[tokio::test]
async fn an_unknown_status_filter_is_400() {
    let api = TestApi::new().await;

    let res = api.get(&admin(), "/clients?status=archived").await;

    assert_eq!(res.status, 400);
    assert_eq!(res.problem_code(), "bad-request");
}

#[tokio::test]
async fn a_client_is_made_active_again_by_status_null() {
    let api = TestApi::new().await;
    let id = given_inactive_client(&api, "Back Ltd").await;

    let res = api.patch(&admin(), &format!("/clients/{id}"), json!({ "status": null })).await;

    assert_eq!(res.json()["status"], "active");
}

#[tokio::test]
async fn a_cursor_of_one_status_filter_is_refused_on_another() {
    let api = TestApi::new().await;
    given_client(&api, &admin(), "A").await;
    given_client(&api, &admin(), "B").await;
    let page = api.get(&admin(), "/clients?limit=1").await.json();
    let cursor = page["next_cursor"].as_str().unwrap();

    let res = api.get(&admin(), &format!("/clients?status=all&limit=1&cursor={cursor}")).await;

    assert_eq!(res.status, 400, "{}", res.body);
}

#[tokio::test]
async fn the_name_search_matches_a_prefix_whatever_the_case_and_accents() {
    let api = TestApi::new().await;
    for name in ["Société Générale", "SOCOTEC", "Acme", "Ångström AB"] {
        given_client(&api, &admin(), name).await;
    }

    assert_eq!(names(&api, "?q=societe").await, ["Société Générale"]);
    assert_eq!(names(&api, "?q=SOC").await, ["Société Générale", "SOCOTEC"]);
    assert_eq!(names(&api, "?q=%C3%A5ngstr").await, ["Ångström AB"], "å as typed");
    assert_eq!(names(&api, "?q=angstrom").await, ["Ångström AB"]);
    assert!(names(&api, "?q=generale").await.is_empty(), "a prefix of the name, not a word in it");
}

#[tokio::test]
async fn the_name_search_lists_active_clients_unless_asked_otherwise() {
    let api = TestApi::new().await;
    given_client(&api, &admin(), "Acme One").await;
    given_inactive_client(&api, "Acme Two").await;

    assert_eq!(names(&api, "?q=acme").await, ["Acme One"]);
    assert_eq!(names(&api, "?q=acme&status=all").await, ["Acme One", "Acme Two"]);
}

#[tokio::test]
async fn an_empty_or_overlong_name_search_is_400() {
    let api = TestApi::new().await;

    for q in ["", "%20", &"a".repeat(201)] {
        let res = api.get(&admin(), &format!("/clients?q={q}")).await;

        assert_eq!(res.status, 400, "q={q:.10}: {}", res.body);
    }
}

fn times(response: u32, resolution: u32) -> Value {
    json!({ "response_minutes": response, "resolution_minutes": resolution })
}

#[tokio::test]
async fn service_levels_are_set_per_priority_and_merge() {
    let api = TestApi::new().await;
    let body = json!({ "name": "Acme", "sla": { "urgent": times(15, 120), "low": times(480, 4800) } });
    let id = api.post(&admin(), "/clients", body).await.json()["id"].as_str().unwrap().to_owned();

    let res = api
        .patch(
            &admin(),
            &format!("/clients/{id}"),
            json!({ "sla": { "urgent": { "response_minutes": 10 }, "low": null } }),
        )
        .await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["sla"], json!({ "urgent": times(10, 120) }));
    assert_invariants(&api).await;
}

#[tokio::test]
async fn bad_service_levels_are_422_naming_every_bad_field() {
    let api = TestApi::new().await;

    let res = api
        .post(
            &admin(),
            "/clients",
            json!({ "name": "Acme", "status": "closed", "sla": {
                "low": times(60, 30),
                "medium": { "response_minutes": 0, "resolution_minutes": 10 },
                "high": { "response_minutes": 30 },
                "critical": times(1, 2),
            } }),
        )
        .await;

    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(res.invalid_fields(), ["sla.critical", "sla.medium.response_minutes", "status"]);
}

#[tokio::test]
async fn an_incomplete_or_inverted_service_level_is_422_naming_it() {
    let api = TestApi::new().await;

    let res = api
        .post(
            &admin(),
            "/clients",
            json!({ "name": "Acme", "sla": { "low": times(60, 30), "high": { "response_minutes": 30 } } }),
        )
        .await;

    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(res.invalid_fields(), ["sla.high.resolution_minutes", "sla.low.response_minutes"]);
}

#[tokio::test]
async fn an_import_sets_status_and_service_levels_from_their_columns() {
    let api = TestApi::new().await;
    let csv = "name,status,sla.high.response_minutes,sla.high.resolution_minutes\n\
               Acme,,30,240\nGone Ltd,inactive,,\nBad Co,,90,60\n";

    let res = api
        .send(&admin(), "POST", "/clients/import", &[("content-type", "text/csv")], Some(csv.into()))
        .await;

    assert_eq!(res.status, 200, "{}", res.body);
    let report = res.json();
    assert_eq!((report["created"].clone(), report["failed"].clone()), (json!(2), json!(1)));
    assert_eq!(report["errors"][0]["errors"][0]["field"], "sla.high.response_minutes");
    let all = api.get(&admin(), "/clients?status=all").await.json();
    let acme = all["items"].as_array().unwrap().iter().find(|c| c["name"] == "Acme").cloned().unwrap();
    assert_eq!(acme["sla"], json!({ "high": times(30, 240) }));
    assert_eq!(names(&api, "?status=inactive").await, ["Gone Ltd"]);
}

#[tokio::test]
async fn a_client_whose_service_level_responds_after_it_resolves_is_a_violation() {
    use crate::invariants::{broken_rules, update_raw};
    use aws_sdk_dynamodb::types::AttributeValue;
    let api = TestApi::new().await;
    let id = given_client(&api, &admin(), "Acme").await;
    let times = std::collections::HashMap::from([
        ("response_minutes".to_owned(), AttributeValue::N("90".into())),
        ("resolution_minutes".to_owned(), AttributeValue::N("60".into())),
    ]);
    let sla = AttributeValue::M([("high".to_owned(), AttributeValue::M(times))].into());

    update_raw(&api, ("TENANT#t1", &format!("CLIENT#{id}")), "SET sla = :sla", &[(":sla", sla)]).await;

    assert_eq!(broken_rules(api).await, [testkit::invariants::Rule::ClientLevels]);
}
