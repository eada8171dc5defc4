//! Reads the table's stream as Lambda's event source mappings do and invokes the function
//! `change-events` with each batch, and `run-export` with each export job's insert (the
//! template's filter, `shared::exports::stream`), through `cargo lambda watch`'s Lambda invoke
//! API (`http://127.0.0.1:$LAMBDA_PORT`); each mapping reads the stream on its own, so a long
//! export holds up no event. Creates the event bus (`EVENT_BUS_NAME`), the local event log's
//! rule and the export bucket (`EXPORT_BUCKET`) first. A record given up on after its retries is printed and appended to
//! `.local/stream-failures-$DYNAMODB_PORT.jsonl` (the on-failure destination's stand-in).
//! Used by scripts/run-local; runs until stopped.

use std::io::Write;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use local_tools::streams::{Invoke, StreamPoller};
use serde_json::Value;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct HttpInvoke {
    client: Client<HttpConnector, Full<Bytes>>,
    url: String,
    /// Only export jobs' inserts reach the function (its mapping's filter).
    export_jobs_only: bool,
}

impl Invoke for HttpInvoke {
    async fn invoke(&self, mut event: Value) -> Result<Value, String> {
        if self.export_jobs_only {
            if let Some(records) = event["Records"].as_array_mut() {
                records.retain(|record| shared::exports::stream::inserted_job(record).is_some());
                if records.is_empty() {
                    return Ok(serde_json::json!({ "batchItemFailures": [] }));
                }
            }
        }
        let request = hyper::Request::post(&self.url)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(event.to_string())))
            .map_err(|e| e.to_string())?;
        let response = self.client.request(request).await.map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        if !status.is_success() {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
        }
        serde_json::from_slice(&body).map_err(|e| format!("an answer that is not JSON ({e})"))
    }
}

fn env(name: &str) -> Result<String, BoxError> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    local_api::loopback::exit_unless_local(
        "stream-poller",
        &["DYNAMODB", "DYNAMODB_STREAMS", "EVENTBRIDGE", "SQS", "S3"],
    );
    let (table, bus) = (env("TABLE_NAME")?, env("EVENT_BUS_NAME")?);
    let (lambda_port, dynamodb_port) = (env("LAMBDA_PORT")?, env("DYNAMODB_PORT")?);
    let (events, sqs) = local_tools::bus::clients().await;
    local_tools::bus::create_bus(&events, &bus).await?;
    let pattern = local_tools::bus::all_events();
    local_tools::bus::Tap::create(&events, &sqs, &bus, local_tools::bus::LOG_TAP, &pattern).await?;
    let s3 = local_tools::bucket::client().await;
    local_tools::bucket::create(&s3, &env("EXPORT_BUCKET")?).await?;
    let db = local_tools::table::dynamo_client().await;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let failures = format!(".local/stream-failures-{dynamodb_port}.jsonl");
    println!("stream poller: {table}'s stream -> change-events -> bus {bus}; export jobs -> run-export");
    let mapping = |function: &str, export_jobs_only| {
        let streams = aws_sdk_dynamodbstreams::Client::new(&config);
        let invoke = HttpInvoke {
            client: Client::builder(TokioExecutor::new()).build_http(),
            url: format!("http://127.0.0.1:{lambda_port}/2015-03-31/functions/{function}/invocations"),
            export_jobs_only,
        };
        let (db, table, failures) = (db.clone(), table.clone(), failures.clone());
        async move {
            let poller = StreamPoller::of_table(&db, streams, &table).await?;
            consume(poller, invoke, &failures).await
        }
    };
    tokio::try_join!(mapping("change-events", false), mapping("run-export", true))?;
    Ok(())
}

/// Delivers the stream to `function` until stopped.
async fn consume(mut poller: StreamPoller, function: HttpInvoke, failures: &str) -> Result<(), BoxError> {
    loop {
        let polled = match poller.poll(&function).await {
            Ok(polled) => polled,
            Err(e) => {
                eprintln!("stream poller: reading the stream failed: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for record in &polled.discarded {
            eprintln!("stream poller: gave up on a record after its retries (see {failures}): {record}");
            let mut file = std::fs::OpenOptions::new().create(true).append(true).open(failures)?;
            writeln!(file, "{record}")?;
        }
        if polled.delivered == 0 && polled.failed_batches == 0 {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}
