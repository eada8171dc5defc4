//! The run's record of problem codes (`PROBLEM_CODES_FILE`), which `scripts/test` reads to show
//! that every documented code was produced by some test. Tests run on many threads, so lines
//! appended at the same time must each stay whole.

use std::collections::BTreeSet;

use testkit::contract::{append_line, Problem};

#[test]
fn problem_codes_recorded_at_the_same_time_from_many_threads_each_stay_a_whole_line() {
    // Given a fresh record and 8 threads, each with its own 300 codes
    let path = std::env::temp_dir().join(format!("problem-codes-{}", ulid::Ulid::new()));
    let threads = 8;
    let per_thread = 300;
    // When they all append at once
    std::thread::scope(|scope| {
        for t in 0..threads {
            let path = &path;
            scope.spawn(move || {
                for i in 0..per_thread {
                    let code = format!("code-{t}-{i}");
                    let problem = Problem { status: 400 + t, code: &code, method: "GET", path: "/clients" };
                    append_line(path, &problem.line()).expect("append");
                }
            });
        }
    });
    // Then every line is one `<status> <code> <method> <path>` as written, and none is lost
    let recorded = std::fs::read_to_string(&path).expect("the record");
    std::fs::remove_file(&path).ok();
    let expected: BTreeSet<String> = (0..threads)
        .flat_map(|t| (0..per_thread).map(move |i| format!("{} code-{t}-{i} GET /clients", 400 + t)))
        .collect();
    let lines: BTreeSet<String> = recorded.lines().map(str::to_owned).collect();
    let torn: Vec<&String> = lines.difference(&expected).take(5).collect();
    assert!(torn.is_empty(), "torn lines: {torn:?}");
    assert_eq!(lines, expected);
}

#[test]
fn a_recorded_problem_reads_back_as_it_was_written() {
    let problem = Problem { status: 409, code: "email-taken", method: "PATCH", path: "/clients/{clientId}" };

    assert_eq!(Problem::parse(problem.line().trim_end()), Some(problem));
    assert_eq!(Problem::parse("409 email-taken"), None, "a line of another shape is no problem");
}
