//! After a full test run: every problem code openapi.yaml documents was produced by some test
//! (and so validated against the document on its way back), and how many of the documented
//! problem responses (operation and status) the tests produced. Reads what the run recorded
//! (`PROBLEM_CODES_FILE`, one `<status> <code> <method> <path>` per problem a test saw: the
//! service's answers through `TestApi`, the local API's own in its specs), names any documented
//! code no test produced, and lists the documented problem responses no test produced.

use std::collections::BTreeSet;

use testkit::contract::{documented_problem_codes, documented_problem_responses, Problem};

fn main() {
    let path = std::env::args().nth(1).expect("usage: problem-coverage <recorded problems file>");
    let recorded = std::fs::read_to_string(&path).unwrap_or_default();
    let problems: Vec<Problem> = recorded.lines().filter_map(Problem::parse).collect();
    let produced: BTreeSet<&str> = problems.iter().map(|p| p.code).collect();
    let documented = documented_problem_codes();
    let missing: Vec<&String> = documented.iter().filter(|c| !produced.contains(c.as_str())).collect();
    let undocumented: Vec<&&str> = produced.iter().filter(|c| !documented.contains(**c)).collect();
    println!(
        "problem codes produced by the tests: {} of {} documented",
        documented.len() - missing.len(),
        documented.len()
    );
    responses(&problems);
    if !missing.is_empty() || !undocumented.is_empty() {
        eprintln!(
            "documented but produced by no test: {missing:?}; produced but not documented: {undocumented:?}"
        );
        std::process::exit(1);
    }
}

/// Per operation and status: how many documented problem responses a test produced, and which
/// not (a report: a response no test reaches is named, not failed, as some are API Gateway's
/// or a deployment's alone, such as 429 throttling).
fn responses(problems: &[Problem]) {
    let seen: BTreeSet<(String, String, u16)> =
        problems.iter().map(|p| (p.method.to_owned(), p.path.to_owned(), p.status)).collect();
    let documented = documented_problem_responses();
    let unseen: Vec<_> = documented.difference(&seen).collect();
    let operations: BTreeSet<_> =
        seen.iter().filter(|r| documented.contains(*r)).map(|(m, p, _)| (m, p)).collect();
    println!(
        "problem responses produced by the tests: {} of {} documented (operation and status), on {} operations",
        documented.len() - unseen.len(),
        documented.len(),
        operations.len()
    );
    for (method, path, status) in unseen {
        println!("    not produced: {method} {path} -> {status}");
    }
}
