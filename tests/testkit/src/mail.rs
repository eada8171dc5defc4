//! Reads the mail aws-ses-v2-local received (`GET /store`), as a person would see it.

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

fn store_url() -> String {
    std::env::var("SES_STORE_URL").expect("SES_STORE_URL is not set: run the tests with ./scripts/test")
}

/// Every message the emulator holds.
pub async fn all_messages() -> Vec<Value> {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let res = client.get(store_url().parse().expect("store URL")).await.expect("SES emulator answers");
    let body = res.into_body().collect().await.expect("store body").to_bytes();
    let store: Value = serde_json::from_slice(&body).expect("store is JSON");
    store["emails"].as_array().cloned().unwrap_or_default()
}

/// The messages sent to `address` (tests use unique addresses, so the shared store is enough).
pub async fn messages_to(address: &str) -> Vec<Value> {
    all_messages()
        .await
        .into_iter()
        .filter(|m| {
            m["destination"]["to"].as_array().is_some_and(|to| to.iter().any(|t| t.as_str() == Some(address)))
        })
        .collect()
}

/// The `token` in the fragment of the first link to `/accept-invite` in a text body
/// (`{portal}/accept-invite?tenant=...#token=...`).
pub fn invite_token(text: &str) -> Option<String> {
    token_after(text, "/accept-invite?tenant=")
}

/// The token of the password reset link in an email's text.
pub fn reset_token(text: &str) -> Option<String> {
    token_after(text, "/reset-password?tenant=")
}

fn token_after(text: &str, page: &str) -> Option<String> {
    let link = &text[text.find(page)?..];
    let link = &link[..link.find(char::is_whitespace).unwrap_or(link.len())];
    let start = link.find("#token=")? + "#token=".len();
    Some(link[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect())
}
