//! What the operation declarations in `shared::handlers` determine, as files: each operation's
//! function crate (`functions/<function>/`) and the block of template.yaml between the
//! generated-block markers (each operation's function, log group and alarm). `generate` writes
//! them; the tests check that the committed files are what it writes.

mod template;

use std::path::{Path, PathBuf};

use shared::handlers::OPERATIONS;
use shared::http::operation::Operation;

pub use template::{operations_block, with_operations_block, BEGIN, END};

/// The functions that serve no operation (a schedule, a stream, a Cognito trigger, SES's events,
/// the portal's pages): their crates and template blocks are written by hand.
pub const BACKGROUND_FUNCTIONS: &[&str] = &[
    "change-events",
    "portal-pages",
    "portal-sign-in",
    "record-email-event",
    "run-export",
    "support-expiry-sweep",
];

/// A generated file: where it goes (relative to the repository) and what it holds.
#[derive(Debug, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    pub text: String,
}

/// Every generated file, given the repository at `root` (template.yaml's hand-written parts are
/// kept as they are).
pub fn files(root: &Path) -> Result<Vec<File>, String> {
    let template =
        std::fs::read_to_string(root.join("template.yaml")).map_err(|e| format!("template.yaml: {e}"))?;
    let mut files =
        vec![File { path: "template.yaml".into(), text: with_operations_block(&template, OPERATIONS)? }];
    files.extend(OPERATIONS.iter().flat_map(function_crate));
    Ok(files)
}

/// The crate of an operation's function: its manifest and a `main.rs` that wires the handler.
pub fn function_crate(operation: &Operation) -> [File; 2] {
    let function = operation.route.function;
    let module = function.replace('-', "_");
    let dir = Path::new("functions").join(function);
    let manifest = format!(
        "# Generated from shared/src/handlers/mod.rs by scripts/generate: edit the declaration, not this.\n\
         [package]\n\
         name = \"{function}\"\n\
         version.workspace = true\n\
         edition.workspace = true\n\
         license.workspace = true\n\
         publish.workspace = true\n\
         \n\
         [dependencies]\n\
         shared.workspace = true\n\
         lambda_http.workspace = true\n\
         tokio.workspace = true\n\
         \n\
         [[bin]]\n\
         name = \"{function}\"\n\
         path = \"src/main.rs\"\n\
         test = false\n"
    );
    let main = format!(
        "//! Lambda function `{function}`: wiring only; the behaviour lives in `shared::handlers::{module}`.\n\
         //! Generated from shared/src/handlers/mod.rs by scripts/generate: edit the declaration, not this.\n\
         \n\
         use lambda_http::{{run, service_fn, Error}};\n\
         use shared::handlers::{module};\n\
         \n\
         #[tokio::main]\n\
         async fn main() -> Result<(), Error> {{\n\
         \x20   shared::telemetry::init();\n\
         \x20   // Built once per cold start and reused by every invocation of this instance.\n\
         \x20   let app = shared::App::from_env().await?;\n\
         \x20   let app = &app;\n\
         \x20   run(service_fn(move |req| {module}::handle(app, req))).await\n\
         }}\n"
    );
    [
        File { path: dir.join("Cargo.toml"), text: manifest },
        File { path: dir.join("src/main.rs"), text: main },
    ]
}

/// The directories under `functions/` that neither an operation nor a background function
/// explains (an operation removed from the declaration leaves its crate behind).
pub fn stray_function_crates(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join("functions")) else { return Vec::new() };
    let mut stray: Vec<String> = entries
        .filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
        .filter(|name| {
            !BACKGROUND_FUNCTIONS.contains(&name.as_str())
                && !OPERATIONS.iter().any(|o| o.route.function == name)
        })
        .collect();
    stray.sort();
    stray
}
