//! A line manager's reports are bounded (53, what one transaction can unlink when the manager
//! is deleted), and deleting a manager reads its reports from its own item: no query of the
//! client, however many contacts it has.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use testkit::proxy::Call;
use testkit::TestApi;

use crate::support::{assert_invariants, contact_path, given_client, given_contact};

/// Most reports a contact may have.
const MAX_REPORTS: usize = 53;

fn queries(calls: &[Call]) -> usize {
    calls.iter().filter(|c| c.operation == "Query").count()
}

/// `count` new contacts of `client` reporting to `manager`.
async fn given_reports(api: &TestApi, client: &str, manager: &Value, count: usize) -> Vec<Value> {
    let mut reports = Vec::new();
    for i in 0..count {
        let body = json!({ "last_name": format!("R{i}"), "phone": "+12025550143", "line_manager_id": manager["id"] });
        reports.push(given_contact(api, &TestApi::admin("t1"), client, body).await);
    }
    reports
}

/// A client with a primary and a manager (not the primary), and the manager.
async fn given_manager(api: &TestApi) -> (String, Value) {
    let admin = TestApi::admin("t1");
    let acme = given_client(api, &admin, "Acme").await;
    given_contact(api, &admin, &acme, json!({ "last_name": "Primary", "email": "p@x.test" })).await;
    let boss =
        given_contact(api, &admin, &acme, json!({ "last_name": "Boss", "email": "boss@x.test" })).await;
    (acme, boss)
}

/// Runs `expression` (with `:v` = `value`) on a contact's item directly: the item as an
/// earlier version of the service left it.
async fn rewrite(
    api: &TestApi,
    client: &str,
    contact: &Value,
    expression: &str,
    value: Option<AttributeValue>,
) {
    api.db
        .update_item()
        .table_name(&api.table)
        .key("PK", AttributeValue::S(format!("TENANT#t1#CLIENT#{client}")))
        .key("SK", AttributeValue::S(format!("CONTACT#{}", contact["id"].as_str().unwrap())))
        .update_expression(expression)
        .set_expression_attribute_values(value.map(|v| [(":v".to_owned(), v)].into()))
        .send()
        .await
        .expect("rewrite the item");
}

/// The manager's item as items written before report ids were kept: the count only.
async fn forget_report_ids(api: &TestApi, client: &str, manager: &Value) {
    rewrite(api, client, manager, "REMOVE report_ids", None).await;
}

async fn assert_unlinked(api: &TestApi, client: &str, reports: &[Value]) {
    for report in reports {
        let now = api.get(&TestApi::admin("t1"), &contact_path(client, report)).await.json();
        assert_eq!(now["line_manager_id"], Value::Null, "{now}");
    }
}

