//! Matches a request's method and path against the template's routes, as API Gateway's HTTP
//! API does: a `{param}` segment matches any one non-empty segment, literal segments must be
//! equal, and where two templates match the one with a literal segment earlier wins
//! (`/clients/import` over `/clients/{clientId}`).

use crate::template::TemplateRoute;

#[derive(Debug, PartialEq, Eq)]
pub enum Match<'a> {
    Found(&'a TemplateRoute),
    /// The path exists under other methods (sorted, for an `Allow` header).
    MethodNotAllowed(Vec<&'a str>),
    NotFound,
}

pub struct Router {
    routes: Vec<(TemplateRoute, Vec<Segment>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

fn segments(path: &str) -> Vec<&str> {
    // A leading slash starts every path; everything after it, empty segments too, counts.
    path.strip_prefix('/').unwrap_or(path).split('/').collect()
}

impl Router {
    pub fn new(routes: Vec<TemplateRoute>) -> Self {
        let routes = routes
            .into_iter()
            .map(|r| {
                let parsed = segments(&r.path)
                    .into_iter()
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Param
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect();
                (r, parsed)
            })
            .collect();
        Self { routes }
    }

    pub fn routes(&self) -> impl Iterator<Item = &TemplateRoute> {
        self.routes.iter().map(|(r, _)| r)
    }

    /// The route for `method` and `path` (the raw path, without the query).
    pub fn route(&self, method: &str, path: &str) -> Match<'_> {
        let wanted = segments(path);
        let shape_matches = |template: &[Segment]| {
            template.len() == wanted.len()
                && template.iter().zip(&wanted).all(|(t, s)| match t {
                    Segment::Param => !s.is_empty(),
                    Segment::Literal(l) => l == s,
                })
        };
        let candidates: Vec<&(TemplateRoute, Vec<Segment>)> =
            self.routes.iter().filter(|(_, t)| shape_matches(t)).collect();
        let best = candidates
            .iter()
            .filter(|(r, _)| r.method == method)
            // Literal before parameter, segment by segment from the left.
            .max_by_key(|(_, t)| t.iter().map(|s| matches!(s, Segment::Literal(_))).collect::<Vec<_>>());
        match best {
            Some((route, _)) => Match::Found(route),
            None if candidates.is_empty() => Match::NotFound,
            None => {
                let mut allowed: Vec<&str> = candidates.iter().map(|(r, _)| r.method.as_str()).collect();
                allowed.sort_unstable();
                allowed.dedup();
                Match::MethodNotAllowed(allowed)
            }
        }
    }
}

/// A concrete path for a route template: each `{param}` replaced by `value(param)`.
pub fn fill(template: &str, value: impl Fn(&str) -> String) -> String {
    template
        .split('/')
        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => value(name),
            None => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;

    fn router() -> Router {
        Router::new(Template::of_repo().routes().unwrap())
    }

    fn route(method: &str, path: &str, function: &str) -> TemplateRoute {
        TemplateRoute {
            method: method.into(),
            path: path.into(),
            function: function.into(),
            authorizer: None,
        }
    }

    #[test]
    fn every_template_route_routes_to_its_own_function() {
        let router = router();
        let routes: Vec<TemplateRoute> = router.routes().cloned().collect();
        assert!(routes.len() >= 15, "template.yaml has the service's routes");
        for r in &routes {
            let path = fill(&r.path, |name| format!("01JDEM0{}", name.len()));
            assert_eq!(router.route(&r.method, &path), Match::Found(r), "{} {path}", r.method);
            // Percent-encoded parameters and parameters that look like literals route the same.
            let encoded = fill(&r.path, |_| "a%20b".into());
            assert_eq!(router.route(&r.method, &encoded), Match::Found(r), "{} {encoded}", r.method);
        }
    }

    #[test]
    fn a_literal_segment_wins_over_a_parameter() {
        let router = router();
        assert_eq!(
            router.route("POST", "/clients/import"),
            Match::Found(&route("POST", "/clients/import", "import-clients"))
        );
        assert_eq!(
            router.route("POST", "/clients/C1/contacts/import"),
            Match::Found(&route("POST", "/clients/{clientId}/contacts/import", "import-contacts"))
        );
        // No GET on /clients/import: it is a client id there, as API Gateway routes it.
        assert_eq!(
            router.route("GET", "/clients/import"),
            Match::Found(&route("GET", "/clients/{clientId}", "get-client"))
        );
    }

    #[test]
    fn unknown_paths_are_not_found() {
        let router = router();
        for path in [
            "/",
            "",
            "/client",
            "/clients/",
            "/clients//contacts",
            "/clients/C1/contacts/K1/invite/x",
            "/invites",
        ] {
            assert_eq!(router.route("GET", path), Match::NotFound, "{path:?}");
        }
    }

    #[test]
    fn a_known_path_with_another_method_is_method_not_allowed() {
        let router = router();
        assert_eq!(
            router.route("PUT", "/clients/C1"),
            Match::MethodNotAllowed(vec!["DELETE", "GET", "PATCH"])
        );
        assert_eq!(router.route("GET", "/invites/accept"), Match::MethodNotAllowed(vec!["POST"]));
        assert_eq!(router.route("DELETE", "/clients"), Match::MethodNotAllowed(vec!["GET", "POST"]));
        // Method names are case-sensitive in HTTP.
        assert_eq!(router.route("get", "/clients"), Match::MethodNotAllowed(vec!["GET", "POST"]));
    }

    #[test]
    fn fill_replaces_each_parameter() {
        assert_eq!(
            fill("/clients/{clientId}/contacts/{contactId}", |n| n.to_uppercase()),
            "/clients/CLIENTID/contacts/CONTACTID"
        );
    }
}
