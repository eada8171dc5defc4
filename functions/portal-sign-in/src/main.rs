//! Lambda function `portal-sign-in`, the portal user pool's pre token generation trigger:
//! wiring only; the behaviour lives in `shared::portal::gate`. An error answer is a refused
//! sign-in (or refresh).

use lambda_runtime::{run, service_fn, Diagnostic, Error, LambdaEvent};
use serde_json::Value;
use shared::config::SignInPools;
use shared::portal::gate::{Gate, Pools};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let app = shared::App::from_env().await?;
    // Only the local stack builds the trigger with `local-emulator` (see `SignInPools`).
    let pools = SignInPools::from_env(cfg!(feature = "local-emulator"));
    let pools = Pools { portal: pools.portal.as_deref(), pass_through: pools.pass_through.as_deref() };
    let gate = Gate { store: &app.store, clock: app.clock.as_ref(), pools };
    let gate = &gate;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        gate.answer(event.payload)
            .await
            .map_err(|e| Diagnostic { error_type: e.kind().to_owned(), error_message: e.to_string() })
    }))
    .await
}