#[tokio::test]
async fn naming_a_manager_who_has_84_reports_is_409_too_many_reports() {
    // Given a manager with 53 reports and a contact without a manager
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let (acme, boss) = given_manager(&api).await;
    given_reports(&api, &acme, &boss, MAX_REPORTS).await;
    let free =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Free", "phone": "+12025550144" })).await;

    // When a 55th report is added, or the free contact is given that manager
    let body = json!({ "last_name": "R86", "phone": "+12025550145", "line_manager_id": boss["id"] });
    let added = api.post(&admin, &format!("/clients/{acme}/contacts"), body).await;
    let patched =
        api.patch(&admin, &contact_path(&acme, &free), json!({ "line_manager_id": boss["id"] })).await;

    // Then both are refused and the manager keeps 53 reports
    assert_eq!((added.status, added.problem_code().as_str()), (409, "too-many-reports"), "{}", added.body);
    assert_eq!(
        (patched.status, patched.problem_code().as_str()),
        (409, "too-many-reports"),
        "{}",
        patched.body
    );
    let free_now = api.get(&admin, &contact_path(&acme, &free)).await.json();
    assert_eq!(free_now["line_manager_id"], Value::Null);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn deleting_a_manager_in_a_large_client_reads_no_query_and_unlinks_its_reports() {
    // Given a manager with three reports in a client of 300 more contacts
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let (acme, boss) = given_manager(&api).await;
    let reports = given_reports(&api, &acme, &boss, 3).await;
    let rows: String = (0..300).map(|i| format!("Other{i},other{i}@x.test\n")).collect();
    let csv = format!("last_name,email\n{rows}");
    let path = format!("/clients/{acme}/contacts/import");
    let imported = api.send(&admin, "POST", &path, &[("content-type", "text/csv")], Some(csv)).await;
    assert_eq!(imported.json()["created"], 300, "{}", imported.body);
    proxy.take_calls();

    // When the manager is deleted
    let res = api.delete(&admin, &contact_path(&acme, &boss)).await;

    // Then it took one read and one transaction, and no report still names it
    assert_eq!(res.status, 204, "{}", res.body);
    let ops: Vec<String> = proxy.take_calls().into_iter().map(|c| c.operation).collect();
    assert_eq!(ops, vec!["GetItem", "TransactWriteItems"]);
    assert_unlinked(&api, &acme, &reports).await;
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_manager_stored_without_report_ids_is_still_deleted_with_its_reports_unlinked() {
    // Given a manager whose item has its report count but not its report ids
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let (acme, boss) = given_manager(&api).await;
    let reports = given_reports(&api, &acme, &boss, 2).await;
    forget_report_ids(&api, &acme, &boss).await;

    // When it is deleted
    let res = api.delete(&admin, &contact_path(&acme, &boss)).await;

    // Then its reports are found by reading the client, and unlinked
    assert_eq!(res.status, 204, "{}", res.body);
    assert_unlinked(&api, &acme, &reports).await;
    assert_invariants(&api).await;
}

#[tokio::test]
async fn deleting_a_manager_stored_with_more_than_84_reports_is_refused_before_any_query() {
    // Given a manager stored (before the limit) with one report too many and no report ids
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let (acme, boss) = given_manager(&api).await;
    given_reports(&api, &acme, &boss, MAX_REPORTS).await;
    let extra =
        given_contact(&api, &admin, &acme, json!({ "last_name": "One too many", "phone": "+12025550145" }))
            .await;
    let link = AttributeValue::S(boss["id"].as_str().unwrap().to_owned());
    rewrite(&api, &acme, &extra, "SET line_manager_id = :v", Some(link)).await;
    rewrite(
        &api,
        &acme,
        &boss,
        "SET report_count = :v",
        Some(AttributeValue::N((MAX_REPORTS + 1).to_string())),
    )
    .await;
    forget_report_ids(&api, &acme, &boss).await;
    proxy.take_calls();

    // When it is deleted
    let res = api.delete(&admin, &contact_path(&acme, &boss)).await;

    // Then the answer is too-many-reports, known from its item alone
    assert_eq!((res.status, res.problem_code().as_str()), (409, "too-many-reports"), "{}", res.body);
    assert_eq!(queries(&proxy.take_calls()), 0);
    // and the table is as it was: sound but for the manager stored without its report ids
    assert_eq!(crate::invariants::broken_rules(api).await, [testkit::invariants::Rule::ReportCount]);
}

#[tokio::test]
async fn a_new_primary_reporting_to_an_old_primary_with_84_reports_is_409_too_many_reports() {
    // Given a client whose primary manages 53 others
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let primary =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Primary", "email": "p@x.test" })).await;
    given_reports(&api, &acme, &primary, MAX_REPORTS).await;

    // When a contact is added as the new primary, reporting to the old one
    let body = json!({ "last_name": "New", "phone": "+12025550146", "is_primary": true, "line_manager_id": primary["id"] });
    let res = api.post(&admin, &format!("/clients/{acme}/contacts"), body).await;

    // Then it is refused for that reason, and the old primary keeps the role
    assert_eq!((res.status, res.problem_code().as_str()), (409, "too-many-reports"), "{}", res.body);
    assert_eq!(api.get(&admin, &contact_path(&acme, &primary)).await.json()["is_primary"], true);
    assert_invariants(&api).await;
}
