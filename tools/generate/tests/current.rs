//! The committed files are what the operation declarations generate, so the declaration is the
//! one place an operation is described.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_generated_file_is_committed_as_generated() {
    let files = generate::files(&root()).unwrap();
    assert_eq!(files.len(), 1 + 2 * shared::handlers::OPERATIONS.len());
    for file in files {
        let committed = std::fs::read_to_string(root().join(&file.path)).unwrap_or_default();
        assert!(committed == file.text, "{} is not current: run scripts/generate", file.path.display());
    }
}

#[test]
fn every_function_crate_serves_a_declared_operation_or_is_a_background_function() {
    assert_eq!(generate::stray_function_crates(&root()), Vec::<String>::new());
}

#[test]
fn the_template_holds_exactly_one_generated_block() {
    let template = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    assert_eq!(template.matches(generate::BEGIN).count(), 1);
    assert_eq!(template.matches(generate::END).count(), 1);
}
