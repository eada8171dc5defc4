//! The warm table: latency and memory of functions kept running for many invocations.

use bench::functions::{add_event, body, build_dir, rust_launch};
use bench::lambda::Function;
use bench::{mib, Spread};
use testkit::{Caller, TestApi};

use crate::{ms, LAMBDA_MEMORY};

/// Warm invocations of add-contact, get-contact and list-contacts: one process of each kept for
/// the whole run (each function is its own bootstrap), `n` events each, in turn (add, get,
/// list, add...), so that reads see the contacts added so far.
pub(crate) async fn warm(api: &TestApi, caller: &Caller, client: &str, n: usize, env: &[(String, String)]) {
    let mut functions = Vec::new();
    for name in ["add-contact", "get-contact", "list-contacts"] {
        let launch = rust_launch(name, &build_dir().join(name), env.to_vec());
        functions.push((name, Function::start(&launch).await, Vec::new(), 0));
    }
    let mut ids: Vec<String> = Vec::new();
    for i in 0..n {
        for (name, function, took, first_rss) in functions.iter_mut() {
            let event = match *name {
                "add-contact" => add_event(api, caller, client, 1_000_000 + i),
                "get-contact" => {
                    let id = &ids[(i * 7919) % ids.len()];
                    api.json_event(caller, "GET", &format!("/clients/{client}/contacts/{id}"), None)
                }
                _ => {
                    let query = ["limit=25", "limit=25&topic=invoice", "limit=100"][i % 3];
                    api.json_event(caller, "GET", &format!("/clients/{client}/contacts?{query}"), None)
                }
            };
            let reply = function.invoke(&event).await;
            let expected = if *name == "add-contact" { 201 } else { 200 };
            assert_eq!(reply.body["statusCode"], expected, "{name}: {}", reply.body);
            if *name == "add-contact" {
                ids.push(body(&reply.body)["id"].as_str().expect("id").to_owned());
            }
            // The first invocation is the cold one: only the others count as warm.
            if i == 0 {
                *first_rss = function.peak_rss();
            } else {
                took.push(reply.took);
            }
        }
    }
    println!("| function | invocations | warm latency, ms: median (p10-p90) | peak RSS after 1 | peak RSS after {n} | left of 128 MB |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, function, took, first_rss) in functions {
        let peak = function.peak_rss();
        println!(
            "| {name} | {n} | {} | {} | {} | {:.0}% |",
            Spread::of(took).show(ms),
            mib(first_rss),
            mib(peak),
            100.0 * (LAMBDA_MEMORY.saturating_sub(peak)) as f64 / LAMBDA_MEMORY as f64
        );
        drop(function);
    }
}
