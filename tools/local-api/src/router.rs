//! Matches a request's method and path against the template's routes with the service's one
//! matcher (`shared::http::routes::find`), as API Gateway's HTTP API does: a `{param}` segment
//! matches any one non-empty segment, literal segments must be equal, and where two templates
//! match the one with a literal segment earlier wins (`/clients/import` over
//! `/clients/{clientId}`).

use shared::http::routes::{self, RouteShape};

use crate::template::TemplateRoute;

pub type Match<'a> = routes::Match<'a, TemplateRoute>;

pub struct Router {
    routes: Vec<TemplateRoute>,
}

impl RouteShape for TemplateRoute {
    fn method(&self) -> &str {
        &self.method
    }

    fn template(&self) -> &str {
        &self.path
    }
}

impl Router {
    pub fn new(routes: Vec<TemplateRoute>) -> Self {
        Self { routes }
    }

    pub fn routes(&self) -> impl Iterator<Item = &TemplateRoute> {
        self.routes.iter()
    }

    /// The route for `method` and `path` (the raw path, without the query).
    pub fn route(&self, method: &str, path: &str) -> Match<'_> {
        routes::find(&self.routes, method, path)
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

    /// A route of template.yaml: every one but the public one is behind the staff authorizer.
    fn route(method: &str, path: &str, function: &str) -> TemplateRoute {
        TemplateRoute {
            method: method.into(),
            path: path.into(),
            function: function.into(),
            authorizer: (function != "accept-invite").then(|| "StaffJwt".to_owned()),
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
    fn fill_replaces_each_parameter() {
        assert_eq!(
            fill("/clients/{clientId}/contacts/{contactId}", |n| n.to_uppercase()),
            "/clients/CLIENTID/contacts/CONTACTID"
        );
    }
}
