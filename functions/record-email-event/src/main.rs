//! Lambda function `record-email-event`, invoked by an EventBridge rule with SES's delivery
//! events (bounces, complaints, deliveries, rejects): wiring only; the behaviour lives in
//! `shared::feedback`. An error fails the invocation, and EventBridge's asynchronous invoke
//! retries it; recording twice changes nothing.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let app = shared::App::from_env().await?;
    let app = &app;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        let recorded = shared::feedback::record(&app.feedback(), event.payload).await?;
        Ok::<_, Error>(serde_json::to_value(recorded)?)
    }))
    .await
}
