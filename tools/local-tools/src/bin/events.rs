//! Prints the domain events the local stack's bus received since the last call, one JSON
//! object per line (the EventBridge envelope: `detail-type` is the event's type, `detail` its
//! body). They reach it through the rule `scripts/run-local` sets up, as a subscriber's would.
//!   events [--wait SECONDS]   (scripts/events)

use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    local_api::loopback::exit_unless_local("events", &["EVENTBRIDGE", "SQS"]);
    let args: Vec<String> = std::env::args().collect();
    let wait = match args.iter().position(|a| a == "--wait") {
        Some(at) => {
            args.get(at + 1).and_then(|s| s.parse().ok()).ok_or("--wait takes a number of seconds")?
        }
        None => 0,
    };
    let bus = std::env::var("EVENT_BUS_NAME").map_err(|_| "EVENT_BUS_NAME is not set")?;
    let (events, sqs) = local_tools::bus::clients().await;
    let tap = local_tools::bus::Tap::create(
        &events,
        &sqs,
        &bus,
        local_tools::bus::LOG_TAP,
        &local_tools::bus::all_events(),
    )
    .await?;
    for event in tap.take(Duration::from_secs(wait)).await? {
        println!("{event}");
    }
    Ok(())
}
