//! `scripts/smoke`, the check of a deployed stack, run against the local API (the real
//! handlers behind the template's routes) so that it keeps working: it walks create client ->
//! add contact -> list -> update -> delete, prints one line per step and leaves nothing behind.

use std::process::Output;
use std::sync::Arc;

use testkit::table::repo_root;
use testkit::{watch, TestApi};

use crate::local_api_routes::start_local_api;

/// Runs `scripts/smoke <url>` with `token` in `SMOKE_TOKEN`, off the runtime that serves the API.
async fn smoke(url: &str, token: &str) -> Output {
    let (url, token) = (url.to_owned(), token.to_owned());
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(repo_root().join("scripts/smoke"))
            .arg(url)
            .env("SMOKE_TOKEN", token)
            .output()
            .expect("scripts/smoke runs")
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_smoke_test_walks_a_client_and_a_contact_through_the_local_api_and_cleans_up() {
    let api = Arc::new(TestApi::new().await);
    let fake = watch::start(&api).await;
    let base = start_local_api(&fake.url).await;
    let tenant = format!("smoke-{}", ulid::Ulid::new());
    let token = testkit::cognito::admin_id_token(&tenant).await;

    let out = smoke(&base, &token).await;

    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let steps: Vec<&str> =
        stdout.lines().map(|l| l.strip_prefix("ok    ").unwrap_or(l).get(..15).unwrap_or(l).trim()).collect();
    assert_eq!(
        steps,
        [
            "create client",
            "add contact",
            "list contacts",
            "update contact",
            "delete contact",
            "delete client"
        ]
    );
    let left = api.get(&TestApi::admin(&tenant), "/clients").await;
    assert_eq!(left.json()["items"], serde_json::json!([]), "the tenant has no client left");
    drop(fake);
    assert_eq!(Arc::strong_count(&api), 1, "the server holds it weakly: the check on drop runs here");
}

#[tokio::test]
async fn the_smoke_test_fails_with_the_step_and_the_answer_when_the_api_refuses() {
    let api = Arc::new(TestApi::new().await);
    let fake = watch::start(&api).await;
    let base = start_local_api(&fake.url).await;

    let out = smoke(&base, "not-a-token").await;

    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.starts_with("FAIL  create client   401 POST /clients (expected 201)"), "{stdout}");
    assert_eq!(stdout.lines().count(), 1, "nothing was created, so nothing to clean: {stdout}");
    drop(fake);
}
