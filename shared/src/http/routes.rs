//! The HTTP routes of the service, as in template.yaml. Handlers take their path parameters
//! from API Gateway's `pathParameters` or, when absent (cargo lambda watch passes the raw path
//! without them), by matching the path's tail against the route template.

use lambda_http::{Request, RequestExt};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No identity: the request carries its own credential (an invitation token).
    Public,
    /// Any authenticated user of the tenant.
    Read,
    /// Administrators and holders of `manage_all_clients`.
    Write,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub template: &'static str,
    /// The function (crate and template resource) that serves the route.
    pub function: &'static str,
    pub access: Access,
}

macro_rules! routes {
    ($($name:ident = $method:literal $template:literal => $function:literal, $access:ident;)+) => {
        $(pub const $name: Route = Route { method: $method, template: $template, function: $function, access: Access::$access };)+
        pub const ALL: &[Route] = &[$($name),+];
    };
}

routes! {
    CREATE_CLIENT = "POST" "/clients" => "create-client", Write;
    LIST_CLIENTS = "GET" "/clients" => "list-clients", Read;
    GET_CLIENT = "GET" "/clients/{clientId}" => "get-client", Read;
    UPDATE_CLIENT = "PATCH" "/clients/{clientId}" => "update-client", Write;
    DELETE_CLIENT = "DELETE" "/clients/{clientId}" => "delete-client", Write;
    ADD_CONTACT = "POST" "/clients/{clientId}/contacts" => "add-contact", Write;
    LIST_CONTACTS = "GET" "/clients/{clientId}/contacts" => "list-contacts", Read;
    GET_CONTACT = "GET" "/clients/{clientId}/contacts/{contactId}" => "get-contact", Read;
    UPDATE_CONTACT = "PATCH" "/clients/{clientId}/contacts/{contactId}" => "update-contact", Write;
    DELETE_CONTACT = "DELETE" "/clients/{clientId}/contacts/{contactId}" => "delete-contact", Write;
    INVITE_CONTACT = "POST" "/clients/{clientId}/contacts/{contactId}/invite" => "invite-contact", Write;
    ACCEPT_INVITE = "POST" "/invites/accept" => "accept-invite", Public;
    NOTIFY_CONTACTS = "POST" "/clients/{clientId}/notifications" => "notify-contacts", Write;
    IMPORT_CONTACTS = "POST" "/clients/{clientId}/contacts/import" => "import-contacts", Write;
    IMPORT_CLIENTS = "POST" "/clients/import" => "import-clients", Write;
}

impl Route {
    /// The value of `{name}` in this request's path.
    pub fn param(&self, req: &Request, name: &str) -> Option<String> {
        if let Some(value) = req.path_parameters_ref().and_then(|p| p.first(name)) {
            return Some(value.to_owned());
        }
        self.match_path(req.uri().path())
            .and_then(|params| params.into_iter().find(|(k, _)| *k == name).map(|(_, v)| v))
    }

    /// Matches the template against the end of `path` (a stage or `/lambda-url/<fn>` prefix may
    /// precede it) and returns the parameters.
    pub fn match_path(&self, path: &str) -> Option<Vec<(&'static str, String)>> {
        let template: Vec<&'static str> = self.template.split('/').filter(|s| !s.is_empty()).collect();
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if segments.len() < template.len() {
            return None;
        }
        let tail = &segments[segments.len() - template.len()..];
        let mut params = Vec::new();
        for (t, s) in template.iter().zip(tail) {
            match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                Some(name) => params.push((name, percent_decode(s)?)),
                None if t == s => {}
                None => return None,
            }
        }
        Some(params)
    }
}

/// A path segment percent-decoded, `None` when an escape is malformed or the result is not UTF-8.
pub fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn route_templates_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for r in ALL {
            assert!(seen.insert((r.method, r.template)), "{} {}", r.method, r.template);
        }
    }
}
