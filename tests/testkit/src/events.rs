//! The table's stream driven as the event source mapping drives it (`local_tools::streams`),
//! into the real `change-events` code in-process, publishing to the real EventBridge emulator
//! (moto's server), on a bus of the test's own; a rule on it sends every event to a queue the
//! test reads: exactly what a subscriber's rule would deliver.

use std::time::Duration;

use change_events::Processor;
use local_tools::bus::{create_bus, Tap};
use local_tools::streams::{Invoke, Polled, StreamPoller};
use serde_json::Value;

use crate::TestApi;

/// Invokes the function's handler in-process with the event as JSON, as Lambda hands it over.
pub struct InProcess<'a>(pub &'a Processor);

impl Invoke for InProcess<'_> {
    async fn invoke(&self, event: Value) -> Result<Value, String> {
        self.0.invoke_json(event).await
    }
}

pub struct EventStream {
    pub processor: Processor,
    pub poller: StreamPoller,
    tap: Tap,
}

impl EventStream {
    /// The stream of `api`'s table, from its start, into a bus named after the table.
    pub async fn of(api: &TestApi) -> Self {
        local_tools::table::enable_stream(&api.db, &api.table)
            .await
            .expect("turn on the test table's stream");
        let (events, sqs) = local_tools::bus::clients().await;
        create_bus(&events, &api.table)
            .await
            .expect("create the test's bus (is moto's server up? scripts/stack up)");
        let tap = Tap::create(&events, &sqs, &api.table, &api.table, &local_tools::bus::all_events())
            .await
            .expect("tap the test's bus");
        let poller = StreamPoller::of_table(&api.db, local_tools::streams::client().await, &api.table)
            .await
            .expect("the test table's stream");
        let processor = Processor {
            store: shared::store::Store::new(api.db.clone(), &api.table),
            events,
            bus: api.table.clone(),
            retention_days: shared::store::activity_changes::DEFAULT_RETENTION_DAYS,
            internal_notes: shared::config::InternalNotes::default(),
        };
        Self { processor, poller, tap }
    }

    /// Delivers everything the stream holds until a poll finds nothing new; what was given up.
    pub async fn drain(&mut self) -> Polled {
        let mut all = Polled::default();
        let mut idle = 0;
        while idle < 2 {
            let polled = self.poller.poll(&InProcess(&self.processor)).await.expect("poll the stream");
            idle = if polled.delivered == 0 && polled.failed_batches == 0 { idle + 1 } else { 0 };
            all.delivered += polled.delivered;
            all.failed_batches += polled.failed_batches;
            all.discarded.extend(polled.discarded);
        }
        all
    }

    /// Drains the stream and returns the events published since the last call, as the rule
    /// delivered them (EventBridge envelopes), in the order they were published.
    pub async fn events(&mut self) -> Vec<Value> {
        let polled = self.drain().await;
        assert!(polled.discarded.is_empty(), "records given up on: {:?}", polled.discarded);
        self.published().await
    }

    /// The events the queue holds now (without draining the stream first).
    pub async fn published(&self) -> Vec<Value> {
        self.tap.take(Duration::from_secs(1)).await.expect("read the tap")
    }

    /// The type of each event since the last call.
    pub async fn kinds(&mut self) -> Vec<String> {
        self.events().await.iter().map(|e| e["detail-type"].as_str().unwrap_or_default().to_owned()).collect()
    }
}
