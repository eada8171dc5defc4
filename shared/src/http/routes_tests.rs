use super::*;

fn found(method: &str, path: &str) -> Option<&'static str> {
    match route(method, path) {
        Match::Found(r) => Some(r.function),
        _ => None,
    }
}

/// A concrete path for a template: each `{param}` replaced by `value`.
fn fill(template: &str, value: &str) -> String {
    segments(template)
        .map(|s| if param_name(s).is_some() { value } else { s })
        .fold(String::new(), |p, s| p + "/" + s)
}

#[test]
fn every_route_matches_its_own_template_with_any_parameter_values() {
    for r in ALL {
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
fn the_route_key_is_method_and_template() {
    assert_eq!(GET_CONTACT.key(), "GET /clients/{clientId}/contacts/{contactId}");
}

#[test]
fn captures_name_each_parameter_segment_as_it_came() {
    let captured: Vec<_> = captures(GET_CONTACT.template, "/clients/C%201/contacts/K2").collect();
    assert_eq!(captured, vec![("clientId", "C%201"), ("contactId", "K2")]);
    assert_eq!(captures(LIST_CLIENTS.template, "/clients").count(), 0);
}

#[test]
fn parameters_come_from_the_tail_of_a_raw_path() {
    let params = GET_CONTACT.match_path("/lambda-url/get-contact/clients/C1/contacts/K2").unwrap();
    assert_eq!(params, vec![("clientId", "C1".to_owned()), ("contactId", "K2".to_owned())]);
    assert_eq!(GET_CLIENT.match_path("/prod/clients/C%31").unwrap(), vec![("clientId", "C1".to_owned())]);
}

#[test]
fn a_path_of_another_shape_does_not_match() {
    assert!(GET_CONTACT.match_path("/clients/C1").is_none());
    assert!(GET_CONTACT.match_path("/clients/C1/notes/K2").is_none());
    assert!(GET_CLIENT.match_path("/clients/%zz").is_none());
}

#[test]
fn strict_decoding_refuses_malformed_escapes_and_non_utf8() {
    assert_eq!(percent_decode("a%20b%C3%B6").as_deref(), Some("a bö"));
    assert_eq!(percent_decode("%zz"), None);
    assert_eq!(percent_decode("a%2"), None);
    assert_eq!(percent_decode("%C3%28"), None);
}

#[test]
fn lossy_decoding_keeps_malformed_escapes_and_replaces_non_utf8() {
    assert_eq!(percent_decode_lossy("a%20b+c"), "a b+c");
    assert_eq!(percent_decode_lossy("100%"), "100%");
    assert_eq!(percent_decode_lossy("%zz%41"), "%zzA");
    assert_eq!(percent_decode_lossy("%C3%28"), "\u{FFFD}(");
}

#[test]
fn route_templates_are_unique() {
    let mut seen = std::collections::HashSet::new();
    for r in ALL {
        assert!(seen.insert((r.method, r.template)), "{} {}", r.method, r.template);
    }
}
