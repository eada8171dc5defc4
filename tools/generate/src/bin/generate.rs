//! `generate`: writes each operation's function crate and template.yaml's generated block from
//! the operation declarations (shared/src/handlers/mod.rs). `generate --check` writes nothing
//! and fails, naming them, when committed files differ from what it would write.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().skip(1).any(|a| a == "--check");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let files = match generate::files(&root) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("generate: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stale = Vec::new();
    for file in files {
        let path = root.join(&file.path);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(file.text.as_str()) {
            continue;
        }
        stale.push(file.path.display().to_string());
        if !check {
            let written = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&path, &file.text));
            if let Err(e) = written {
                eprintln!("generate: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    let stray = generate::stray_function_crates(&root);
    for name in &stray {
        eprintln!("generate: functions/{name} serves no declared operation: remove it or declare it");
    }
    match (check, stale.is_empty()) {
        (true, false) => {
            eprintln!("generate --check: not current (run scripts/generate): {}", stale.join(", "));
            ExitCode::FAILURE
        }
        _ if !stray.is_empty() => ExitCode::FAILURE,
        (false, false) => {
            println!("wrote {}", stale.join(", "));
            ExitCode::SUCCESS
        }
        _ => ExitCode::SUCCESS,
    }
}
