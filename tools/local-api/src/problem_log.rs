//! The record of problem responses a test run saw (`PROBLEM_CODES_FILE`), which `scripts/test`
//! reads after the suite (`problem-coverage`) to show which documented codes and responses some
//! test produced. Here, beside the local API's own problems, so that both the service's specs
//! (through the test kit) and the local API's specs write it the same way.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Mutex, OnceLock};

/// A problem response a test saw: its status and code, and the operation that answered it
/// (`path` is the operation's path template; for a request the local API refused before any
/// operation, the path it was sent to).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem<'a> {
    pub status: u16,
    pub code: &'a str,
    pub method: &'a str,
    pub path: &'a str,
}

impl<'a> Problem<'a> {
    /// One line of the run's file of problems: `<status> <code> <method> <path>`.
    pub fn line(&self) -> String {
        format!("{} {} {} {}\n", self.status, self.code, self.method, self.path)
    }

    /// A line `line` wrote, back (None for anything else).
    pub fn parse(line: &'a str) -> Option<Self> {
        let mut parts = line.split_whitespace();
        let status = parts.next()?.parse().ok()?;
        let (code, method, path) = (parts.next()?, parts.next()?, parts.next()?);
        parts.next().is_none().then_some(Problem { status, code, method, path })
    }
}

/// Notes that a test saw this problem: with `PROBLEM_CODES_FILE` set, once per process.
pub fn record(problem: &Problem) {
    static SEEN: OnceLock<Mutex<BTreeSet<String>>> = OnceLock::new();
    let line = problem.line();
    let new = SEEN.get_or_init(Default::default).lock().expect("seen problems").insert(line.clone());
    if let (true, Ok(path)) = (new, std::env::var("PROBLEM_CODES_FILE")) {
        append_line(std::path::Path::new(&path), &line).expect("record a problem");
    }
}

/// Appends one line to the run's file of problems. The line goes out in one `write` to a file
/// opened for appending, so lines from other threads and processes land whole; `writeln!` on a
/// `File` writes each piece of the format on its own and tore lines apart.
pub fn append_line(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(line.as_bytes())
}
