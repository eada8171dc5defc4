//! The sample events in `events/` run: each function's event, through its real handler,
//! against the demo data of `seed-demo` (the ids the events use), gets an answer the OpenAPI
//! document lists for that route, never a 5xx. The sweep's event is a scheduled event; the
//! sign-in gate's events (a sign-in and a refresh) go through the gate, SES's events through
//! the function that records them, and an export job's insert through `run-export`'s code.

use local_api::Template;
use serde_json::Value;
use shared::domain::export::{ExportFormat, ExportJob, ExportState};
use shared::domain::{ExportId, Stamp, TenantId};
use shared::exports::Exporter;
use shared::feedback::{record, Recorded};
use shared::portal::gate::{Gate, Pools};
use testkit::seed::seed_demo;
use testkit::table::repo_root;
use testkit::TestApi;

use crate::openapi::{assert_documented, spec};

/// The samples of SES's events (EventBridge's envelope, SES's event in `detail`).
pub(crate) const RECORDED_SES_EVENTS: [&str; 5] = [
    "record-email-event",
    "record-email-event-transient-bounce",
    "record-email-event-complaint",
    "record-email-event-delivery",
    "record-email-event-reject",
];

pub(crate) fn event(function: &str) -> String {
    let path = repo_root().join("events").join(format!("{function}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {}", path.display()))
}

#[tokio::test]
async fn every_sample_event_runs_against_the_demo_data() {
    let spec = spec();
    let api = TestApi::new().await;
    seed_demo(&api.app, &TenantId::parse("demo").unwrap()).await.unwrap();
    let template = Template::of_repo();

    // The portal's pages are HTML, not the API's operations: their event opens the page an
    // invitation links to.
    let page = lambda_http::request::from_str(&event("portal-pages")).expect("an API Gateway event");
    let config = portal_pages::PagesConfig {
        cognito_endpoint: "http://127.0.0.1:9229/".into(),
        client_id: "sample".into(),
        api_base: "..".into(),
    };
    let res = portal_pages::handle(&page, &config);
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    for route in template.routes().unwrap().into_iter().filter(|r| r.function != "portal-pages") {
        let res = api.invoke_event(&route.function, &event(&route.function)).await.expect("a handler");
        assert!(res.status < 500, "events/{}.json: {} {}", route.function, res.status, res.body);
        assert_documented(&spec, &route, &res);
    }
    // The demo primary contact has not accepted an invitation: the gate refuses its sign-in.
    let gate = Gate { store: &api.app.store, clock: api.app.clock.as_ref(), pools: Pools::default() };
    let routed: Vec<String> = template.routes().unwrap().into_iter().map(|r| r.function).collect();
    for function in template.functions().into_iter().filter(|f| !routed.contains(f)) {
        let other: Value = serde_json::from_str(&event(&function)).unwrap();
        match function.as_str() {
            "portal-sign-in" => {
                for sample in ["portal-sign-in", "portal-sign-in-refresh"] {
                    let refused = gate.run(serde_json::from_str(&event(sample)).unwrap()).await.unwrap_err();
                    assert_eq!(
                        refused.to_string(),
                        "portal access is not active for this contact",
                        "{sample}"
                    );
                }
            }
            // SES's events are recorded on the demo primary contact their tags name.
            "record-email-event" => {
                for sample in RECORDED_SES_EVENTS {
                    let event = serde_json::from_str(&event(sample)).unwrap();
                    let recorded = record(&api.app.feedback(), event).await.unwrap();
                    assert!(
                        matches!(recorded, Recorded::Recorded { .. }),
                        "events/{sample}.json: {recorded:?}"
                    );
                }
            }
            // A stream batch: handled whole, its event published to a bus of the test's own.
            "change-events" => {
                let stream = testkit::events::EventStream::of(&api).await;
                let answer = stream.processor.invoke_json(other).await.expect("an answer");
                assert_eq!(answer["batchItemFailures"], serde_json::json!([]), "events/{function}.json");
                assert_eq!(stream.published().await[0]["detail-type"], "contact.updated");
            }
            // An export job's insert: the job it names, of the demo tenant, runs to its file.
            "run-export" => {
                let s3 = testkit::bucket::client().await;
                let bucket = testkit::bucket::create(&s3, &api.table.to_lowercase()).await.unwrap();
                let new = &other["Records"][0]["dynamodb"]["NewImage"];
                let id = ExportId::parse(new["id"]["S"].as_str().unwrap()).unwrap();
                let stamp = Stamp { at: "2026-11-28T10:00:00Z".into(), by: "admin@demo".into() };
                let job =
                    ExportJob { id, ..ExportJob::queued(ExportFormat::Csv, Default::default(), &stamp) };
                let demo = TenantId::parse("demo").unwrap();
                api.app.store.put_export(&demo, &job, api.app.clock.now()).await.unwrap();
                let exporter = Exporter { store: &api.app.store, bucket: &bucket };
                let far = std::time::Instant::now() + std::time::Duration::from_secs(60);
                let answer = shared::exports::stream::run_records(&exporter, &other, far).await;
                assert_eq!(answer["batchItemFailures"], serde_json::json!([]), "events/{function}.json");
                assert_eq!(api.app.store.get_export(&demo, id).await.unwrap().state, ExportState::Done);
            }
            _ => assert_eq!(other["detail-type"], "Scheduled Event", "events/{function}.json"),
        }
    }
}
