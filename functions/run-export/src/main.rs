//! Lambda function `run-export`, fed by the table's stream (export jobs' inserts only): wiring
//! only; the behaviour lives in `shared::exports`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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
        let deadline = instant_of(event.context.deadline);
        Ok::<_, Error>(stream::run_records(exporter, &event.payload, deadline).await)
    }))
    .await
}

/// The invocation's deadline (milliseconds since the epoch) as an instant of this process.
fn instant_of(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}
