//! Writes the index items and name sort keys of contacts stored before they existed:
//! `reindex` (the table of `TABLE_NAME`). See docs/operations.md.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let app = shared::App::from_env().await?;
    let done = local_tools::reindex::reindex(&app.store).await?;
    println!("indexed {done} contacts");
    Ok(())
}
