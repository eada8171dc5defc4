//! Benchmark: what one operation costs a deployer, all of it, per million operations.
//!
//! Every operation runs through its release bootstrap, started as Lambda starts it (Runtime API
//! emulator, Lambda's environment, the template's memory size), kept warm. DynamoDB is reached
//! through the counting proxy (`testkit::proxy`), SES through the SES proxy, EventBridge is the
//! emulator. After the request, what it set off runs as in AWS, each through its own bootstrap
//! behind the same proxies: the table's stream into `change-events` (read as the event source
//! mapping reads it, batches of 100), and one SES delivery event per email sent into
//! `record-email-event`. Measured per operation, as the mean of its runs:
//! - API requests (one per operation), Lambda invocations and their billed duration (each
//!   rounded up to the millisecond) at each function's memory size in template.yaml;
//! - DynamoDB read and write units as the proxy counts them, the request's and those of what
//!   it set off;
//! - CloudWatch Logs bytes: the functions' own lines (stdout and stderr, as Lambda ingests them
//!   with the template's JSON log format and `SystemLogLevel: WARN`, which leaves out Lambda's
//!   START/END/REPORT lines) and the access log line the template's format gives the request;
//! - X-Ray traces: one per invocation (`TracingMode: Active`; the default sampling rule traces
//!   the first request each second, so nearly every one at a million a month);
//! - EventBridge custom events (`change-events`' "event published" lines) and emails sent.
//!
//! Then the cost per million operations at the prices in `bench-cost/prices.rs`.
//!
//! Last, cold starts of the portal's sign-in trigger next to add-contact's.
//!
//! Run with `scripts/bench cost`. Usage: bench-cost [runs] [--recipients N] [--rows N] [--cold-starts N]
//!   runs          measured runs of each operation (default 20; notify and import run a fifth
//!                 and a tenth as often, at least once), after one unmeasured warm-up run
//!   --recipients  recipients of the notification (default 100)
//!   --rows        rows of the import (default 1000)
//!   --cold-starts N  cold starts of each of the two functions (default 10)
//!   --cgroups DIR each function in DIR/<memory MB>, the CPU share of its memory size (scripts/bench
//!                 cost makes them when it runs as root)

#[path = "bench-cost/deployment.rs"]
mod deployment;
#[path = "bench-cost/prices.rs"]
mod prices;

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use bench::functions::{build_dir, function_env, logs, rust_launch, Endpoints, TENANT};
use bench::lambda::{fresh_log, Function, Launch};
use bench::{contact_body, contacts_csv};
use bench::{ms, Spread};
use local_tools::streams::{Invoke, StreamPoller};
use serde_json::{json, Value};
use shared::domain::{ClientId, ContactId, TenantId};
use shared::store::keys;
use testkit::proxy::{DynamoProxy, SesProxy};
use testkit::TestApi;

use deployment::{AccessLogged, Deployment};
use prices::Price;

struct Args {
    runs: usize,
    recipients: usize,
    rows: usize,
    cgroups: Option<PathBuf>,
    cold_starts: usize,
}

fn args() -> Args {
    let mut args = Args { runs: 20, recipients: 100, rows: 1000, cgroups: None, cold_starts: 10 };
    let mut it = std::env::args().skip(1);
    let number =
        |v: Option<String>, what: &str| v.and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{what} N"));
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--recipients" => args.recipients = number(it.next(), "--recipients"),
            "--rows" => args.rows = number(it.next(), "--rows"),
            "--cold-starts" => args.cold_starts = number(it.next(), "--cold-starts"),
            "--cgroups" => args.cgroups = Some(PathBuf::from(it.next().expect("--cgroups DIR"))),
            n => args.runs = n.parse().unwrap_or_else(|_| panic!("unknown argument {n}")),
        }
    }
    assert!(
        args.runs > 0 && args.recipients > 0 && args.rows > 0 && args.cold_starts > 0,
        "runs, recipients, rows and cold starts: at least 1"
    );
    args
}

/// A log file read from where the last read stopped.
struct LogTail {
    path: PathBuf,
    offset: u64,
}

