//! Lambda function `portal-sign-in`, the portal user pool's pre token generation trigger:
//! wiring only; the behaviour lives in `shared::portal::gate`. An error answer is a refused
//! sign-in (or refresh).

use lambda_runtime::{run, service_fn, Diagnostic, Error, LambdaEvent};
use serde_json::Value;
use shared::portal::gate::Gate;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let app = shared::App::from_env().await?;
    // Set only where one trigger serves several pools (the local emulator); see `Gate`.
    let pool = std::env::var("PORTAL_USER_POOL_ID").ok().filter(|id| !id.is_empty());
    let gate = Gate { store: &app.store, clock: app.clock.as_ref(), portal_pool_id: pool.as_deref() };
    let gate = &gate;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        gate.answer(event.payload)
            .await
            .map_err(|e| Diagnostic { error_type: e.kind().to_owned(), error_message: e.to_string() })
    }))
    .await
}
