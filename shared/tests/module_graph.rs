//! The crate's top-level modules form layers that point one way: the domain at the bottom,
//! then the store, the services, the HTTP adapter, the wiring and the handlers. This spec reads
//! the code of `shared/src` (comments and string literals left out), builds the graph of
//! `crate::<module>` references between top-level modules and fails on any cycle or any
//! reference that points up a layer. The store's own sub-modules (`store/<m>`, referred to as
//! `super::<m>` or `crate::store::<m>`) must form no cycle either.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module and its layer; a module may use its own layer or any lower one, and
/// modules of one layer must not form a cycle.
const LAYERS: &[(&str, u8)] = &[
    ("domain", 0),
    // Leaf utilities every layer may log, measure or configure with.
    ("config", 1),
    ("deadline", 1),
    ("metrics", 1),
    ("telemetry", 1),
    ("store", 2),
    // The portal user pool (Cognito), an outside store beside the table.
    ("portal_users", 2),
    // The services' errors (and the email service's), beside the store's: the HTTP adapter maps them.
    ("error", 2),
    ("quota", 3),
    ("email", 3),
    ("invites", 3),
    ("notify", 3),
    ("tags", 3),
    // Changing settings: a custom field's type only while no contact holds a value of it.
    ("settings", 3),
    ("sweep", 3),
    ("feedback", 3),
    ("import", 3),
    ("portal", 3),
    // A person's data on request: the store's and the pool's reads, gathered.
    ("personal_data", 3),
    // Changing and deleting a note: the author rule over the store's reads and writes.
    ("notes", 3),
    // Exports: browsing's pages written to the export bucket (S3), an outside store it owns.
    ("exports", 3),
    // Duplicate candidates: the tenant's duplicate keys grouped, their contacts read and paired.
    ("duplicate_candidates", 3),
    ("http", 4),
    // The per-cold-start wiring (`App`) and the handlers that build services from it.
    ("app", 5),
    ("handlers", 6),
];

