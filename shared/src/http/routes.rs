//! What a route is (method, path template, function, who may call it) and the one matcher that
//! picks a route for a request as API Gateway's HTTP API does. The service's routes are declared
//! with their operations in `crate::handlers`. No AWS types here: the local API, the tests'
//! dispatcher and the handlers all route with this module.

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No identity: the request carries its own credential (an invitation token).
    Public,
    /// Any authenticated user of the tenant.
    Read,
    /// Administrators and holders of `manage_all_clients`: clients and their contacts.
    Write,
    /// Administrators only (`global_admins`, `psa_admins`): what holds for the whole tenant.
    Admin,
    /// A client contact signed in to the portal pool, for its own contact only.
    Portal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub template: &'static str,
    /// The function (crate and template resource) that serves the route.
    pub function: &'static str,
    pub access: Access,
}

/// What the matcher needs of a route: its method and path template. The service's own table
/// and the local API's routes read from a template file both are one.
pub trait RouteShape {
    fn method(&self) -> &str;
    fn template(&self) -> &str;

    /// API Gateway's `routeKey`: `METHOD /template`.
    fn key(&self) -> String {
        format!("{} {}", self.method(), self.template())
    }
}

impl RouteShape for Route {
    fn method(&self) -> &str {
        self.method
    }

    fn template(&self) -> &str {
        self.template
    }
}

/// The route API Gateway picks for a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Match<'a, R> {
    Found(&'a R),
    /// The path exists under other methods (sorted, for an `Allow` header).
    MethodNotAllowed(Vec<&'a str>),
    NotFound,
}

/// Matches `method` and `path` against `routes` as API Gateway's HTTP API does: a `{param}`
/// segment matches any one non-empty segment, literal segments must be equal (methods too:
/// they are case-sensitive), and where two templates match the one with a literal segment
/// earlier wins (`/clients/import` over `/clients/{clientId}`). So
/// `GET /clients/C1/contacts/import` is `GET /clients/{clientId}/contacts/{contactId}` with
/// the contact id `import`: only `POST` has the literal route.
pub fn find<'a, R: RouteShape>(
    routes: impl IntoIterator<Item = &'a R>,
    method: &str,
    path: &str,
) -> Match<'a, R> {
    let candidates: Vec<&'a R> = routes.into_iter().filter(|r| fits(r.template(), path)).collect();
    let best = candidates
        .iter()
        .filter(|r| r.method() == method)
        // Literal before parameter, segment by segment from the left.
        .max_by_key(|r| segments(r.template()).map(|s| param_name(s).is_none()).collect::<Vec<_>>());
    match best {
        Some(route) => Match::Found(route),
        None if candidates.is_empty() => Match::NotFound,
        None => {
            let mut allowed: Vec<&'a str> = candidates.iter().map(|r| r.method()).collect();
            allowed.sort_unstable();
            allowed.dedup();
            Match::MethodNotAllowed(allowed)
        }
    }
}

/// The `{name}` segments of `template` in `path` (which matched it), as they came.
pub fn captures<'t, 'p>(template: &'t str, path: &'p str) -> impl Iterator<Item = (&'t str, &'p str)> {
    segments(template).zip(segments(path)).filter_map(|(t, segment)| Some((param_name(t)?, segment)))
}

/// A path's segments after its leading slash; empty ones count (`/clients/` has two).
fn segments(path: &str) -> std::str::Split<'_, char> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

fn param_name(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

/// Whether `path` has the template's segments: as many, literal ones equal, parameters
/// non-empty.
fn fits(template: &str, path: &str) -> bool {
    segments(template).count() == segments(path).count()
        && segments(template).zip(segments(path)).all(|(t, s)| match param_name(t) {
            Some(_) => !s.is_empty(),
            None => t == s,
        })
}

impl Route {
    /// Matches the template against the end of `path` (a stage or `/lambda-url/<fn>` prefix may
    /// precede it, as when a function is invoked with a raw path and no `pathParameters`) and
    /// returns the parameters, percent-decoded.
    pub fn match_path(&self, path: &str) -> Option<Vec<(&'static str, String)>> {
        let template: Vec<&'static str> = self.template.split('/').filter(|s| !s.is_empty()).collect();
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if segments.len() < template.len() {
            return None;
        }
        let tail = &segments[segments.len() - template.len()..];
        let mut params = Vec::new();
        for (t, s) in template.iter().zip(tail) {
            match param_name(t) {
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
    String::from_utf8(decode(segment, true)?).ok()
}

/// Text percent-decoded leniently, as API Gateway passes query parameters: a malformed escape
/// stays as it came and bytes that are not UTF-8 become U+FFFD.
pub fn percent_decode_lossy(text: &str) -> String {
    String::from_utf8_lossy(&decode(text, false).unwrap_or_default()).into_owned()
}

/// The bytes `text` escapes; `None` when `strict` and an escape is malformed.
fn decode(text: &str, strict: bool) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3).and_then(|hex| u8::from_str_radix(hex, 16).ok()))
            .flatten();
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None if strict && bytes[i] == b'%' => return None,
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
#[path = "routes_tests.rs"]
mod tests;
