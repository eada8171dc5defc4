//! After a run against the local API (`scripts/conformance`): the table's invariants
//! (`testkit::invariants`) over every item of the table, checked as the deployment that wrote
//! it is configured (`EMAIL_DAILY_QUOTA`, else the configuration's default). Names every broken
//! rule and exits 1; prints how many items it read otherwise.
//!
//!   check-table [TABLE]   (default: TABLE_NAME)

use testkit::invariants::{verdict, Deployment};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let table = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("TABLE_NAME").ok())
        .expect("usage: check-table [TABLE] (or TABLE_NAME)");
    let email = shared::config::EmailConfig::from_env().unwrap_or_else(|e| panic!("{e}"));
    let deployment = Deployment { daily_email_quota: email.daily_quota };
    let db = testkit::table::dynamo_client().await;
    let items = testkit::table::scan_table(&db, &table).await.unwrap_or_else(|| panic!("no table {table}"));
    match verdict(&items, &deployment) {
        Ok(()) => println!("table {table}: {} items, every invariant holds", items.len()),
        Err(broken) => {
            eprintln!("table {table}: {broken}");
            std::process::exit(1);
        }
    }
}
