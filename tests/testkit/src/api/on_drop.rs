//! The invariant check every `TestApi` runs on its table when it goes, and the scan it reads.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::TestApi;

/// Every test ends with the invariants holding: when a `TestApi` goes (and the test has not
/// already failed), its table is scanned and checked. The scan runs on a thread of its own with
/// its own runtime and client, since the test's runtime is blocked in this drop. A table that
/// no longer exists (benchmarks delete theirs) has nothing to check.
///
/// A broken table panics, failing the test, unless the last reference dies inside a tokio task
/// (a spawned task holding an `Arc<TestApi>`): there the panic would only become the task's
/// `JoinError`, which tokio drops unseen when it cancels the task at shutdown, after the test
/// passed. So there the violations are written to stderr and the process aborts: the whole run
/// fails instead of the one test.
impl Drop for TestApi {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let table = self.table.clone();
        let scanned = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let db = crate::table::dynamo_client().await;
                scan_table(&db, &table).await
            })
        })
        .join()
        .expect("invariant scan");
        let Some(items) = scanned else { return };
        let deployment = crate::invariants::Deployment::of(&self.app);
        let Err(broken) = crate::invariants::verdict(&items, &deployment) else { return };
        if tokio::task::try_id().is_some() {
            use std::io::Write;
            let note = "the TestApi was dropped inside a tokio task, where a panic goes unreported: aborting";
            // Written past the test harness's output capture, which an abort would discard.
            let _ = writeln!(
                std::io::stderr(),
                "table {}: {broken}
({note})",
                self.table
            );
            std::process::abort();
        }
        panic!("{broken}");
    }
}

/// Every item of a table, or None if the table is gone.
async fn scan_table(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Option<Vec<HashMap<String, AttributeValue>>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = match db
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => {
                return None
            }
            Err(e) => panic!("scan {table}: {e:?}"),
        };
        items.extend(out.items().iter().cloned());
        start = out.last_evaluated_key;
        if start.is_none() {
            return Some(items);
        }
    }
}

impl TestApi {
    /// Every item of the test table.
    pub async fn scan(&self) -> Vec<HashMap<String, AttributeValue>> {
        scan_table(&self.db, &self.table).await.expect("the test table exists")
    }
}