impl LogTail {
    fn new(path: &Path) -> Self {
        Self { path: path.to_owned(), offset: 0 }
    }

    /// What the function wrote since the last call.
    fn take(&mut self) -> String {
        let mut file =
            std::fs::File::open(&self.path).unwrap_or_else(|e| panic!("{}: {e}", self.path.display()));
        file.seek(SeekFrom::Start(self.offset)).expect("seek the log");
        let mut text = String::new();
        file.read_to_string(&mut text).expect("read the log");
        self.offset += text.len() as u64;
        text
    }
}

/// One function's warm process, and what its invocations took since the last `take`.
struct Bootstrap {
    memory_mb: u32,
    function: tokio::sync::Mutex<Function>,
    took: std::sync::Mutex<Vec<Duration>>,
    log: std::sync::Mutex<LogTail>,
}

impl Bootstrap {
    async fn start(
        name: &'static str,
        env: &[(String, String)],
        deployment: &Deployment,
        args: &Args,
    ) -> Self {
        let launch = launch(name, env, deployment, args);
        let memory_mb = launch.memory_mb;
        let log = std::sync::Mutex::new(LogTail::new(&launch.log));
        let function = tokio::sync::Mutex::new(Function::start(&launch).await);
        Self { memory_mb, function, took: std::sync::Mutex::new(Vec::new()), log }
    }

    async fn call(&self, event: &Value) -> Value {
        let reply = self.function.lock().await.invoke(event).await;
        self.took.lock().expect("durations").push(reply.took);
        reply.body
    }

    /// The invocations since the last call: how many, their billed GB-seconds, the lines they
    /// logged, and the last one's time in whole milliseconds.
    async fn take(&self) -> Taken {
        // A line logged after the answer was posted belongs to this invocation too.
        tokio::time::sleep(Duration::from_millis(5)).await;
        let took = std::mem::take(&mut *self.took.lock().expect("durations"));
        let billed_ms: f64 = took.iter().map(|d| (d.as_secs_f64() * 1000.0).ceil()).sum();
        Taken {
            invocations: took.len(),
            gb_seconds: billed_ms / 1000.0 * f64::from(self.memory_mb) / 1024.0,
            lines: self.log.lock().expect("log").take(),
            last_ms: took.last().map_or(0, |d| d.as_millis() as u64),
        }
    }
}

/// `name`'s release bootstrap as Lambda starts it: the template's memory size and, with
/// `--cgroups`, that size's CPU share.
fn launch(name: &str, env: &[(String, String)], deployment: &Deployment, args: &Args) -> Launch {
    let memory_mb = deployment.memory_mb(name);
    let mut launch = rust_launch(name, &build_dir().join(name), env.to_vec());
    launch.memory_mb = memory_mb;
    launch.log = fresh_log(&logs(), &format!("cost-{name}"));
    launch.cgroup = args.cgroups.as_ref().map(|dir| dir.join(memory_mb.to_string()));
    launch
}

/// What a function's invocations since the last look used.
struct Taken {
    invocations: usize,
    gb_seconds: f64,
    lines: String,
    last_ms: u64,
}

impl Invoke for Bootstrap {
    async fn invoke(&self, event: Value) -> Result<Value, String> {
        Ok(self.call(&event).await)
    }
}

/// What operations use, summed over runs.
#[derive(Default, Clone)]
struct Usage {
    runs: usize,
    api_requests: f64,
    invocations: f64,
    gb_seconds: f64,
    read_units: f64,
    write_units: f64,
    /// Of the units: those of what the request set off (the stream, SES's events), and those
    /// of the global secondary indexes.
    read_units_after: f64,
    write_units_after: f64,
    index_units: f64,
    function_log_bytes: f64,
    access_log_bytes: f64,
    events: f64,
    emails: f64,
}

impl Usage {
    fn per_run(&self, value: f64) -> f64 {
        value / self.runs as f64
    }

    fn log_bytes(&self) -> f64 {
        self.function_log_bytes + self.access_log_bytes
    }

