//! Metrics: the functions write CloudWatch Embedded Metric Format lines next to their logs,
//! one per notification, invitation, import and sweep run, which parse as EMF and carry only
//! low-cardinality dimensions.

use serde_json::{json, Value};
use testkit::logs::Captured;
use testkit::TestApi;

use crate::support::{
    contact_path, given_client, given_contact, given_recipients, notify_invoice, unique_email,
};

/// The EMF lines captured so far, each checked to declare its values in a namespace.
fn metric_lines(capture: &Captured) -> Vec<Value> {
    let lines: Vec<Value> = capture
        .text()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e.get("_aws").is_some())
        .collect();
    for line in &lines {
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert!(directive["Namespace"].as_str().is_some_and(|n| !n.is_empty()), "{line}");
        assert!(line["_aws"]["Timestamp"].as_u64().is_some(), "{line}");
        for metric in directive["Metrics"].as_array().unwrap() {
            let name = metric["Name"].as_str().unwrap();
            assert!(line[name].as_u64().is_some(), "{name} has a value: {line}");
        }
        for name in directive["Dimensions"][0].as_array().unwrap() {
            assert!(line[name.as_str().unwrap()].as_str().is_some(), "{name} has a value: {line}");
        }
    }
    lines
}

fn the_line_with<'a>(lines: &'a [Value], metric: &str) -> &'a Value {
    lines.iter().find(|l| l.get(metric).is_some()).unwrap_or_else(|| panic!("no {metric} line in {lines:?}"))
}

#[tokio::test]
async fn a_notification_counts_its_emails_by_outcome_under_its_kind() {
    let capture = testkit::logs::capture_this_thread();
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    given_recipients(&api, &acme, &["Ada", "Grace"]).await;

    assert_eq!(notify_invoice(&api, &acme).await.status, 202);

    let lines = metric_lines(&capture);
    let line = the_line_with(&lines, "EmailsSent");
    assert_eq!(line["Kind"], "notification");
    assert_eq!((line["EmailsSent"].clone(), line["EmailsFailed"].clone()), (json!(2), json!(0)));
    assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Kind"]]), "no tenant dimension");
}

#[tokio::test]
async fn an_invitation_counts_its_email_as_an_invite() {
    let capture = testkit::logs::capture_this_thread();
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let ada =
        given_contact(&api, &admin, &acme, json!({"last_name": "Ada", "email": unique_email("ada")})).await;

    let res = api.post(&admin, &format!("{}/invite", contact_path(&acme, &ada)), json!({})).await;

    assert_eq!(res.status, 202, "{}", res.body);
    let lines = metric_lines(&capture);
    let line = the_line_with(&lines, "EmailsSent");
    assert_eq!((line["Kind"].clone(), line["EmailsSent"].clone()), (json!("invite"), json!(1)));
}

#[tokio::test]
async fn an_import_counts_its_rows_by_outcome_and_a_dry_run_counts_nothing() {
    let capture = testkit::logs::capture_this_thread();
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let csv = format!("email,last_name\n{},Ada\nnot-an-email,Bad\n", unique_email("ada"));
    let path = format!("/clients/{acme}/contacts/import");
    let send = |query: &'static str| {
        let csv = csv.clone();
        let path = format!("{path}{query}");
        let api = &api;
        async move {
            api.send(&TestApi::admin("t1"), "POST", &path, &[("content-type", "text/csv")], Some(csv)).await
        }
    };

    assert_eq!(send("?dry_run=true").await.status, 200);
    assert!(metric_lines(&capture).is_empty(), "a dry run writes nothing, so counts nothing");
    assert_eq!(send("").await.status, 200);

    let lines = metric_lines(&capture);
    let line = the_line_with(&lines, "ImportRowsCreated");
    assert_eq!(line["Import"], "contacts");
    assert_eq!((line["ImportRowsCreated"].clone(), line["ImportRowsFailed"].clone()), (json!(1), json!(1)));
}

#[tokio::test]
async fn a_sweep_run_reports_its_figures_including_whether_it_stopped_early() {
    let capture = testkit::logs::capture_this_thread();
    let api = TestApi::new().await;

    let report = shared::sweep::run_scheduled(&api.app, "sweep-metrics", None, 0).await.unwrap();

    let lines = metric_lines(&capture);
    let line = the_line_with(&lines, "SweepFailed");
    assert_eq!(line["SweepStoppedEarly"], json!(u64::from(report.stopped_early)));
    assert_eq!(line["SweepRevoked"], json!(report.revoked));
    assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([[]]));
}

#[tokio::test]
async fn a_change_planned_again_after_losing_a_race_counts_a_contention_retry() {
    // Given a contact, and its next write cancelled once by a (injected) concurrent transaction
    let capture = testkit::logs::capture_this_thread();
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let ada =
        given_contact(&api, &admin, &acme, json!({ "last_name": "Ada", "email": unique_email("retry") }))
            .await;
    proxy.fail_next("TransactWriteItems", testkit::proxy::Fault::Conflict);

    // When its email changes (one transaction, planned again after the conflict)
    let res = api.patch(&admin, &contact_path(&acme, &ada), json!({ "email": unique_email("moved") })).await;

    // Then it lands, and one retry was counted, with no dimension
    assert_eq!(res.status, 200, "{}", res.body);
    let lines = metric_lines(&capture);
    let retries: Vec<&Value> = lines.iter().filter(|l| l.get("ContentionRetries").is_some()).collect();
    assert_eq!(retries.len(), 1, "{lines:?}");
    assert_eq!(retries[0]["ContentionRetries"], 1);
    assert_eq!(retries[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([[]]));
}
