//! Lambda function `run-export`, fed by the table's stream (export jobs' inserts only): wiring
//! only; the behaviour lives in `shared::exports`.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use shared::exports::{stream, Exporter};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let app = shared::App::from_env().await?;
    let bucket = app.exports.clone().ok_or("EXPORT_BUCKET is not set")?;
    let exporter = Exporter { store: &app.store, bucket: &bucket };
    let exporter = &exporter;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = shared::deadline::instant_of(event.context.deadline);
        Ok::<_, Error>(stream::run_records(exporter, &event.payload, deadline).await)
    }))
    .await
}
