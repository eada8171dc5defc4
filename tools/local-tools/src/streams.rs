//! The table's stream read as Lambda's DynamoDB event source mapping reads it: each shard in
//! order (a child after its parent), batches of up to `batch_size` records in Lambda's event
//! format, the function's partial batch response honoured (the records before the first
//! reported one are done; the batch starts again at it), a record that keeps failing retried
//! `max_retries` times and then handed to the on-failure destination (here `on_failure`), so
//! it never holds up the records after it (what bisecting on error ends in).

use std::collections::HashMap;

use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use aws_sdk_dynamodbstreams::Client;
use serde_json::{json, Map, Value};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Whatever runs the function: `cargo lambda watch`'s invoke API, or the handler in-process.
pub trait Invoke {
    /// The function's answer to one event, or why there was none (a function error).
    fn invoke(&self, event: Value) -> impl std::future::Future<Output = Result<Value, String>>;
}

#[derive(Default)]
struct Shard {
    /// None once the shard is closed and read to its end.
    iterator: Option<String>,
    started: bool,
    parent: Option<String>,
    /// Records read and not yet done, oldest first.
    pending: Vec<Record>,
    /// Failed deliveries of the oldest pending record.
    attempts: u32,
}

/// What one poll did.
#[derive(Debug, Default, PartialEq)]
pub struct Polled {
    pub delivered: usize,
    pub failed_batches: usize,
    /// Records given up on after their retries, in Lambda's event format.
    pub discarded: Vec<Value>,
}

pub struct StreamPoller {
    client: Client,
    stream_arn: String,
    shards: Vec<(String, Shard)>,
    pub batch_size: usize,
    /// Deliveries of a failing record after its first (the mapping's `MaximumRetryAttempts`).
    pub max_retries: u32,
}

impl StreamPoller {
    pub fn new(client: Client, stream_arn: impl Into<String>) -> Self {
        Self { client, stream_arn: stream_arn.into(), shards: Vec::new(), batch_size: 100, max_retries: 2 }
    }

    /// The stream of `table`, read from its start.
    pub async fn of_table(
        db: &aws_sdk_dynamodb::Client,
        streams: Client,
        table: &str,
    ) -> Result<Self, BoxError> {
        let described = db.describe_table().table_name(table).send().await?;
        let arn = described
            .table()
            .and_then(|t| t.latest_stream_arn())
            .ok_or_else(|| format!("table {table} has no stream (StreamSpecification in template.yaml)"))?;
        Ok(Self::new(streams, arn))
    }

    async fn discover(&mut self) -> Result<(), BoxError> {
        let mut start = None;
        loop {
            let out = self
                .client
                .describe_stream()
                .stream_arn(&self.stream_arn)
                .set_exclusive_start_shard_id(start)
                .send()
                .await?;
            let description = out.stream_description().ok_or("DescribeStream without a description")?;
            for shard in description.shards() {
                let id = shard.shard_id().unwrap_or_default().to_owned();
                if !self.shards.iter().any(|(known, _)| *known == id) {
                    let parent = shard.parent_shard_id().map(str::to_owned);
                    self.shards.push((id, Shard { parent, ..Shard::default() }));
                }
            }
            start = description.last_evaluated_shard_id().map(str::to_owned);
            if start.is_none() {
                return Ok(());
            }
        }
    }

    fn parent_done(&self, parent: &Option<String>) -> bool {
        parent.as_ref().is_none_or(|p| {
            self.shards
                .iter()
                .find(|(id, _)| id == p)
                .is_none_or(|(_, s)| s.started && s.iterator.is_none() && s.pending.is_empty())
        })
    }

    /// Reads every shard once and delivers what it read; repeat until nothing is left.
    pub async fn poll<I: Invoke>(&mut self, function: &I) -> Result<Polled, BoxError> {
        self.discover().await?;
        let mut polled = Polled::default();
        for at in 0..self.shards.len() {
            if !self.parent_done(&self.shards[at].1.parent) {
                continue;
            }
            self.read(at).await?;
            self.deliver(at, function, &mut polled).await;
        }
        Ok(polled)
    }

    /// Every record the stream holds now, in Lambda's event format, delivering none.
    pub async fn read_all(&mut self) -> Result<Vec<Value>, BoxError> {
        self.discover().await?;
        let mut records = Vec::new();
        for at in 0..self.shards.len() {
            self.read(at).await?;
            records.extend(self.shards[at].1.pending.iter().map(|r| lambda_record(r, &self.stream_arn)));
        }
        Ok(records)
    }

    async fn read(&mut self, at: usize) -> Result<(), BoxError> {
        let (id, shard) = &mut self.shards[at];
        if !shard.started {
            let out = self
                .client
                .get_shard_iterator()
                .stream_arn(&self.stream_arn)
                .shard_id(id.as_str())
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await?;
            shard.iterator = out.shard_iterator;
            shard.started = true;
        }
        while shard.pending.len() < self.batch_size {
            let Some(iterator) = shard.iterator.take() else { break };
            let out = self.client.get_records().shard_iterator(iterator).send().await?;
            let got = out.records().len();
            shard.pending.extend(out.records.unwrap_or_default());
            shard.iterator = out.next_shard_iterator;
            if got == 0 {
                break;
            }
        }
        Ok(())
    }

