//! Drives the real handlers in-process with API Gateway HTTP API v2 events.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::http::HeaderMap;
use serde_json::{json, Value};
use std::sync::Arc;

use shared::config::{Config, EmailConfig};
use shared::domain::PhoneRegion;
use shared::handlers::registry;
use shared::http::routes::{self, percent_decode_lossy, Match, Route, RouteShape};
use shared::App;

use crate::clock::TestClock;
use crate::table::{create_table_with, dynamo_client, Stream};

/// The `Authorization` header API Gateway leaves on a request whose token its authorizer
/// verified: functions never read it, and it must never reach a log line.
pub const VERIFIED_TOKEN: &str = "eyJraWQiOiJ0ZXN0In0.eyJ2ZXJpZmllZCI6dHJ1ZX0.verified-token-signature";
/// The group that makes a staff user an administrator of its tenant.
pub const ADMIN_GROUP: &str = "psa_admins";
const CURSOR_SECRET: &str = "test-cursor-secret-0123456789";
/// SES attempts per email in most tests: fewer than production's, so that tests whose SES is
/// unreachable fail fast instead of waiting out production's backoff (`behind_ses_proxy` keeps
/// production's).
const TEST_EMAIL_ATTEMPTS: u32 = 2;
/// Days before support ends that the reminder is due (`SUPPORT_REMINDER_DAYS`, production's
/// default); the invariant checker derives sweep keys with it.
pub const REMINDER_DAYS: u32 = 14;
/// Nothing listens on the discard port: an SES there is unreachable.
const UNREACHABLE: &str = "http://127.0.0.1:9";

/// Who sends a request, as the function sees it behind API Gateway (whose JWT authorizer has
/// verified the token: the local API's authorizer specs cover that part with real tokens).
#[derive(Clone, Debug)]
pub enum Caller {
    /// An `Authorization` header with any value and no authorizer context: what a function
    /// would see if a route were ever deployed without its authorizer.
    RawAuthorization(String),
    /// Claims placed in the request context, as API Gateway's JWT authorizer passes them
    /// (every value a string, groups as `[a b]`).
    Authorizer(HashMap<String, String>),
    Anonymous,
}

pub struct TestApi {
    pub app: App,
    pub clock: Arc<TestClock>,
    pub table: String,
    pub db: aws_sdk_dynamodb::Client,
    /// Send `pathParameters` as API Gateway does; off = raw path only, as cargo lambda watch.
    pub path_parameters: bool,
}

/// Every test ends with the invariants holding: when a `TestApi` goes (and the test has not
/// already failed), its table is scanned and checked. The scan runs on a thread of its own with
/// its own runtime and client, since the test's runtime is blocked in this drop. A table that
/// no longer exists (benchmarks delete theirs) has nothing to check.
///
/// A broken table panics, failing the test, unless the last reference dies inside a tokio task
/// (a spawned task holding an `Arc<TestApi>`): there the panic would only become the task's
/// `JoinError`, which tokio drops unseen when it cancels the task at shutdown, after the test
/// passed. So there the violations are written to stderr and the process aborts: the whole run
/// fails instead of the one test.
impl Drop for TestApi {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let table = self.table.clone();
        let scanned = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let db = crate::table::dynamo_client().await;
                scan_table(&db, &table).await
            })
        })
        .join()
        .expect("invariant scan");
        let Some(items) = scanned else { return };
        let Err(broken) = crate::invariants::verdict(&items) else { return };
        if tokio::task::try_id().is_some() {
            use std::io::Write;
            let note = "the TestApi was dropped inside a tokio task, where a panic goes unreported: aborting";
            // Written past the test harness's output capture, which an abort would discard.
            let _ = writeln!(
                std::io::stderr(),
                "table {}: {broken}
({note})",
                self.table
            );
            std::process::abort();
        }
        panic!("{broken}");
    }
}

/// Every item of a table, or None if the table is gone.
async fn scan_table(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Option<Vec<HashMap<String, AttributeValue>>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = match db
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => {
                return None
            }
            Err(e) => panic!("scan {table}: {e:?}"),
        };
        items.extend(out.items().iter().cloned());
        start = out.last_evaluated_key;
        if start.is_none() {
            return Some(items);
        }
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `code` of a problem response, after checking it is one.
    pub fn problem_code(&self) -> String {
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "not a problem: {}",
            self.body
        );
        let body = self.json();
        assert_eq!(
            body["status"].as_u64(),
            Some(u64::from(self.status)),
            "problem status matches HTTP status"
        );
        body["code"].as_str().expect("problem has a code").to_owned()
    }

    /// The fields a 422 names in `errors`, sorted.
    pub fn invalid_fields(&self) -> Vec<String> {
        let mut fields: Vec<String> = self.json()["errors"]
            .as_array()
            .expect("a 422 with errors")
            .iter()
            .map(|e| e["field"].as_str().expect("a field").to_owned())
            .collect();
        fields.sort();
        fields
    }
}

