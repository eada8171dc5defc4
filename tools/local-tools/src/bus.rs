//! The EventBridge side of the local stack (moto's server, started by scripts/stack): the bus
//! the template creates, and a tap on it: a rule sending the events it matches to an SQS queue,
//! where a test or a person reads exactly what a subscriber's rule would deliver.

use std::time::Duration;

use aws_sdk_eventbridge::Client as EventBridge;
use aws_sdk_sqs::Client as Sqs;
use serde_json::Value;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Clients for the EventBridge and SQS the environment points at (`AWS_ENDPOINT_URL_EVENTBRIDGE`,
/// `AWS_ENDPOINT_URL_SQS`).
pub async fn clients() -> (EventBridge, Sqs) {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    (EventBridge::new(&config), Sqs::new(&config))
}

/// Creates the bus unless it exists.
pub async fn create_bus(events: &EventBridge, name: &str) -> Result<(), BoxError> {
    if events.describe_event_bus().name(name).send().await.is_ok() {
        return Ok(());
    }
    events.create_event_bus().name(name).send().await?;
    Ok(())
}

/// A queue receiving what one rule on a bus matches.
pub struct Tap {
    sqs: Sqs,
    queue_url: String,
}

impl Tap {
    /// Creates (or reuses) rule `name` on `bus` with `pattern`, targeting queue `name`.
    pub async fn create(
        events: &EventBridge,
        sqs: &Sqs,
        bus: &str,
        name: &str,
        pattern: &Value,
    ) -> Result<Self, BoxError> {
        let queue_url =
            sqs.create_queue().queue_name(name).send().await?.queue_url.ok_or("CreateQueue without a URL")?;
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await?
            .attributes
            .and_then(|mut a| a.remove(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
            .ok_or("no queue ARN")?;
        events.put_rule().name(name).event_bus_name(bus).event_pattern(pattern.to_string()).send().await?;
        let target = aws_sdk_eventbridge::types::Target::builder().id("tap").arn(arn).build()?;
        events.put_targets().rule(name).event_bus_name(bus).targets(target).send().await?;
        Ok(Self { sqs: sqs.clone(), queue_url })
    }

    /// The events (EventBridge envelopes) that arrived, taken off the queue; waits up to
    /// `wait` for the first.
    pub async fn take(&self, wait: Duration) -> Result<Vec<Value>, BoxError> {
        let mut events = Vec::new();
        let mut wait_secs = wait.as_secs().min(20) as i32;
        loop {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(wait_secs)
                .send()
                .await?;
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                return Ok(events);
            }
            for message in messages {
                events.push(serde_json::from_str(message.body().unwrap_or("null"))?);
                if let Some(handle) = message.receipt_handle() {
                    self.sqs
                        .delete_message()
                        .queue_url(&self.queue_url)
                        .receipt_handle(handle)
                        .send()
                        .await?;
                }
            }
            wait_secs = 0;
        }
    }
}

/// The rule (and queue) of the local stack's event log.
pub const LOG_TAP: &str = "local-event-log";

/// A pattern matching every event the service publishes.
pub fn all_events() -> Value {
    serde_json::json!({"source": ["client-contacts"]})
}