    async fn deliver<I: Invoke>(&mut self, at: usize, function: &I, polled: &mut Polled) {
        let (batch_size, max_retries, arn) = (self.batch_size, self.max_retries, self.stream_arn.clone());
        let shard = &mut self.shards[at].1;
        while !shard.pending.is_empty() {
            let batch: Vec<Value> =
                shard.pending.iter().take(batch_size).map(|r| lambda_record(r, &arn)).collect();
            let sent = batch.len();
            let done = match function.invoke(json!({"Records": batch})).await {
                Ok(answer) => first_failure(&answer, &shard.pending[..sent]),
                Err(error) => {
                    eprintln!("stream poller: the function failed: {error}");
                    0
                }
            };
            polled.delivered += done;
            shard.pending.drain(..done);
            if done == sent {
                shard.attempts = 0;
                continue;
            }
            polled.failed_batches += 1;
            shard.attempts = if done > 0 { 1 } else { shard.attempts + 1 };
            if shard.attempts > max_retries {
                let poison = shard.pending.remove(0);
                polled.discarded.push(lambda_record(&poison, &arn));
                shard.attempts = 0;
            } else {
                // The mapping retries at once, and so does this: the caller polls again.
                return;
            }
        }
    }
}

/// How many records at the start of the batch the answer says are done: all, up to the first
/// reported failure, or none when the answer names a record that was not sent (as Lambda
/// treats a malformed response: the whole batch failed).
fn first_failure(answer: &Value, sent: &[Record]) -> usize {
    let Some(failures) = answer.get("batchItemFailures").and_then(Value::as_array) else { return sent.len() };
    let sequences: Vec<&str> =
        sent.iter().map(|r| r.dynamodb().and_then(|d| d.sequence_number()).unwrap_or("")).collect();
    let mut first = sent.len();
    for failure in failures {
        let id = failure.get("itemIdentifier").and_then(Value::as_str).unwrap_or("");
        match sequences.iter().position(|s| *s == id) {
            Some(at) => first = first.min(at),
            None => return 0,
        }
    }
    first
}

/// One stream record as Lambda's DynamoDB event carries it.
pub fn lambda_record(record: &Record, stream_arn: &str) -> Value {
    let mut change = Map::new();
    if let Some(d) = record.dynamodb() {
        if let Some(at) = d.approximate_creation_date_time() {
            change.insert("ApproximateCreationDateTime".into(), json!(at.secs()));
        }
        for (name, image) in [("Keys", d.keys()), ("NewImage", d.new_image()), ("OldImage", d.old_image())] {
            if let Some(image) = image {
                change.insert(name.into(), item_json(image));
            }
        }
        change.insert("SequenceNumber".into(), json!(d.sequence_number()));
        change.insert("SizeBytes".into(), json!(d.size_bytes().unwrap_or(0)));
        change.insert("StreamViewType".into(), json!(d.stream_view_type().map(|v| v.as_str())));
    }
    json!({
        "eventID": record.event_id(),
        "eventName": record.event_name().map(|n| n.as_str()),
        "eventVersion": record.event_version(),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.aws_region(),
        "eventSourceARN": stream_arn,
        "dynamodb": change,
    })
}

fn item_json(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), value_json(v))).collect())
}

/// An attribute value in DynamoDB's JSON (`{"S": "..."}`), as Lambda's event has it.
fn value_json(v: &AttributeValue) -> Value {
    use base64::Engine as _;
    let b64 = |b: &aws_sdk_dynamodbstreams::primitives::Blob| {
        base64::engine::general_purpose::STANDARD.encode(b.as_ref())
    };
    match v {
        AttributeValue::S(s) => json!({"S": s}),
        AttributeValue::N(n) => json!({"N": n}),
        AttributeValue::B(b) => json!({"B": b64(b)}),
        AttributeValue::Ss(s) => json!({"SS": s}),
        AttributeValue::Ns(n) => json!({"NS": n}),
        AttributeValue::Bs(b) => json!({"BS": b.iter().map(b64).collect::<Vec<_>>()}),
        AttributeValue::M(m) => json!({"M": item_json(m)}),
        AttributeValue::L(l) => json!({"L": l.iter().map(value_json).collect::<Vec<_>>()}),
        AttributeValue::Null(n) => json!({"NULL": n}),
        AttributeValue::Bool(b) => json!({"BOOL": b}),
        _ => json!({"NULL": true}),
    }
}

/// A client for the streams API of the DynamoDB the environment points at
/// (`AWS_ENDPOINT_URL_DYNAMODB_STREAMS`).
pub async fn client() -> Client {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    Client::new(&config)
}