impl TestApi {
    /// A fresh table in DynamoDB Local and an app bound to it, sending mail to the SES emulator.
    pub async fn new() -> Self {
        Self::with_ses(Self::ses(None, TEST_EMAIL_ATTEMPTS).await).await
    }

    /// Like `new`, but SES is unreachable: every send fails after its retries.
    pub async fn with_unreachable_email() -> Self {
        Self::with_ses(Self::ses(Some(UNREACHABLE), TEST_EMAIL_ATTEMPTS).await).await
    }

    /// Like `new`, but the app sends email through a proxy in front of the SES emulator that
    /// records every send and can fail chosen ones. Its SES client is production's: as many
    /// attempts as `EMAIL_MAX_ATTEMPTS` gives by default, with the same backoff.
    pub async fn behind_ses_proxy() -> (Self, crate::proxy::SesProxy) {
        let upstream = std::env::var("AWS_ENDPOINT_URL_SESV2").expect("AWS_ENDPOINT_URL_SESV2");
        let proxy = crate::proxy::SesProxy::start(&upstream).await;
        let attempts = EmailConfig::default().max_attempts;
        let mut api = Self::with_ses(Self::ses(Some(&proxy.url), attempts).await).await;
        api.app.email.max_attempts = attempts;
        (api, proxy)
    }

    /// Like `new`, but the app reaches DynamoDB through a proxy that counts its calls and can
    /// fail chosen ones.
    pub async fn behind_proxy() -> (Self, crate::proxy::DynamoProxy) {
        let mut api = Self::new().await;
        let upstream = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("AWS_ENDPOINT_URL_DYNAMODB");
        let proxy = crate::proxy::DynamoProxy::start(&upstream).await;
        let clock = api.app.clock.clone();
        let cognito = crate::cognito::client().await;
        api.app = App::new(&Self::config(&api.table), proxy.client().await, api.app.mailer.client(), cognito);
        api.app.clock = clock;
        (api, proxy)
    }

    /// The same app with a quota of `limit` emails a day per tenant (`EMAIL_DAILY_QUOTA`).
    pub fn with_daily_email_quota(mut self, limit: u32) -> Self {
        self.app.email.daily_quota = limit;
        self
    }

    /// The app's configuration for `table` (the portal pool's id once a `TestApi` made it).
    pub fn config(table: &str) -> Config {
        Config {
            table_name: table.to_owned(),
            phone_region: PhoneRegion::parse("US").expect("US"),
            cursor_secret: CURSOR_SECRET.into(),
            reminder_days: REMINDER_DAYS,
            portal_user_pool_id: crate::cognito::portal_pool_id(),
            email: EmailConfig {
                sender: "no-reply@acme-services.test".into(),
                sender_name: "Acme Services".into(),
                portal_url: "https://portal.test/".into(),
                invite_ttl_hours: 48,
                max_attempts: TEST_EMAIL_ATTEMPTS,
                // As deployed, every email names one (the emulator accepts and ignores it).
                configuration_set: Some("client-contacts-test-email".into()),
                ..EmailConfig::default()
            },
        }
    }

    /// From now on every email this app sends fails (SES unreachable), or works again.
    pub async fn set_email_reachable(&mut self, reachable: bool) {
        let endpoint = (!reachable).then_some(UNREACHABLE);
        self.app.mailer = shared::email::Mailer::new(
            Self::ses(endpoint, TEST_EMAIL_ATTEMPTS).await,
            "no-reply@acme-services.test",
            "Acme Services",
        )
        .with_configuration_set(self.app.email.configuration_set.clone());
    }

    async fn ses(endpoint: Option<&str>, attempts: u32) -> aws_sdk_sesv2::Client {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let mut ses_config = shared::app::ses_client(&aws, attempts).config().to_builder();
        if let Some(url) = endpoint {
            ses_config = ses_config.endpoint_url(url);
        }
        aws_sdk_sesv2::Client::from_conf(ses_config.build())
    }

