//! Writes the index items and name sort keys of contacts stored before they existed:
//! `TABLE_NAME=<table> reindex`, with the standard AWS environment (region, credentials,
//! `AWS_ENDPOINT_URL_DYNAMODB` locally). See docs/operations.md.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set")?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = shared::store::Store::new(aws_sdk_dynamodb::Client::new(&aws), table);
    let done = local_tools::reindex::reindex(&store).await?;
    println!("indexed {done} contacts");
    Ok(())
}
