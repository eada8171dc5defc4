//! Export jobs run as deployed: the test's table's stream, read as `run-export`'s event source
//! mapping reads it, into the real `shared::exports::stream` code in-process, writing to a
//! bucket of the test's own on moto's S3; and the files read back through the links the API
//! hands out.

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use local_tools::streams::{Invoke, StreamPoller};
use serde_json::Value;
use shared::exports::{stream, ExportBucket, Exporter};
use shared::store::Store;

use crate::TestApi;

/// The export side of a test's stack: its bucket, and its table's stream into `run-export`.
pub struct ExportRun {
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
    store: Store,
    handle: ExportBucket,
    poller: StreamPoller,
    /// How long each invocation has before its deadline (Lambda's timeout).
    pub timeout: Duration,
}

struct InProcess<'a>(Exporter<'a>, Duration);

impl Invoke for InProcess<'_> {
    async fn invoke(&self, event: Value) -> Result<Value, String> {
        Ok(stream::run_records(&self.0, &event, Instant::now() + self.1).await)
    }
}

impl ExportRun {
    /// A bucket named after `api`'s table, given to its app as the export bucket, and the
    /// table's stream from its start.
    pub async fn of(api: &mut TestApi) -> Self {
        let s3 = local_tools::bucket::client().await;
        let bucket = api.table.to_lowercase();
        let handle = local_tools::bucket::create(&s3, &bucket)
            .await
            .expect("create the test's bucket (is moto's server up? scripts/stack up)");
        api.app.exports = Some(handle.clone());
        local_tools::table::enable_stream(&api.db, &api.table)
            .await
            .expect("turn on the test table's stream");
        let poller = StreamPoller::of_table(&api.db, local_tools::streams::client().await, &api.table)
            .await
            .expect("the test table's stream");
        let store = Store::new(api.db.clone(), &api.table);
        Self { s3, bucket, store, handle, poller, timeout: Duration::from_secs(900) }
    }

    /// Delivers everything the stream holds, as the mapping would, until a poll finds nothing new.
    pub async fn drain(&mut self) {
        let function = InProcess(Exporter { store: &self.store, bucket: &self.handle }, self.timeout);
        let mut idle = 0;
        while idle < 2 {
            let polled = self.poller.poll(&function).await.expect("poll the stream");
            assert!(polled.discarded.is_empty(), "records given up on: {:?}", polled.discarded);
            idle = if polled.delivered == 0 && polled.failed_batches == 0 { idle + 1 } else { 0 };
        }
    }

    /// The keys of the bucket's files.
    pub async fn files(&self) -> Vec<String> {
        local_tools::bucket::keys(&self.s3, &self.bucket).await.expect("list the bucket")
    }

    /// The keys of uploads neither completed nor aborted.
    pub async fn unfinished_uploads(&self) -> Vec<String> {
        local_tools::bucket::unfinished_uploads(&self.s3, &self.bucket).await.expect("list the uploads")
    }
}

/// What a download link answers: its status, `Content-Disposition` and body.
pub async fn download(url: &str) -> (u16, String, Vec<u8>) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let response = client.get(url.parse().expect("a URL")).await.expect("download");
    let status = response.status().as_u16();
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.into_body().collect().await.expect("the body").to_bytes().to_vec();
    (status, disposition, body)
}
