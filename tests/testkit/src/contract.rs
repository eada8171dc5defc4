//! The service's answers against openapi.yaml, for every request any test sends through
//! `TestApi`: each response's status must be documented for its operation, with its content
//! type, required headers and a body valid against the schema (OpenAPI 3.1 schemas are JSON
//! Schema 2020-12). Every problem code seen is recorded; with `PROBLEM_CODES_FILE` set (as
//! `scripts/test` does for a full run) it is also appended there, so the run can show that every
//! documented code was produced by some test.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Value};

use crate::api::TestResponse;

pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = crate::table::repo_root().join("openapi.yaml");
        serde_yaml::from_str(&std::fs::read_to_string(path).expect("openapi.yaml"))
            .expect("openapi.yaml is YAML")
    })
}

/// Follows a local `$ref` (`#/components/...`) until a non-reference object.
pub fn resolve<'a>(spec: &'a Value, mut value: &'a Value) -> &'a Value {
    while let Some(pointer) = value["$ref"].as_str() {
        value = spec
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling $ref {pointer}"));
    }
    value
}

/// A validator for `schema`, with the spec's components available to its references.
pub fn validator(spec: &Value, schema: &Value) -> jsonschema::Validator {
    let rewrite = |v: &Value| -> Value {
        serde_json::from_str(
            &serde_json::to_string(v).unwrap().replace("#/components/", "#/$defs/components/"),
        )
        .unwrap()
    };
    let mut root = rewrite(schema);
    if root.is_object() {
        root["$defs"] = json!({ "components": rewrite(&spec["components"]) });
        root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    }
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema {schema} does not compile: {e}"))
}

/// Validators compiled once per schema (compiling is what costs).
fn cached_validator(schema: &Value) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
    let key = schema.to_string();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().expect("validator cache").get(&key) {
        return v.clone();
    }
    let compiled = Arc::new(validator(spec(), schema));
    cache.lock().expect("validator cache").insert(key, compiled.clone());
    compiled
}

pub fn check(validator: &jsonschema::Validator, value: &Value, what: &str) {
    let errors: Vec<String> =
        validator.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what} does not match the spec: {errors:#?}\n{value}");
}

/// The operation object of `method` on the path template `path`.
pub fn operation<'a>(spec: &'a Value, method: &str, path: &str) -> &'a Value {
    let op = &spec["paths"][path][method.to_lowercase()];
    assert!(op.is_object(), "openapi.yaml has no {method} {path}");
    op
}

/// Checks a response against what the spec documents for the operation, and records its
/// problem code.
pub fn assert_documented(method: &str, path: &str, res: &TestResponse) {
    let spec = spec();
    let what = format!("{method} {path} -> {}", res.status);
    let documented = &operation(spec, method, path)["responses"][res.status.to_string()];
    assert!(documented.is_object(), "{what} is not documented: {}", res.body);
    let documented = resolve(spec, documented);
    for (name, header) in documented["headers"].as_object().into_iter().flatten() {
        let header = resolve(spec, header);
        match res.header(&name.to_lowercase()) {
            Some(value) => {
                check(&cached_validator(&header["schema"]), &json!(value), &format!("{what} header {name}"))
            }
            None => assert!(header["required"] != true, "{what} lacks the required header {name}"),
        }
    }
    let Some(content) = documented["content"].as_object() else {
        assert!(res.body.is_empty(), "{what} has a body the spec does not document: {}", res.body);
        return;
    };
    // The media type without its parameters (`text/csv; charset=utf-8` is `text/csv`).
    let content_type = res.header("content-type").unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let media = content
        .get(essence)
        .unwrap_or_else(|| panic!("{what}: content type {content_type:?} not documented"));
    let body: Value = if essence.ends_with("json") {
        serde_json::from_str(&res.body).unwrap_or_else(|e| panic!("{what}: not JSON ({e})"))
    } else {
        // Text (a CSV download): its schema is a string's.
        Value::String(res.body.clone())
    };
    check(&cached_validator(&media["schema"]), &body, &what);
    if let Some(code) = body["code"].as_str().filter(|_| res.status >= 400) {
        record_problem(res.status, code);
    }
}

/// Notes that a test saw a problem with this status and code.
pub fn record_problem(status: u16, code: &str) {
    static SEEN: OnceLock<Mutex<BTreeSet<(u16, String)>>> = OnceLock::new();
    let new =
        SEEN.get_or_init(Default::default).lock().expect("seen problems").insert((status, code.to_owned()));
    if let (true, Ok(path)) = (new, std::env::var("PROBLEM_CODES_FILE")) {
        append_problem(std::path::Path::new(&path), status, code).expect("record a problem code");
    }
}

/// Appends one `<status> <code>` line to the run's file of problem codes. The line goes out in
/// one `write` to a file opened for appending, so lines from other threads and processes land
/// whole; `writeln!` on a `File` writes each piece of the format on its own and tore lines apart.
pub fn append_problem(path: &std::path::Path, status: u16, code: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(format!("{status} {code}\n").as_bytes())
}

/// The problem codes openapi.yaml documents (`ProblemCode`).
pub fn documented_problem_codes() -> BTreeSet<String> {
    spec()["components"]["schemas"]["ProblemCode"]["enum"]
        .as_array()
        .expect("ProblemCode enum")
        .iter()
        .map(|c| c.as_str().expect("a code").to_owned())
        .collect()
}
