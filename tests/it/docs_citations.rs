//! docs/guarantees.md backs each promise with the specs that prove it, named as
//! `module::spec` (or `module::*`): each one named must exist, so that a renamed or deleted spec
//! cannot leave a promise citing nothing.

use std::path::{Path, PathBuf};

/// The crates' Rust sources a citation may name (integration specs, unit specs, tools).
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if path.is_dir() && name != "target" && name != "node_modules" && !name.starts_with('.') {
            sources(&path, out);
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// Every `a::b::c` in backticks: a module path and a spec name (or `*`).
fn citations(text: &str) -> Vec<&str> {
    let is_path = |c: &str| {
        c.contains("::")
            && c.split("::").all(|p| {
                p == "*"
                    || p.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
                        && !p.is_empty()
            })
    };
    text.split('`').skip(1).step_by(2).filter(|c| is_path(c)).collect()
}

/// Whether a source file is module `modules` (`a/b.rs` or `a/b/mod.rs`, a unit spec's `tests`
/// module being its file) and holds `fn spec` (any spec for `*`).
fn cited_in(files: &[(String, String)], citation: &str) -> bool {
    let mut modules: Vec<&str> = citation.split("::").collect();
    let spec = modules.pop().unwrap_or_default();
    if modules.last() == Some(&"tests") {
        modules.pop();
    }
    let path = modules.join("/");
    let (file, module) = (format!("/{path}.rs"), format!("/{path}/mod.rs"));
    files.iter().filter(|(name, _)| name.ends_with(&file) || name.ends_with(&module)).any(|(_, code)| {
        spec == "*"
            || code.match_indices(&format!("fn {spec}")).any(|(at, m)| {
                !code[at + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            })
    })
}

#[test]
fn every_spec_docs_guarantees_cites_exists() {
    let root = local_api::template::repo_root();
    let mut paths = Vec::new();
    for dir in ["tests", "shared", "functions", "tools", "benches"] {
        sources(&root.join(dir), &mut paths);
    }
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|p| (p.to_string_lossy().replace('\\', "/"), std::fs::read_to_string(p).unwrap_or_default()))
        .collect();
    let text = std::fs::read_to_string(root.join("docs/guarantees.md")).unwrap();

    let cited = citations(&text);
    let missing: Vec<&&str> = cited.iter().filter(|c| !cited_in(&files, c)).collect();

    assert!(cited.len() > 100, "the citations were read: {}", cited.len());
    assert!(missing.is_empty(), "docs/guarantees.md cites specs that do not exist: {missing:#?}");
}

#[test]
fn a_citation_of_a_spec_that_does_not_exist_is_found_missing() {
    let files = [("/repo/tests/it/faults.rs".to_owned(), "async fn retries_then_lands() {}".to_owned())];
    assert!(cited_in(&files, "faults::retries_then_lands"));
    assert!(cited_in(&files, "faults::*"));
    assert!(!cited_in(&files, "faults::retries_then"), "a prefix is not the spec");
    assert!(!cited_in(&files, "faults::gives_up"));
    assert!(!cited_in(&files, "other::retries_then_lands"));
}