    /// Dollars per million operations, by part, with `traced` of the invocations traced.
    fn costs(&self, traced: f64) -> [(&'static str, f64); 7] {
        let million = |v: f64| self.per_run(v) * 1e6;
        let price = |v: f64, p: &Price| million(v) * p.dollars;
        [
            ("API Gateway", price(self.api_requests, &prices::API_REQUEST)),
            (
                "Lambda",
                price(self.invocations, &prices::LAMBDA_REQUEST)
                    + price(self.gb_seconds, &prices::LAMBDA_GB_SECOND),
            ),
            (
                "DynamoDB",
                price(self.read_units, &prices::READ_UNIT) + price(self.write_units, &prices::WRITE_UNIT),
            ),
            ("CloudWatch Logs", price(self.log_bytes() / 1_073_741_824.0, &prices::LOG_GB)),
            ("X-Ray", traced * price(self.invocations, &prices::TRACE)),
            ("EventBridge", price(self.events, &prices::CUSTOM_EVENT)),
            ("SES", price(self.emails, &prices::EMAIL)),
        ]
    }
}

/// The share of invocations the default sampling rule traces far above one request a second.
const BUSY_TRACED: f64 = 0.05;

/// The emulators behind their proxies, the functions' warm processes, the stream.
struct Stack {
    api: TestApi,
    dynamo: DynamoProxy,
    ses: SesProxy,
    deployment: Deployment,
    functions: BTreeMap<&'static str, Bootstrap>,
    /// The functions' environment, for the cold starts.
    env: Vec<(String, String)>,
    change_events: Bootstrap,
    email_events: Bootstrap,
    stream: StreamPoller,
}

/// The functions the operations call: the API's, and the portal pool's sign-in trigger.
const API_FUNCTIONS: [&str; 11] = [
    "add-contact",
    "get-contact",
    "list-contacts",
    "find-contacts",
    "export-contact",
    "portal-sign-in",
    "update-contact",
    "delete-contact",
    "invite-contact",
    "notify-contacts",
    "import-contacts",
];

impl Stack {
    async fn start(args: &Args) -> Self {
        let api = TestApi::new().await;
        let upstream =
            std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("AWS_ENDPOINT_URL_DYNAMODB (scripts/env.sh)");
        let dynamo = DynamoProxy::start(&upstream).await;
        dynamo.count_transactions();
        let ses =
            SesProxy::start(&std::env::var("AWS_ENDPOINT_URL_SESV2").expect("AWS_ENDPOINT_URL_SESV2")).await;
        let deployment = Deployment::of_repo();
        local_tools::table::enable_stream(&api.db, &api.table).await.expect("the table's stream");
        let (events, _) = local_tools::bus::clients().await;
        local_tools::bus::create_bus(&events, &api.table)
            .await
            .expect("a bus (moto's server: scripts/stack up)");
        let stream = StreamPoller::of_table(&api.db, local_tools::streams::client().await, &api.table)
            .await
            .expect("the table's stream");
        let env = Self::env(&api.table, &dynamo, &ses);
        let mut functions = BTreeMap::new();
        for name in API_FUNCTIONS {
            functions.insert(name, Bootstrap::start(name, &env, &deployment, args).await);
        }
        let change_events = Bootstrap::start("change-events", &env, &deployment, args).await;
        let email_events = Bootstrap::start("record-email-event", &env, &deployment, args).await;
        Self { api, dynamo, ses, deployment, functions, env, change_events, email_events, stream }
    }