    async fn with_ses(ses: aws_sdk_sesv2::Client) -> Self {
        crate::logs::install();
        let db = dynamo_client().await;
        let table = format!("test-{}", ulid::Ulid::new());
        // Without its stream until a test reads it (`events::EventStream::of` turns it on).
        create_table_with(&db, &table, Stream::Off).await.expect("create test table");
        crate::cognito::pools().await;
        let mut app = App::new(&Self::config(&table), db.clone(), ses, crate::cognito::client().await);
        let clock = Arc::new(TestClock::now_utc());
        app.clock = clock.clone();
        // A portal user's sign-in (through the emulator's trigger) finds its contact here.
        crate::sign_in::register_table(&table, clock.clone());
        Self { app, clock, table, db, path_parameters: true }
    }

    /// A staff user of `tenant` in `groups`, as the authorizer passes one.
    pub fn staff(tenant: &str, groups: &[&str]) -> Caller {
        Caller::Authorizer(HashMap::from([
            ("sub".to_owned(), format!("user-of-{tenant}")),
            ("custom:tenant_id".to_owned(), tenant.to_owned()),
            ("cognito:groups".to_owned(), format!("[{}]", groups.join(" "))),
            ("token_use".to_owned(), "id".to_owned()),
        ]))
    }

    pub fn admin(tenant: &str) -> Caller {
        Self::staff(tenant, &[ADMIN_GROUP])
    }

    pub fn reader(tenant: &str) -> Caller {
        Self::staff(tenant, &[])
    }

    pub async fn get(&self, caller: &Caller, path: &str) -> TestResponse {
        self.send(caller, "GET", path, &[], None).await
    }

    pub async fn post(&self, caller: &Caller, path: &str, body: Value) -> TestResponse {
        self.send(caller, "POST", path, &[("content-type", "application/json")], Some(body.to_string())).await
    }

    pub async fn patch(&self, caller: &Caller, path: &str, body: Value) -> TestResponse {
        self.send(
            caller,
            "PATCH",
            path,
            &[("content-type", "application/merge-patch+json")],
            Some(body.to_string()),
        )
        .await
    }

    pub async fn delete(&self, caller: &Caller, path: &str) -> TestResponse {
        self.send(caller, "DELETE", path, &[], None).await
    }

    /// Sends arbitrary bytes as a JSON body, base64-encoded as API Gateway passes binary bodies.
    pub async fn send_raw(&self, caller: &Caller, method: &str, path: &str, bytes: &[u8]) -> TestResponse {
        self.send_bytes(caller, method, path, "application/json", bytes).await
    }

