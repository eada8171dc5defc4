//! Writes the index items and name sort keys of contacts stored before they existed:
//! `TABLE_NAME=<table> reindex [--deployed]`, with the standard AWS environment (region,
//! credentials, `AWS_ENDPOINT_URL_DYNAMODB` locally). See docs/operations.md.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Unlike the other local tools it has a job in AWS, once after an upgrade: there it is
    // asked for by name, never reached by leaving the endpoint unset.
    let deployed = match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => false,
        [flag] if flag == "--deployed" => true,
        _ => return Err("usage: reindex [--deployed]".into()),
    };
    if !deployed {
        if let Err(refusal) = local_api::loopback::check(&["DYNAMODB"]) {
            let what_to_do = "locally, source scripts/env.sh; for the deployed table, pass --deployed";
            local_api::loopback::refuse("reindex", &refusal, what_to_do);
        }
    }
    let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set")?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = shared::store::Store::new(aws_sdk_dynamodb::Client::new(&aws), table);
    let done = local_tools::reindex::reindex(&store).await?;
    println!("indexed {done} contacts");
    Ok(())
}