    /// The functions' configuration: the template's variables (`bench::functions`), the bus,
    /// the configuration set every email names, and the proxies as endpoints.
    fn env(table: &str, dynamo: &DynamoProxy, ses: &SesProxy) -> Vec<(String, String)> {
        let endpoints = Endpoints { name: "HTTP, counted", dynamodb: dynamo.url.clone() };
        let mut env = function_env(table, &endpoints, Path::new("/etc/ssl/certs/ca-certificates.crt"));
        env.retain(|(k, _)| k != "AWS_ENDPOINT_URL_SESV2" && k != "SSL_CERT_FILE" && k != "AWS_CA_BUNDLE");
        let eventbridge =
            std::env::var("AWS_ENDPOINT_URL_EVENTBRIDGE").expect("AWS_ENDPOINT_URL_EVENTBRIDGE");
        env.extend(
            [
                ("AWS_ENDPOINT_URL_SESV2", ses.url.clone()),
                ("AWS_ENDPOINT_URL_EVENTBRIDGE", eventbridge),
                ("EVENT_BUS_NAME", table.to_owned()),
                ("SES_CONFIGURATION_SET", "client-contacts-email".to_owned()),
                ("METRICS_NAMESPACE", "ClientContacts/bench".to_owned()),
                // The quota's reads and writes are the same whatever its limit; the runs send
                // more than the template's default of 1,000 a day.
                ("EMAIL_DAILY_QUOTA", "1000000".to_owned()),
            ]
            .map(|(k, v)| (k.to_owned(), v)),
        );
        env
    }

    /// Runs what the stream holds through `change-events` until it is empty.
    async fn drain_stream(&mut self) {
        let mut idle = 0;
        while idle < 2 {
            let polled = self.stream.poll(&self.change_events).await.expect("poll the stream");
            assert!(polled.discarded.is_empty(), "change-events gave up on records: {:?}", polled.discarded);
            idle = if polled.delivered == 0 { idle + 1 } else { 0 };
        }
    }

    /// Forgets what was counted so far (a preparation's calls, its stream's events).
    async fn settle(&mut self) {
        self.drain_stream().await;
        self.dynamo.take_calls();
        self.ses.take_sends();
        for f in self.functions.values().chain([&self.change_events, &self.email_events]) {
            f.take().await;
        }
    }

    /// Runs one request through its function and what it sets off, and says what that used.
    async fn measure(&mut self, request: &Request) -> Usage {
        let function = &self.functions[request.function];
        let answer = function.call(&request.event).await;
        let taken = function.take().await;
        let calls = self.dynamo.take_calls();
        let mut usage = Usage { runs: 1, ..Usage::default() };
        usage.add_calls(&calls, false);
        usage.add_invocations(&taken);
        if request.via_api() {
            self.api_request(request, &answer, &taken, &mut usage);
        } else {
            let claims = &answer["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"];
            assert!(claims["contact_id"].is_string(), "{} answered {answer}", request.function);
        }
        self.what_it_set_off(&mut usage).await;
        usage
    }

    /// The API request's part: the request itself and its access log line.
    fn api_request(&self, request: &Request, answer: &Value, taken: &Taken, usage: &mut Usage) {
        let status = answer["statusCode"].as_u64().unwrap_or(0) as u16;
        assert_eq!(status, request.expect, "{} answered {answer}", request.function);
        usage.api_requests = 1.0;
        let logged = AccessLogged {
            route_key: request.route_key.clone(),
            method: request.event["requestContext"]["http"]["method"].as_str().unwrap_or_default().to_owned(),
            path: request.event["rawPath"].as_str().unwrap_or_default().to_owned(),
            tenant: TENANT.to_owned(),
            status,
            latency_ms: taken.last_ms.max(1),
            response_length: answer["body"].as_str().map_or(0, str::len),
        };
        usage.access_log_bytes = (self.deployment.access_log_line(&logged).len() + 1) as f64;
    }

    /// What a request set off, run as in AWS and counted with it.
    async fn what_it_set_off(&mut self, usage: &mut Usage) {
        // The stream, as the event source mapping delivers it.
        self.drain_stream().await;
        let taken = self.change_events.take().await;
        usage.events = taken.lines.lines().filter(|l| l.contains("\"event published\"")).count() as f64;
        usage.add_invocations(&taken);
        // SES's delivery events, one per email sent, as the rule invokes the function.
        let sends: Vec<_> = self.ses.take_sends().into_iter().filter(|s| s.delivered).collect();
        usage.emails = sends.len() as f64;
        for send in &sends {
            let recorded = self.email_events.call(&delivery_event(&send.to, &send.tags)).await;
            assert_eq!(recorded["result"], "recorded", "record-email-event: {recorded}");
        }
        usage.add_invocations(&self.email_events.take().await);
        usage.add_calls(&self.dynamo.take_calls(), true);
    }
}

impl Usage {
    fn add_calls(&mut self, calls: &[testkit::proxy::Call], after: bool) {
        let read: f64 = calls.iter().map(|c| c.read_units).sum();
        let write: f64 = calls.iter().map(testkit::proxy::Call::billed_write_units).sum();
        self.read_units += read;
        self.write_units += write;
        self.index_units += calls.iter().filter(|c| c.status == 200).map(|c| c.index_units).sum::<f64>();
        if after {
            self.read_units_after += read;
            self.write_units_after += write;
        }
    }

