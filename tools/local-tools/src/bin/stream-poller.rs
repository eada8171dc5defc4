//! Reads the table's stream as Lambda's event source mapping does and invokes the function
//! `change-events` with each batch through `cargo lambda watch`'s Lambda invoke API
//! (`http://127.0.0.1:$LAMBDA_PORT`). Creates the event bus (`EVENT_BUS_NAME`) and the local
//! event log's rule first. A record given up on after its retries is printed and appended to
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
}

impl Invoke for HttpInvoke {
    async fn invoke(&self, event: Value) -> Result<Value, String> {
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
        &["DYNAMODB", "DYNAMODB_STREAMS", "EVENTBRIDGE", "SQS"],
    );
    let (table, bus) = (env("TABLE_NAME")?, env("EVENT_BUS_NAME")?);
    let (lambda_port, dynamodb_port) = (env("LAMBDA_PORT")?, env("DYNAMODB_PORT")?);
    let (events, sqs) = local_tools::bus::clients().await;
    local_tools::bus::create_bus(&events, &bus).await?;
    let pattern = local_tools::bus::all_events();
    local_tools::bus::Tap::create(&events, &sqs, &bus, local_tools::bus::LOG_TAP, &pattern).await?;
    let db = local_tools::table::dynamo_client().await;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let streams = aws_sdk_dynamodbstreams::Client::new(&config);
    let mut poller = StreamPoller::of_table(&db, streams, &table).await?;
    let function = HttpInvoke {
        client: Client::builder(TokioExecutor::new()).build_http(),
        url: format!("http://127.0.0.1:{lambda_port}/2015-03-31/functions/change-events/invocations"),
    };
    let failures = format!(".local/stream-failures-{dynamodb_port}.jsonl");
    println!("stream poller: {table}'s stream -> change-events -> bus {bus}");
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
            let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&failures)?;
            writeln!(file, "{record}")?;
        }
        if polled.delivered == 0 && polled.failed_batches == 0 {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}
