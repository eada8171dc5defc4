//! Lambda function `merge-contacts`: wiring only; the behaviour lives in `shared::handlers::merge_contacts`.
//! Generated from shared/src/handlers/mod.rs by scripts/generate: edit the declaration, not this.

use lambda_http::{run, service_fn, Error};
use shared::handlers::merge_contacts;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    // Built once per cold start and reused by every invocation of this instance.
    let app = shared::App::from_env().await?;
    let app = &app;
    run(service_fn(move |req| merge_contacts::handle(app, req))).await
}
