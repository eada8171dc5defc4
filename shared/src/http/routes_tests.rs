use super::*;

// Routes shaped like the service's, for the matcher alone (the service's own table is tested in
// `crate::handlers`).
const fn read(template: &'static str) -> Route {
    Route { method: "GET", template, function: "f", access: Access::Read }
}
const GET_CONTACT: Route = read("/clients/{clientId}/contacts/{contactId}");
const GET_CLIENT: Route = read("/clients/{clientId}");
const LIST_CLIENTS: Route = read("/clients");

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
