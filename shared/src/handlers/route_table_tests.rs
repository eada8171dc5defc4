//! The service's route table (`ROUTES`) as API Gateway matches it.

use super::*;
use crate::http::routes::Match;

fn found(method: &str, path: &str) -> Option<&'static str> {
    match route(method, path) {
        Match::Found(r) => Some(r.function),
        _ => None,
    }
}

/// A concrete path for a template: each `{param}` replaced by `value`.
fn fill(template: &str, value: &str) -> String {
    template.split('/').map(|s| if s.starts_with('{') { value } else { s }).collect::<Vec<_>>().join("/")
}

#[test]
fn every_route_matches_its_own_template_with_any_parameter_values() {
    for r in ROUTES {
        for value in ["01JDEM0", "a%20b", "import", "%zz"] {
            let path = fill(r.template, value);
            assert_eq!(route(r.method, &path), Match::Found(r), "{} {path}", r.method);
        }
    }
}

#[test]
fn a_literal_segment_wins_over_a_parameter() {
    assert_eq!(found("POST", "/clients/import"), Some("import-clients"));
    assert_eq!(found("POST", "/clients/C1/contacts/import"), Some("import-contacts"));
}

#[test]
fn a_literal_of_another_method_is_a_parameter() {
    // No GET on the import routes: there `import` is an id, as API Gateway routes it.
    assert_eq!(found("GET", "/clients/import"), Some("get-client"));
    assert_eq!(found("GET", "/clients/C1/contacts/import"), Some("get-contact"));
    assert_eq!(found("DELETE", "/clients/C1/contacts/import"), Some("delete-contact"));
}

#[test]
fn unknown_paths_are_not_found() {
    for path in [
        "/",
        "",
        "/client",
        "/clients/",
        "/clients//contacts",
        "/clients/C1/contacts/K1/invite/x",
        "/invites",
    ] {
        assert_eq!(route("GET", path), Match::NotFound, "{path:?}");
    }
}

#[test]
fn a_known_path_with_another_method_is_method_not_allowed() {
    assert_eq!(route("PUT", "/clients/C1"), Match::MethodNotAllowed(vec!["DELETE", "GET", "PATCH"]));
    assert_eq!(route("GET", "/invites/accept"), Match::MethodNotAllowed(vec!["POST"]));
    assert_eq!(route("DELETE", "/clients"), Match::MethodNotAllowed(vec!["GET", "POST"]));
    // Method names are case-sensitive in HTTP.
    assert_eq!(route("get", "/clients"), Match::MethodNotAllowed(vec!["GET", "POST"]));
}

#[test]
fn route_templates_are_unique() {
    let mut seen = std::collections::HashSet::new();
    for r in ROUTES {
        assert!(seen.insert((r.method, r.template)), "{} {}", r.method, r.template);
    }
}