    /// Sends arbitrary bytes with a content type, base64-encoded as API Gateway passes them.
    pub async fn send_bytes(
        &self,
        caller: &Caller,
        method: &str,
        path: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> TestResponse {
        use base64::Engine;
        let route = route_for(method, path);
        let mut event = self.event(route, caller, method, path, "", &[("content-type", content_type)], None);
        event["body"] = Value::String(base64::engine::general_purpose::STANDARD.encode(bytes));
        event["isBase64Encoded"] = Value::Bool(true);
        self.dispatch_event(route, event).await
    }

    /// Sends any request to the function whose route matches `method` and `path`.
    pub async fn send(
        &self,
        caller: &Caller,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> TestResponse {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let route = route_for(method, path);
        self.dispatch_event(route, self.event(route, caller, method, path, query, headers, body)).await
    }

    /// The API Gateway HTTP API v2 event of a request with an optional JSON body, as the
    /// function behind its route receives it (what the benchmarks feed the release bootstraps).
    pub fn json_event(
        &self,
        caller: &Caller,
        method: &str,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Value {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let headers: &[(&str, &str)] = match body {
            Some(_) => &[("content-type", "application/json")],
            None => &[],
        };
        let body = body.map(|b| b.to_string());
        self.event(route_for(method, path), caller, method, path, query, headers, body)
    }

    /// Runs the route's handler; every answer is checked against openapi.yaml on the way back.
    async fn dispatch_event(&self, route: &Route, event: Value) -> TestResponse {
        let request = lambda_http::request::from_str(&event.to_string()).expect("valid API Gateway event");
        let res = into_test_response(
            dispatch(&self.app, route, request).await.expect("handlers never fail the invocation"),
        );
        crate::contract::assert_documented(route.method, route.template, &res);
        res
    }
}

impl TestApi {
    /// Runs `function`'s handler on an API Gateway HTTP API v2 event (as `cargo lambda invoke
    /// --data-file` does). `None` when no route of the service is served by `function`.
    pub async fn invoke_event(&self, function: &str, event: &str) -> Option<TestResponse> {
        let route = routes::ALL.iter().find(|r| r.function == function)?;
        let request = lambda_http::request::from_str(event).expect("valid API Gateway event");
        let response = dispatch(&self.app, route, request).await.expect("handlers never fail the invocation");
        Some(into_test_response(response))
    }
}

/// The route API Gateway would pick for `method` and `path`.
fn route_for(method: &str, path: &str) -> &'static Route {
    match routes::route(method, path) {
        Match::Found(route) => route,
        other => panic!("no route for {method} {path}: {other:?}"),
    }
}

fn into_test_response(response: lambda_http::Response<lambda_http::Body>) -> TestResponse {
    {
        let (parts, body) = response.into_parts();
        let body = match body {
            lambda_http::Body::Empty => String::new(),
            lambda_http::Body::Text(t) => t,
            lambda_http::Body::Binary(b) => String::from_utf8(b).expect("UTF-8 body"),
            _ => String::new(),
        };
        TestResponse { status: parts.status.as_u16(), headers: parts.headers, body }
    }
}

impl TestApi {
    #[allow(clippy::too_many_arguments)]
    fn event(
        &self,
        route: &Route,
        caller: &Caller,
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Value {
        let mut header_map: HashMap<String, String> =
            headers.iter().map(|(k, v)| (k.to_lowercase(), v.to_string())).collect();
        let mut authorizer = Value::Null;
        match caller {
            Caller::RawAuthorization(value) => {
                header_map.insert("authorization".into(), value.clone());
            }
            Caller::Authorizer(claims) => {
                header_map.insert("authorization".into(), format!("Bearer {VERIFIED_TOKEN}"));
                authorizer = json!({ "jwt": { "claims": claims, "scopes": null } });
            }
            Caller::Anonymous => {}
        }
        let query_params: HashMap<String, String> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                // API Gateway passes parameters percent-decoded.
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode_lossy(k), percent_decode_lossy(v))
            })
            .collect();
        let path_params: HashMap<&str, String> = if self.path_parameters {
            route.match_path(path).unwrap_or_default().into_iter().collect()
        } else {
            HashMap::new()
        };
        let route_key = route.key();
        json!({
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": path,
            "rawQueryString": query,
            "headers": header_map,
            "queryStringParameters": if query_params.is_empty() { Value::Null } else { json!(query_params) },
            "pathParameters": if path_params.is_empty() { Value::Null } else { json!(path_params) },
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": "localhost",
                "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "tests" },
                "requestId": format!("req-{}", ulid::Ulid::new()),
                "routeKey": route_key,
                "stage": "$default",
                "time": "22/Nov/2026:10:00:00 +0000",
                "timeEpoch": 1_795_000_000_000_i64,
                "authorizer": authorizer,
            },
            "body": body,
            "isBase64Encoded": false,
        })
    }

    /// Every item of the test table.
    pub async fn scan(&self) -> Vec<HashMap<String, AttributeValue>> {
        scan_table(&self.db, &self.table).await.expect("the test table exists")
    }
}

/// Runs the handler of the function that serves `route`.
async fn dispatch(
    app: &App,
    route: &Route,
    req: lambda_http::Request,
) -> Result<lambda_http::Response<lambda_http::Body>, lambda_http::Error> {
    let handler = registry::handler(route.function)
        .unwrap_or_else(|| panic!("no handler wired for {}", route.function));
    handler(app, req).await
}

impl TestApi {
    /// A client contact signed in to the portal, as the `PortalJwt` authorizer passes the
    /// portal pool's ID token: its ids in the pool's immutable attributes, `token_use` `id`.
    pub fn portal_user(tenant: &str, client: &str, contact: &str) -> Caller {
        Caller::Authorizer(HashMap::from([
            ("sub".to_owned(), format!("portal-user-{contact}")),
            ("token_use".to_owned(), "id".to_owned()),
            ("iss".to_owned(), "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Portal".to_owned()),
            ("custom:tenant_id".to_owned(), tenant.to_owned()),
            ("custom:client_id".to_owned(), client.to_owned()),
            ("custom:contact_id".to_owned(), contact.to_owned()),
        ]))
    }
}
