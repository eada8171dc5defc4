//! Logs: one JSON object per line, each with the request id, the X-Ray trace id, the route and
//! the tenant (metric lines aside), and no token, password, invitation token or email body
//! anywhere.

use serde_json::{json, Value};
use testkit::mail::{invite_token, messages_to};
use testkit::proxy::Fault;
use testkit::{Caller, TestApi};

use crate::support::{contact_path, given_client, given_contact};

/// Every kind of request the logs must cover: an invitation and its acceptance (the public
/// route), a notification with a body, a request with a token that is no token, and a sweep.
/// Returns the invitation's token, which must not be logged.
async fn when_each_kind_of_request_is_made(
    api: &TestApi,
    admin: &Caller,
    email: &str,
    password: &str,
    body_text: &str,
) -> String {
    let acme = given_client(api, admin, "Acme").await;
    let ada = given_contact(
        api,
        admin,
        &acme,
        json!({"last_name": "Lovelace", "email": email,
        "notifications": ["invoice"]}),
    )
    .await;
    let invited = api.post(admin, &format!("{}/invite", contact_path(&acme, &ada)), json!({})).await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    let mail = messages_to(email).await;
    let invitation = invite_token(mail[0]["body"]["text"].as_str().unwrap()).unwrap();
    let accepted = api
        .post(&Caller::Anonymous, "/invites/accept", json!({"token": invitation, "password": password}))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let notify = json!({"topic": "invoice", "subject": "Invoice 42", "text": body_text, "html": format!("<p>{body_text}</p>")});
    assert_eq!(api.post(admin, &format!("/clients/{acme}/notifications"), notify).await.status, 202);
    let garbage = Caller::RawAuthorization("Bearer not.a.valid-token-value".into());
    assert_eq!(api.get(&garbage, &format!("/clients/{acme}")).await.status, 401);
    shared::sweep::run_scheduled(&api.app, "sweep-invocation-1", None, u64::MAX).await.unwrap();
    invitation
}

