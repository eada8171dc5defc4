//! Real Cognito sign-ins in the tests: both pools of template.yaml on the Cognito emulator, and
//! the portal pool's sign-in gate where the emulator calls it.
//!
//! The emulator calls its pre token generation trigger (`portal-sign-in`) through the Lambda
//! invoke API at `127.0.0.1:$LAMBDA_PORT`, fixed in its configuration when `scripts/stack up`
//! started it; under `scripts/run-local` `cargo lambda watch` answers there. The tests have no
//! `cargo lambda watch`, so the first use in a test binary starts a stand-in on that port, on a
//! thread and runtime of its own (each `#[tokio::test]` has its own runtime, which ends with
//! its test), for the rest of the run. It runs the real gate (`shared::portal::gate`) for
//! every invocation, staff sign-ins included (they pass through, as with the function), reading
//! the contact from the table a test registered for the user's tenant: tests run in parallel,
//! each with its own table, so each portal spec uses a tenant of its own.
//!
//! `LAMBDA_PORT` must be the port the stack was started with (`scripts/env.sh` defaults both to
//! 9000), and nothing else may listen there during the run (not `scripts/run-local`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use local_api::proxy::{bind_loopback, serve};
use local_api::LocalPools;
use serde_json::{json, Value};
use shared::domain::dates::Clock;
use shared::portal::gate::{portal_user, Gate, Pools};
use shared::store::Store;
use tokio::sync::OnceCell;

/// Where a tenant's contacts are: its test's table and clock.
#[derive(Clone)]
struct Registered {
    table: String,
    clock: Arc<dyn Clock>,
}

type Registry = Arc<Mutex<HashMap<String, Registered>>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

/// Every test app's table and clock in this binary, newest last: where the gate looks for a
/// contact whose tenant no test registered (tenants such as "t1" are shared by many tests,
/// each with its own table; contact ids are unique across them).
fn tables() -> &'static Mutex<Vec<Registered>> {
    static TABLES: OnceLock<Mutex<Vec<Registered>>> = OnceLock::new();
    TABLES.get_or_init(Mutex::default)
}

/// Makes a test app's table one the gate searches (`TestApi::new` calls it).
pub fn register_table(table: &str, clock: Arc<dyn Clock>) {
    tables().lock().expect("tables").push(Registered { table: table.to_owned(), clock });
}

/// The table and clock of the test that holds `user`'s contact, if any.
async fn table_holding(
    db: &aws_sdk_dynamodb::Client,
    user: &shared::portal::gate::PortalUser,
) -> Option<Registered> {
    let candidates: Vec<Registered> = tables().lock().expect("tables").iter().rev().cloned().collect();
    for candidate in candidates {
        let store = Store::new(db.clone(), &candidate.table);
        if store.get_contact(&user.tenant, user.client, user.contact).await.is_ok() {
            return Some(candidate);
        }
    }
    None
}

/// Both pools (`cognito::pools`), with the sign-in gate listening where the emulator calls it:
/// started by the first caller in this test binary, for every sign-in after.
pub async fn pools() -> &'static LocalPools {
    static GATE: OnceCell<()> = OnceCell::const_new();
    let pools = crate::cognito::pools().await;
    GATE.get_or_init(|| async { start_gate(&pools.portal.pool_id, &pools.staff.pool_id) }).await;
    pools
}

/// From now on, sign-ins of `tenant`'s portal users are checked against `table` at `clock`'s time.
pub fn register(tenant: &str, table: &str, clock: Arc<dyn Clock>) {
    let entry = Registered { table: table.to_owned(), clock };
    registry().lock().expect("registry").insert(tenant.to_owned(), entry);
}

/// The stand-in gates the portal pool's events and passes the staff pool's through, as the
/// trigger's `local-emulator` build does under `scripts/run-local`.
fn start_gate(portal_pool_id: &str, staff_pool_id: &str) {
    let port: u16 = std::env::var("LAMBDA_PORT")
        .expect("LAMBDA_PORT (source scripts/env.sh)")
        .parse()
        .expect("LAMBDA_PORT is a port number");
    let pools: Arc<(String, String)> = Arc::new((portal_pool_id.to_owned(), staff_pool_id.to_owned()));
    let (bound, listening) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build();
        let runtime = runtime.expect("the gate's runtime");
        runtime.block_on(async move {
            let listener = match bind_loopback(port).await {
                Ok(listener) => listener,
                Err(e) => return bound.send(Err(e.to_string())).expect("waiting"),
            };
            let db = crate::table::dynamo_client().await;
            bound.send(Ok(())).expect("waiting");
            let _ = serve(listener, move |req| invoke(req, db.clone(), pools.clone())).await;
        })
    });
    let started = listening.recv().expect("the gate's thread");
    started.unwrap_or_else(|e| {
        panic!("the sign-in gate cannot listen on 127.0.0.1:{port} (LAMBDA_PORT): {e}; is scripts/run-local running?")
    });
}

/// One invocation of the Lambda invoke API: the gate's answer, or its error as Lambda reports
/// an unhandled one (200 with `X-Amz-Function-Error: Unhandled` and `errorType`/`errorMessage`),
/// which Cognito turns into a refused sign-in whose message carries the gate's words.
/// (`cargo lambda watch` answers a function error with a 500 instead; the emulator's start
/// script, `tools/local-cognito/start.js`, turns that into Lambda's answer.)
async fn invoke(
    req: Request<Incoming>,
    db: aws_sdk_dynamodb::Client,
    pools: Arc<(String, String)>,
) -> Response<Full<Bytes>> {
    let pools = Pools { portal: Some(&pools.0), pass_through: Some(&pools.1) };
    let function_error = |kind: &str, message: String| {
        let body = json!({ "errorType": kind, "errorMessage": message }).to_string();
        let mut res = Response::new(Full::new(Bytes::from(body)));
        res.headers_mut()
            .insert("x-amz-function-error", hyper::header::HeaderValue::from_static("Unhandled"));
        res
    };
    if req.uri().path() != "/2015-03-31/functions/portal-sign-in/invocations" {
        return function_error("ResourceNotFound", format!("no function at {}", req.uri().path()));
    }
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return function_error("InvalidRequestContent", "the event is not JSON".into());
    };
    let user = portal_user(&event, pools).ok().flatten();
    // The staff pool's event passes through; any other is the gate's to refuse.
    let tenant = user.as_ref().map(|u| u.tenant.as_str().to_owned()).unwrap_or_default();
    let mut registered = registry().lock().expect("registry").get(&tenant).cloned();
    if let (None, Some(user)) = (&registered, &user) {
        registered = table_holding(&db, user).await;
    }
    let (table, clock) = match registered {
        Some(r) => (r.table, r.clock),
        None => (String::from("no-table-registered"), Arc::new(shared::domain::dates::SystemClock) as _),
    };
    let store = Store::new(db, &table);
    let gate = Gate { store: &store, clock: clock.as_ref(), pools };
    match gate.answer(event).await {
        Ok(answer) => Response::new(Full::new(Bytes::from(answer.to_string()))),
        Err(refused) => function_error(refused.kind(), refused.to_string()),
    }
}
