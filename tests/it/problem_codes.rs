//! The run's record of problem codes (`PROBLEM_CODES_FILE`), which `scripts/test` reads to show
//! that every documented code was produced by some test. Tests run on many threads, so lines
//! appended at the same time must each stay whole.

use std::collections::BTreeSet;

use testkit::contract::append_problem;

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
                    append_problem(path, 400 + t, &format!("code-{t}-{i}")).expect("append");
                }
            });
        }
    });
    // Then every line is one `<status> <code>` as written, and none is lost
    let recorded = std::fs::read_to_string(&path).expect("the record");
    std::fs::remove_file(&path).ok();
    let expected: BTreeSet<String> = (0..threads)
        .flat_map(|t| (0..per_thread).map(move |i| format!("{} code-{t}-{i}", 400 + t)))
        .collect();
    let lines: BTreeSet<String> = recorded.lines().map(str::to_owned).collect();
    let torn: Vec<&String> = lines.difference(&expected).take(5).collect();
    assert!(torn.is_empty(), "torn lines: {torn:?}");
    assert_eq!(lines, expected);
}
