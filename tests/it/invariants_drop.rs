//! The check every `TestApi` runs when dropped: it passes a sound table, fails a broken one
//! naming the rule, and cannot be swallowed, not even when the last reference to the `TestApi`
//! dies in a task the runtime cancels at shutdown.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use serde_json::json;
use testkit::TestApi;

use crate::invariants::{broken_rules, panic_text, put_raw, s};
use crate::support::{given_client, given_contact};

/// What a lost half of a write would leave: an email marker whose contact does not exist.
async fn break_table(api: &TestApi) {
    let marker = [
        ("PK", s("TENANT#t1#EMAIL#ghost@x.test")),
        ("SK", s("EMAIL")),
        ("entity", s("email")),
        ("contact_id", s("01J00000000000000000000000")),
        ("email", s("ghost@x.test")),
    ];
    put_raw(api, &marker).await;
}

/// What the service writes for a client and one contact.
async fn given_sound_table(api: &TestApi) {
    let admin = TestApi::admin("t1");
    let acme = given_client(api, &admin, "Acme").await;
    given_contact(api, &admin, &acme, json!({ "last_name": "Ok", "email": "ok@x.test" })).await;
}

#[tokio::test]
async fn a_healthy_table_passes_the_check_on_drop() {
    let api = TestApi::new().await;
    given_sound_table(&api).await;

    assert_eq!(broken_rules(api).await, []);
}

#[tokio::test]
async fn a_marker_without_its_contact_fails_the_check_on_drop() {
    let api = TestApi::new().await;
    break_table(&api).await;

    let dropped = catch_unwind(AssertUnwindSafe(|| drop(api)));

    let text = panic_text(dropped.expect_err("the broken table is caught"));
    assert!(text.contains("[marker-owner] marker without contact"), "{text}");
}

const CHILD: &str = "invariants_drop::a_broken_table_whose_last_reference_dies_in_a_cancelled_task";
/// Set for the child process only: without it the child test does nothing, so running the
/// ignored tests by hand does not end the run.
const CHILD_VAR: &str = "INVARIANTS_DROP_CHILD";

#[tokio::test]
#[ignore = "run as a child process by the test below; it ends its process on purpose"]
async fn a_broken_table_whose_last_reference_dies_in_a_cancelled_task() {
    if std::env::var_os(CHILD_VAR).is_none() {
        return;
    }
    let api = Arc::new(TestApi::new().await);
    break_table(&api).await;
    let holder = api.clone();
    // A task nobody joins: the runtime cancels it at shutdown, and the last reference dies
    // there, where tokio catches any panic.
    tokio::spawn(async move {
        let _holds = holder;
        std::future::pending::<()>().await;
    });
}

#[test]
fn a_broken_table_whose_last_reference_dies_in_a_cancelled_task_still_fails_the_run() {
    let exe = std::env::current_exe().expect("the test binary");
    let child = std::process::Command::new(exe)
        .args([CHILD, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, "1")
        .output()
        .expect("the child runs");

    let (stdout, stderr) = (String::from_utf8_lossy(&child.stdout), String::from_utf8_lossy(&child.stderr));
    assert!(stdout.contains(CHILD), "the child ran its test: {stdout}");
    assert!(!child.status.success(), "the broken table went unnoticed:\n{stdout}\n{stderr}");
    assert!(stderr.contains("[marker-owner] marker without contact"), "{stderr}");
}

/// `check-table` (what `scripts/conformance` runs over the table the local API leaves) on the
/// test table: its exit status and what it printed.
fn check_table(api: &TestApi) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_check-table"))
        .arg(&api.table)
        .output()
        .expect("check-table runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code(), text)
}

#[tokio::test]
async fn check_table_passes_a_sound_table_saying_how_many_items_it_read() {
    // Given a table the service wrote: a client and its contact
    let api = TestApi::new().await;
    given_sound_table(&api).await;

    // When check-table reads it
    let (status, text) = check_table(&api);

    // Then it exits 0, having read every item (the contact's index items too)
    assert_eq!(status, Some(0), "{text}");
    let items = api.scan().await.len();
    assert!(text.contains(&format!(": {items} items, every invariant holds")), "{text}");
}

#[tokio::test]
async fn check_table_fails_a_broken_table_naming_the_rule() {
    // Given a table with a marker whose contact does not exist
    let api = TestApi::new().await;
    break_table(&api).await;

    // When check-table reads it
    let (status, text) = check_table(&api);

    // Then it exits 1 naming the broken rule (and the drop check agrees)
    assert_eq!(status, Some(1), "{text}");
    assert!(text.contains("[marker-owner] marker without contact"), "{text}");
    assert!(catch_unwind(AssertUnwindSafe(|| drop(api))).is_err());
}