type Graph = BTreeMap<String, BTreeSet<String>>;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src` belongs to (`store/contacts/add.rs` -> `store`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let first = file.strip_prefix(src).ok()?.components().next()?;
    let name = first.as_os_str().to_str()?.trim_end_matches(".rs");
    (name != "lib").then(|| name.to_owned())
}

/// The identifier at the start of `text`.
fn ident(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    &text[..end]
}

/// `text` without its comments (line, doc and block) and with its string literals emptied, so
/// that only code names modules.
fn code_only(text: &str) -> String {
    let mut code = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("//") {
            rest = &rest[rest.find('\n').unwrap_or(rest.len())..];
        } else if let Some(body) = rest.strip_prefix("/*") {
            rest = body.find("*/").map_or("", |end| &body[end + 2..]);
        } else if let Some(body) = rest.strip_prefix('"') {
            let mut escaped = false;
            let end = body.find(|c| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes
            });
            rest = end.map_or("", |end| &body[end + 1..]);
            code.push_str("\"\"");
        } else {
            code.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    code
}

/// The modules a source text names after `prefix` (`crate::`, `super::`): `<prefix><m>` or
/// `<prefix>{<m>, ...}`.
fn named_after(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices(prefix) {
        let rest = &text[at + prefix.len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group[..group.find('}').unwrap_or(group.len())]
                .split(',')
                .map(|part| ident(part.trim()))
                .collect(),
            None => vec![ident(rest)],
        };
        found.extend(names.into_iter().filter(|n| !n.is_empty()).map(str::to_owned));
    }
    found
}

/// The top-level modules a source text names through `crate::<m>`, `crate::{<m>, ...}` or the
/// crate root's re-export `crate::App`.
fn references(text: &str) -> BTreeSet<String> {
    let named = named_after(text, "crate::").into_iter();
    named.map(|name| if name == "App" { "app".to_owned() } else { name }).collect()
}

fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph = Graph::new();
    for file in files {
        let Some(module) = module_of(src, &file) else { continue };
        let text = code_only(&std::fs::read_to_string(&file).expect("readable source file"));
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(references(&text).into_iter().filter(|m| *m != module && !m.is_empty()));
    }
    graph
}

/// The graph of the store's sub-modules: `store/<m>.rs` and `store/<m>/...` are `<m>`; a file
/// one level down names a sibling as `super::<m>`, two levels down as `super::super::<m>`, and
/// any file as `crate::store::<m>`. Names that are not sub-modules (the store's root items,
/// such as `Store`) are left out.
fn store_graph(src: &Path) -> Graph {
    let store = src.join("store");
    let mut files = Vec::new();
    rust_files(&store, &mut files);
    let module = |file: &Path| module_of(&store, file).filter(|m| m != "mod");
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module(f)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let Some(from) = module(file) else { continue };
        let text = code_only(&std::fs::read_to_string(file).expect("readable source file"));
        let depth = file.strip_prefix(&store).map(|p| p.components().count()).unwrap_or(1);
        let siblings = if depth == 1 { "super::" } else { "super::super::" };
        let named = named_after(&text, siblings).into_iter().chain(named_after(&text, "crate::store::"));
        let edges = graph.entry(from.clone()).or_default();
        edges.extend(named.filter(|m| *m != from && modules.contains(m)));
    }
    graph
}

/// A cycle of the graph as `a -> b -> a`, if there is one.
fn find_cycle(graph: &Graph) -> Option<String> {
    fn visit<'a>(
        node: &'a str,
        graph: &'a Graph,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<String> {
        if let Some(start) = path.iter().position(|n| *n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node);
            return Some(cycle.join(" -> "));
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(name, _)| *name == module).map(|(_, layer)| *layer)
}

#[test]
fn the_references_between_top_level_modules_are_read_from_use_and_paths() {
    let text = "use crate::store::Store;\nuse crate::{invites, App};\nlet x = crate::quota::reserve(q);";
    let expected: BTreeSet<String> = ["store", "invites", "app", "quota"].map(String::from).into();
    assert_eq!(references(text), expected);
}

#[test]
fn comments_and_string_literals_name_no_module() {
    let text = "/// uses crate::http\n// crate::app\n/* crate::handlers */ let u = \"crate::sweep \\\" crate::notify\"; crate::store::x";
    assert_eq!(references(&code_only(text)), BTreeSet::from(["store".to_owned()]));
}

#[test]
fn a_cycle_between_modules_is_found_and_named() {
    let graph: Graph = [("app", "http"), ("http", "app"), ("domain", "")]
        .into_iter()
        .map(|(from, to)| (from.to_owned(), [to.to_owned()].into_iter().filter(|t| !t.is_empty()).collect()))
        .collect();
    assert_eq!(find_cycle(&graph).as_deref(), Some("app -> http -> app"));
}

#[test]
fn the_modules_of_the_crate_form_no_cycle() {
    let graph = graph(&src_dir());
    assert_eq!(find_cycle(&graph), None, "module cycle in shared/src; edges: {graph:?}");
}

#[test]
fn every_module_uses_only_its_own_layer_or_lower_ones() {
    let graph = graph(&src_dir());
    let mut wrong = Vec::new();
    for (from, targets) in &graph {
        let Some(own) = layer(from) else {
            wrong.push(format!("{from} has no layer in LAYERS"));
            continue;
        };
        for to in targets {
            match layer(to) {
                Some(theirs) if theirs <= own => {}
                Some(theirs) => wrong.push(format!("{from} (layer {own}) uses {to} (layer {theirs})")),
                None => wrong.push(format!("{from} uses {to}, which has no layer in LAYERS")),
            }
        }
    }
    assert!(wrong.is_empty(), "references pointing up a layer:\n{}", wrong.join("\n"));
}

#[test]
fn the_http_adapter_uses_no_service_and_no_wiring() {
    let graph = graph(&src_dir());
    let beyond: Vec<&String> = graph["http"]
        .iter()
        .filter(|to| layer(to).is_none_or(|theirs| theirs > layer("store").unwrap()))
        .collect();
    assert!(
        beyond.is_empty(),
        "http uses {beyond:?}; it may use only the domain, the store and the utilities"
    );
}

#[test]
fn the_stores_sub_modules_form_no_cycle() {
    let graph = store_graph(&src_dir());
    assert!(graph.contains_key("items") && graph.contains_key("tx"), "read store/: {graph:?}");
    assert_eq!(find_cycle(&graph), None, "module cycle in shared/src/store; edges: {graph:?}");
}