/// The tenant of each line logged with `message` on `route`.
fn tenants_logged(lines: &[&str], message: &str, route: &str) -> Vec<String> {
    lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["message"] == message && e["span"]["route"] == route)
        .map(|e| e["span"]["tenant"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_line_is_json_with_request_id_route_and_tenant_and_no_secrets() {
    // A current-thread runtime: every line of this test's requests is logged on this thread.
    let capture = testkit::logs::capture_this_thread();
    let api = TestApi::new().await;
    let tenant = format!("logs-{}", ulid::Ulid::new());
    let admin = TestApi::admin(&tenant);
    let email = format!("ada.{}@logs.test", ulid::Ulid::new()).to_lowercase();
    let (password, body_text) = ("correct horse battery staple", "Invoice 42 is ready: the secret body text");

    let invitation = when_each_kind_of_request_is_made(&api, &admin, &email, password, body_text).await;

    let text = capture.text();
    let all: Vec<&str> = text.lines().collect();
    let is_metric = |line: &str| serde_json::from_str::<Value>(line).is_ok_and(|e| e.get("_aws").is_some());
    let metric_lines = all.iter().filter(|l| is_metric(l)).count();
    assert_eq!(metric_lines, 3, "one each for the invitation, the notification and the sweep:\n{text}");
    let lines: Vec<&str> = all.into_iter().filter(|l| !is_metric(l)).collect();
    let requests_done = lines.iter().filter(|l| l.contains("\"message\":\"request done\"")).count();
    assert_eq!(requests_done, 6, "one line for each of the six requests:\n{text}");
    for line in &lines {
        let entry: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let span = &entry["span"];
        for field in ["request_id", "trace_id", "route", "tenant"] {
            let value = span[field].as_str().unwrap_or_default();
            assert!(!value.is_empty(), "no {field}: {line}");
        }
        assert_eq!(line.matches("\"request_id\"").count(), 1, "{line}");
    }
    let tenant_of = |message: &str, route: &str| tenants_logged(&lines, message, route);
    assert_eq!(tenant_of("request done", "/clients/{clientId}/notifications"), [tenant.as_str()]);
    assert_eq!(
        tenant_of("request done", "/invites/accept"),
        [tenant.as_str()],
        "the public route finds its tenant"
    );
    assert_eq!(tenant_of("request done", "/clients/{clientId}"), ["-"], "no tenant before authentication");
    assert_eq!(tenant_of("sweep done", "schedule"), ["*"]);
    assert!(text.contains("\"request_id\":\"sweep-invocation-1\""), "{text}");

    let signature = testkit::api::VERIFIED_TOKEN.rsplit('.').next().unwrap();
    for secret in [signature, invitation.as_str(), password, body_text, "not.a.valid-token-value"] {
        assert!(!text.contains(secret), "the logs contain {secret:?}:\n{text}");
    }
    for personal in [email.as_str(), "Lovelace"] {
        assert!(!text.contains(personal), "the logs contain personal data {personal:?}:\n{text}");
    }
}

#[tokio::test]
async fn every_line_of_a_traced_request_carries_its_x_ray_trace_id() {
    let capture = testkit::logs::capture_this_thread();
    let api = TestApi::new().await;
    let admin = TestApi::admin(&format!("trace-{}", ulid::Ulid::new()));
    let header = "Root=1-6745a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
    let body = Some(json!({"name": "Acme"}).to_string());

    let res = api
        .send(
            &admin,
            "POST",
            "/clients",
            &[("content-type", "application/json"), ("x-amzn-trace-id", header)],
            body,
        )
        .await;

    assert_eq!(res.status, 201, "{}", res.body);
    let text = capture.text();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let done = lines.iter().filter(|e| e["message"] == "request done").count();
    assert_eq!(done, 1, "the request logged once it was done:\n{text}");
    for entry in &lines {
        assert_eq!(entry["span"]["trace_id"], "1-6745a1b2-0123456789abcdef01234567", "{entry}");
    }
}

#[tokio::test]
async fn the_sweep_logs_the_trace_id_of_its_invocation() {
    let capture = testkit::logs::capture_this_thread();
    let api = TestApi::new().await;

    shared::sweep::run_scheduled(
        &api.app,
        "sweep-traced",
        Some("Root=1-6745a1b2-aaaabbbbccccdddd00001111"),
        0,
    )
    .await
    .unwrap();

    let text = capture.text();
    let done = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| e["message"] == "sweep done");
    let done = done.unwrap_or_else(|| panic!("no sweep done line:\n{text}"));
    assert_eq!(done["span"]["trace_id"], "1-6745a1b2-aaaabbbbccccdddd00001111");
}

#[tokio::test]
async fn an_unexpected_transaction_cancellation_logs_reason_codes_and_keys_but_no_personal_field() {
    let capture = testkit::logs::capture_this_thread();
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    given_contact(&api, &admin, &acme, json!({ "last_name": "First", "email": "first@logs.test" })).await;
    let personal = json!({ "first_name": "Grace", "last_name": "Hopperlog", "email": "grace.hopperlog@logs.test",
        "mobile": "+44 7911 123457", "job_title": "Rear Admiral Logtest" });
    proxy.fail_next("TransactWriteItems", Fault::CancelUnexpectedly);

    let res = api.post(&admin, &format!("/clients/{acme}/contacts"), personal).await;

    assert_eq!(res.status, 500, "{}", res.body);
    let text = capture.text();
    assert!(text.contains("ValidationError"), "the reason codes are logged:\n{text}");
    assert!(text.contains("CONTACT#"), "and the keys of the items:\n{text}");
    for field in ["Grace", "Hopperlog", "hopperlog@logs.test", "+447911123457", "Rear Admiral Logtest"] {
        assert!(!text.contains(field), "the logs contain personal data {field:?}:\n{text}");
    }
}
