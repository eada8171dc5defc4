//! Lambda function `change-events`, fed by the table's DynamoDB stream: wiring only; the
//! behaviour lives in the crate's library.

use aws_lambda_events::event::dynamodb::Event;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let processor = change_events::Processor::from_env().await?;
    let processor = &processor;
    run(service_fn(move |event: LambdaEvent<Event>| async move {
        Ok::<_, Error>(processor.handle(event.payload).await)
    }))
    .await
}
