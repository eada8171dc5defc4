//! Lambda function `support-expiry-sweep`, run hourly by an EventBridge schedule: wiring only;
//! the behaviour lives in `shared::sweep`.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let app = shared::App::from_env().await?;
    let app = &app;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        let context = &event.context;
        let trace = context.xray_trace_id.as_deref();
        let report = shared::sweep::run_scheduled(app, &context.request_id, trace, context.deadline).await?;
        Ok::<_, Error>(serde_json::to_value(report)?)
    }))
    .await
}