    fn add_invocations(&mut self, taken: &Taken) {
        self.invocations += taken.invocations as f64;
        self.gb_seconds += taken.gb_seconds;
        self.function_log_bytes += taken.lines.len() as f64;
    }

    fn add(&mut self, other: &Usage) {
        self.runs += other.runs;
        self.api_requests += other.api_requests;
        self.invocations += other.invocations;
        self.gb_seconds += other.gb_seconds;
        self.read_units += other.read_units;
        self.write_units += other.write_units;
        self.read_units_after += other.read_units_after;
        self.write_units_after += other.write_units_after;
        self.index_units += other.index_units;
        self.function_log_bytes += other.function_log_bytes;
        self.access_log_bytes += other.access_log_bytes;
        self.events += other.events;
        self.emails += other.emails;
    }
}

/// SES's "Email Delivered" event for an email to `to` carrying `tags`, in EventBridge's
/// envelope as the rule passes it (the shape of events/record-email-event-delivery.json).
fn delivery_event(to: &[String], tags: &[(String, String)]) -> Value {
    let path = testkit::table::repo_root().join("events/record-email-event-delivery.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut event: Value = serde_json::from_str(&text).expect("a JSON event");
    let mail = &mut event["detail"]["mail"];
    mail["messageId"] = json!(format!("bench-{}", ulid::Ulid::new()));
    mail["destination"] = json!(to);
    for (name, value) in tags {
        mail["tags"][name] = json!([value]);
    }
    event["detail"]["delivery"]["recipients"] = json!(to);
    event
}

/// One request an operation makes: its function, its event and the status it must answer.
/// A trigger's request (`route_key` empty) comes from Cognito, not through API Gateway: no API
/// request, no access log line, and its answer is the event with the claims to add.
struct Request {
    function: &'static str,
    route_key: String,
    event: Value,
    expect: u16,
}

impl Request {
    fn via_api(&self) -> bool {
        !self.route_key.is_empty()
    }
}

/// The operations of the table, in its order.
const OPERATIONS: [&str; 12] = [
    "add",
    "get",
    "list page (25)",
    "browse page (25)",
    "a person's data",
    "portal sign-in",
    "plain update",
    "email change",
    "delete",
    "invite",
    "notify, per 100 recipients",
    "import, per 1,000 rows",
];

/// What the operations act on, made once.
struct Fixtures {
    /// 30 contacts: the list's page and the client most operations act on.
    client: String,
    /// `recipients` contacts receiving invoices.
    recipients_client: String,
}

fn admin() -> testkit::Caller {
    TestApi::admin(TENANT)
}

async fn new_client(api: &TestApi, name: &str) -> String {
    let res = api.post(&admin(), "/clients", json!({ "name": name })).await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.json()["id"].as_str().expect("client id").to_owned()
}

async fn new_contact(api: &TestApi, client: &str, i: usize, tag: &str) -> String {
    let res = api.post(&admin(), &format!("/clients/{client}/contacts"), contact_body(i, tag)).await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.json()["id"].as_str().expect("contact id").to_owned()
}

async fn fixtures(api: &TestApi, recipients: usize) -> Fixtures {
    let client = new_client(api, "Cost").await;
    for i in 0..30 {
        new_contact(api, &client, i, "cost").await;
    }
    let recipients_client = new_client(api, "Cost notifications").await;
    for i in 0..recipients {
        new_contact(api, &recipients_client, i, "recipient").await;
    }
    Fixtures { client, recipients_client }
}

/// The request of `operation`'s run `run`, and what it needs made first (in-process, uncounted).
async fn prepare(api: &TestApi, f: &Fixtures, operation: &str, run: usize, args: &Args) -> Request {
    let contact_path = |id: &str| format!("/clients/{}/contacts/{id}", f.client);
    let request = |function: &'static str,
                   route: &str,
                   method: &str,
                   path: String,
                   body: Option<Value>,
                   expect: u16| {
        let mut event = api.json_event(&admin(), method, &path, body);
        if method == "PATCH" {
            event["headers"]["content-type"] = json!("application/merge-patch+json");
        }
        Request { function, route_key: format!("{method} {route}"), event, expect }
    };
    let contact_route = "/clients/{clientId}/contacts/{contactId}";
    match operation {
        "add" => {
            let path = format!("/clients/{}/contacts", f.client);
            request(
                "add-contact",
                "/clients/{clientId}/contacts",
                "POST",
                path,
                Some(contact_body(run, "add")),
                201,
            )
        }
        "get" => {
            let id = new_contact(api, &f.client, run, "get").await;
            request("get-contact", contact_route, "GET", contact_path(&id), None, 200)
        }
        "list page (25)" => {
            let path = format!("/clients/{}/contacts?limit=25", f.client);
            request("list-contacts", "/clients/{clientId}/contacts", "GET", path, None, 200)
        }
        "browse page (25)" => {
            request("find-contacts", "/contacts", "GET", "/contacts?limit=25".to_owned(), None, 200)
        }
        "a person's data" => {
            // Without an address (a mobile only), so without a portal user to look up: Cognito's
            // admin reads carry no per-call charge, and the bench runs no user pool.
            let body = json!({ "last_name": format!("Export {run}"), "mobile": "+14155550100" });
            let res = api.post(&admin(), &format!("/clients/{}/contacts", f.client), body).await;
            assert_eq!(res.status, 201, "{}", res.body);
            let path = format!("{}/export", contact_path(res.json()["id"].as_str().expect("contact id")));
            request("export-contact", &format!("{contact_route}/export"), "GET", path, None, 200)
        }
        "portal sign-in" => sign_in_request(api, &f.client, run).await,
        "plain update" => {
            let id = new_contact(api, &f.client, run, "update").await;
            let body = json!({ "job_title": format!("Role {run}") });
            request("update-contact", contact_route, "PATCH", contact_path(&id), Some(body), 200)
        }
        "email change" => {
            let id = new_contact(api, &f.client, run, "email").await;
            let body = json!({ "email": format!("moved.{run}.{}@bench.example", ulid::Ulid::new()) });
            request("update-contact", contact_route, "PATCH", contact_path(&id), Some(body), 200)
        }
        "delete" => {
            let id = new_contact(api, &f.client, run, "delete").await;
            request("delete-contact", contact_route, "DELETE", contact_path(&id), None, 204)
        }
        "invite" => {
            let id = new_contact(api, &f.client, run, "invite").await;
            let path = format!("{}/invite", contact_path(&id));
            request("invite-contact", &format!("{contact_route}/invite"), "POST", path, Some(json!({})), 202)
        }
        "notify, per 100 recipients" => {
            let path = format!("/clients/{}/notifications", f.recipients_client);
            let body = json!({ "topic": "invoice", "subject": format!("Invoice INV-{run}"), "text": "Your invoice is ready." });
            request("notify-contacts", "/clients/{clientId}/notifications", "POST", path, Some(body), 202)
        }
        "import, per 1,000 rows" => {
            let client = new_client(api, &format!("Import {run}")).await;
            let path = format!("/clients/{client}/contacts/import");
            let rows = if run == 0 { 10 } else { args.rows };
            let mut r =
                request("import-contacts", "/clients/{clientId}/contacts/import", "POST", path, None, 200);
            r.event["headers"]["content-type"] = json!("text/csv");
            r.event["body"] = json!(contacts_csv(rows, &format!(".{run}")));
            r
        }
        other => panic!("unknown operation {other}"),
    }
}

/// A portal user's sign-in as Cognito hands it to the pre token generation trigger: the user of
/// a contact made active past the service (the invitation's own cost is the invite row's).
async fn sign_in_request(api: &TestApi, client: &str, run: usize) -> Request {
    let body = contact_body(run, "sign-in");
    let res = api.post(&admin(), &format!("/clients/{client}/contacts"), body).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let contact = res.json();
    let id = contact["id"].as_str().expect("contact id");
    let tenant = TenantId::parse(TENANT).expect("the bench tenant");
    let (client_id, contact_id) =
        (ClientId::parse(client).expect("a client id"), ContactId::parse(id).expect("a contact id"));
    api.db
        .update_item()
        .table_name(&api.table)
        .key("PK", AttributeValue::S(keys::contacts_pk(&tenant, client_id)))
        .key("SK", AttributeValue::S(keys::contact_sk(contact_id)))
        .update_expression("SET portal_status = :active")
        .expression_attribute_values(":active", AttributeValue::S("active".into()))
        .send()
        .await
        .expect("the contact made active");
    let path = testkit::table::repo_root().join("events/portal-sign-in.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut event: Value = serde_json::from_str(&text).expect("a JSON event");
    let attributes = &mut event["request"]["userAttributes"];
    attributes["custom:tenant_id"] = json!(TENANT);
    attributes["custom:client_id"] = json!(client);
    attributes["custom:contact_id"] = json!(id);
    attributes["email"] = contact["email"].clone();
    Request { function: "portal-sign-in", route_key: String::new(), event, expect: 200 }
}

/// Cold starts of the portal's sign-in trigger, which sits on every portal sign-in and token
/// refresh (Cognito gives it 5 s), next to add-contact's, each a new process at its template
/// memory (and, as root, that size's CPU share) answering one event: its init and its first
/// answer, median (p10-p90) of `n` alternating starts.
async fn cold_starts(stack: &Stack, args: &Args, client: &str, n: usize) {
    let mut seen: BTreeMap<&str, (Vec<Duration>, Vec<Duration>)> = BTreeMap::new();
    for run in 0..n {
        for name in ["add-contact", "portal-sign-in"] {
            let event = match name {
                "add-contact" => {
                    let path = format!("/clients/{client}/contacts");
                    stack.api.json_event(&admin(), "POST", &path, Some(contact_body(run, "cold")))
                }
                _ => sign_in_request(&stack.api, client, 1000 + run).await.event,
            };
            let mut function = Function::start(&launch(name, &stack.env, &stack.deployment, args)).await;
            let reply = function.invoke(&event).await;
            let answered = reply.body["statusCode"] == 201
                || reply.body["response"]["claimsOverrideDetails"].is_object();
            assert!(answered, "{name} cold: {}", reply.body);
            let (init, first) = seen.entry(name).or_default();
            init.push(function.init_time());
            first.push(reply.at - function.spawned);
        }
    }
    println!(
        "Cold starts at the template's memory{} ({n} each, alternating):",
        if args.cgroups.is_some() { " and its CPU share" } else { "" }
    );
    println!();
    println!("| function | memory | init | first answer |");
    println!("|---|---:|---:|---:|");
    for (name, (init, first)) in seen {
        println!(
            "| {name} | {} MB | {} | {} |",
            stack.deployment.memory_mb(name),
            Spread::of(init).show(ms),
            Spread::of(first).show(ms)
        );
    }
}

/// How many measured runs `operation` gets.
fn runs_of(operation: &str, args: &Args) -> usize {
    match operation {
        "notify, per 100 recipients" => (args.runs / 5).max(1),
        "import, per 1,000 rows" => (args.runs / 10).max(1),
        _ => args.runs,
    }
}

fn money(dollars: f64) -> String {
    match dollars {
        d if d >= 100.0 => format!("${d:.0}"),
        d if d >= 1.0 => format!("${d:.2}"),
        d => format!("${d:.3}"),
    }
}

fn print_usage(results: &[(&str, Usage)], args: &Args) {
    println!("Measured per operation (mean of its runs; units and bytes include what the request set off):");
    println!();
    println!("| operation | runs | Lambda invocations | billed GB-s | RRU | WRU | of which after (stream, SES events) | of which indexes | log bytes (functions + access line) | custom events | emails |");
    println!("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
    for (op, u) in results {
        let p = |v: f64| u.per_run(v);
        println!(
            "| {op} | {} | {:.2} | {:.6} | {:.1} | {:.1} | {:.1} RRU, {:.1} WRU | {:.1} | {:.0} + {:.0} | {:.1} | {:.1} |",
            u.runs,
            p(u.invocations),
            p(u.gb_seconds),
            p(u.read_units),
            p(u.write_units),
            p(u.read_units_after),
            p(u.write_units_after),
            p(u.index_units),
            p(u.function_log_bytes),
            p(u.access_log_bytes),
            p(u.events),
            p(u.emails)
        );
    }
    println!();
    println!(
        "(notify sent to {} recipients, import of {} rows; the table's labels assume the defaults, 100 and 1,000)",
        args.recipients, args.rows
    );
}

fn print_costs(results: &[(&str, Usage)]) {
    println!(
        "Cost per million operations, us-east-1 list prices of {} (below), no free tier:",
        prices::LOOKED_UP
    );
    println!();
    let parts: Vec<&str> = results[0].1.costs(1.0).iter().map(|(part, _)| *part).collect();
    println!("| operation | {} | total | dominant | total, busy |", parts.join(" | "));
    println!("|---|{}---:|---|---:|", "---:|".repeat(parts.len()));
    for (op, u) in results {
        let costs = u.costs(1.0);
        let total: f64 = costs.iter().map(|(_, c)| c).sum();
        let (part, most) =
            costs.iter().fold(("", 0.0), |best, (p, c)| if *c > best.1 { (*p, *c) } else { best });
        let cells: Vec<String> = costs.iter().map(|(_, c)| money(*c)).collect();
        let busy: f64 = u.costs(BUSY_TRACED).iter().map(|(_, c)| c).sum();
        println!(
            "| {op} | {} | **{}** | {part} ({:.0}%) | {} |",
            cells.join(" | "),
            money(total),
            100.0 * most / total,
            money(busy)
        );
    }
    println!();
    println!(
        "X-Ray: every invocation traced, as the default sampling rule (the first request each second, then 5%) does \
         at a million requests a month; \"total, busy\" traces {:.0}% of them, as it does far above one request a second.",
        100.0 * BUSY_TRACED
    );
}

fn print_prices(deployment: &Deployment) {
    println!(
        "Prices (us-east-1, looked up {}; Lambda at {} as the template builds it; tracing {}):",
        prices::LOOKED_UP,
        deployment.architecture,
        deployment.tracing
    );
    println!();
    println!("| what | price | source |");
    println!("|---|---|---|");
    for p in prices::ALL {
        println!("| {} | {} | {} |", p.what, p.stated, p.source);
    }
}

#[tokio::main]
async fn main() {
    let args = args();
    let mut stack = Stack::start(&args).await;
    let fixtures = fixtures(&stack.api, args.recipients).await;
    let mut results = Vec::new();
    for operation in OPERATIONS {
        let mut usage = Usage::default();
        // Run 0 warms the functions up (a cold start is not what a million requests cost).
        for run in 0..=runs_of(operation, &args) {
            let request = prepare(&stack.api, &fixtures, operation, run, &args).await;
            stack.settle().await;
            let used = stack.measure(&request).await;
            if run > 0 {
                usage.add(&used);
            }
        }
        results.push((operation, usage));
    }
    let memory: Vec<String> = API_FUNCTIONS
        .iter()
        .chain(["change-events", "record-email-event"].iter())
        .map(|f| format!("{f} {} MB", stack.deployment.memory_mb(f)))
        .collect();
    println!("Functions at their template memory: {}", memory.join(", "));
    println!();
    print_usage(&results, &args);
    println!();
    print_costs(&results);
    println!();
    print_prices(&stack.deployment);
    println!();
    cold_starts(&stack, &args, &fixtures.client, args.cold_starts).await;
    bench::drop_table(&stack.api.db, &stack.api.table).await;
}
