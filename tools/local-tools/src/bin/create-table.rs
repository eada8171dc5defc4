//! Creates the table named by TABLE_NAME in the DynamoDB the environment points at, with the
//! keys, index and TTL of template.yaml. Used by scripts/run-local.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    local_api::loopback::exit_unless_local("create-table", &["DYNAMODB"]);
    let name = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set")?;
    let db = local_tools::table::dynamo_client().await;
    if local_tools::table::create_table(&db, &name).await? {
        println!("created table {name}");
    } else {
        println!("table {name} already exists");
    }
    Ok(())
}
