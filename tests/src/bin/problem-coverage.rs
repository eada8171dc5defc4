//! After a full test run: every problem code openapi.yaml documents was produced by some test
//! (and so validated against the document on its way back). Reads the codes the run recorded
//! (`PROBLEM_CODES_FILE`, one `<status> <code>` per line) and names any documented code that no
//! test produced.

use std::collections::BTreeSet;

fn main() {
    let path = std::env::args().nth(1).expect("usage: problem-coverage <recorded codes file>");
    let recorded = std::fs::read_to_string(&path).unwrap_or_default();
    let produced: BTreeSet<&str> = recorded.lines().filter_map(|l| l.split_whitespace().nth(1)).collect();
    let documented = testkit::contract::documented_problem_codes();
    let missing: Vec<&String> = documented.iter().filter(|c| !produced.contains(c.as_str())).collect();
    let undocumented: Vec<&&str> = produced.iter().filter(|c| !documented.contains(**c)).collect();
    println!(
        "problem codes produced by the tests: {} of {} documented",
        documented.len() - missing.len(),
        documented.len()
    );
    if !missing.is_empty() || !undocumented.is_empty() {
        eprintln!(
            "documented but produced by no test: {missing:?}; produced but not documented: {undocumented:?}"
        );
        std::process::exit(1);
    }
}
