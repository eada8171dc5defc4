//! The HTTP adapter: turns API Gateway requests into domain calls and results into responses.

pub mod cursor;
pub mod error;
pub mod identity;
pub mod operation;
pub mod problem;
pub mod request;
pub mod response;
pub mod routes;

use std::future::Future;
use std::time::Instant;

use lambda_http::{Body, Request, RequestExt, Response};
use tracing::{info, info_span, warn, Instrument};

use crate::domain::dates::{format_timestamp, Clock};
use crate::domain::project::PROJECT_ID_RULE;
use crate::domain::{ClientId, ContactId, DomainError, DomainResult, NoteId, ProjectId, Stamp, TenantId};
pub use error::{AccessError, HttpError, HttpResult, RequestError};
use identity::{Authenticator, Identity, PortalIdentity};
use routes::{Access, Route};

/// What the adapter needs from the wiring a handler runs with: who may call, and the time.
pub trait Context {
    fn authenticator(&self) -> &Authenticator;
    fn clock(&self) -> &dyn Clock;
    /// The deployment's portal URL (`PORTAL_URL`), empty when the stack's own pages are meant.
    fn configured_portal_url(&self) -> &str;
}

/// One request on its way through a handler, with the handler's wiring `app` and its caller:
/// a staff `identity` on staff routes, a `portal` user on portal routes, neither on public ones.
pub struct Call<'a, A> {
    pub app: &'a A,
    pub identity: Option<Identity>,
    pub portal: Option<PortalIdentity>,
    pub req: Request,
    pub route: Route,
}

impl<A: Context> Call<'_, A> {
    pub fn client_id(&self) -> DomainResult<ClientId> {
        self.param("clientId").and_then(|id| ClientId::parse(&id)).ok_or(DomainError::NotFound("client"))
    }

    pub fn contact_id(&self) -> DomainResult<ContactId> {
        self.param("contactId").and_then(|id| ContactId::parse(&id)).ok_or(DomainError::NotFound("contact"))
    }

    pub fn note_id(&self) -> DomainResult<NoteId> {
        self.param("noteId").and_then(|id| NoteId::parse(&id)).ok_or(DomainError::NotFound("note"))
    }

    pub fn tag_id(&self) -> DomainResult<crate::domain::TagId> {
        self.param("tagId")
            .and_then(|id| crate::domain::TagId::parse(&id))
            .ok_or(DomainError::NotFound("tag"))
    }

    /// The `{projectId}` of the path. Projects belong to another module, so a project id is not
    /// looked up, only checked to be one (400 otherwise).
    pub fn project_id(&self) -> HttpResult<ProjectId> {
        let id = self.param("projectId").and_then(|id| ProjectId::parse(&id));
        id.ok_or_else(|| RequestError::BadRequest(PROJECT_ID_RULE.to_owned()).into())
    }

    /// The value of `{name}` in the request's path: from API Gateway's `pathParameters` or, when
    /// absent (a raw invocation passes the path without them), from the path's tail.
    pub fn param(&self, name: &str) -> Option<String> {
        if let Some(value) = self.req.path_parameters_ref().and_then(|p| p.first(name)) {
            return Some(value.to_owned());
        }
        let params = self.route.match_path(self.req.uri().path())?;
        params.into_iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// The caller's identity; routes that are not public always have one.
    pub fn identity(&self) -> Result<&Identity, AccessError> {
        self.identity.as_ref().ok_or(AccessError::Unauthenticated("no identity"))
    }

    pub fn tenant(&self) -> Result<&TenantId, AccessError> {
        Ok(&self.identity()?.tenant)
    }

    /// The portal user calling; portal routes always have one.
    pub fn portal(&self) -> Result<&PortalIdentity, AccessError> {
        self.portal.as_ref().ok_or(AccessError::Unauthenticated("no portal identity"))
    }

    pub fn stamp(&self) -> Stamp {
        let user = self.identity.as_ref().map(|i| &i.user).or(self.portal.as_ref().map(|p| &p.user));
        let by = user.map(|u| u.as_str().to_owned()).unwrap_or_default();
        Stamp { at: format_timestamp(self.app.clock().now()), by }
    }

    /// Where the links in this request's emails lead: the deployment's PORTAL_URL, or, where that
    /// is empty (template.yaml's PortalUrl left empty), the portal pages this stack serves under
    /// `/portal` on the domain API Gateway received the request on.
    pub fn portal_url(&self) -> String {
        let configured = self.app.configured_portal_url();
        if !configured.is_empty() {
            return configured.to_owned();
        }
        match self.req.request_context_ref() {
            Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) => {
                c.domain_name.as_deref().map(|domain| format!("https://{domain}/portal")).unwrap_or_default()
            }
            #[allow(unreachable_patterns)]
            _ => String::new(),
        }
    }

    pub(crate) fn now_epoch(&self) -> i64 {
        self.app.clock().now().unix_timestamp()
    }
}

/// The Lambda invocation's request id; without a Lambda context (requests driven in-process),
/// the API Gateway request id.
pub fn request_id(req: &Request) -> String {
    if let Some(context) = req.lambda_context_ref() {
        return context.request_id.clone();
    }
    match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) => {
            c.request_id.clone().unwrap_or_default()
        }
        #[allow(unreachable_patterns)]
        _ => String::new(),
    }
}

/// The request's X-Ray trace header: the Lambda context's, else the one API Gateway adds to
/// the request (also there when requests are driven in-process).
fn trace_header(req: &Request) -> Option<String> {
    req.lambda_context_ref()
        .and_then(|c| c.xray_trace_id.clone())
        .or_else(|| req.headers().get("x-amzn-trace-id")?.to_str().ok().map(str::to_owned))
}

/// The problem response to a failed request, logged: an internal error with everything that
/// caused it (its one log line), a refusal with its problem code.
fn refuse(err: &HttpError) -> Response<Body> {
    let problem = problem::describe(err);
    match err {
        HttpError::Service(e) if e.is_internal() => {
            warn!(error = %crate::telemetry::chain(err), "request failed")
        }
        _ => info!(problem = problem.code, "request refused"),
    }
    problem.response()
}

/// Who calls a route with `access`: a staff user of the role it needs, a portal user, or
/// nobody on a public route. Each kind of route takes only its own kind of token.
fn caller(
    auth: &Authenticator,
    req: &Request,
    access: Access,
) -> HttpResult<(Option<Identity>, Option<PortalIdentity>)> {
    let tenant = |t: &TenantId| {
        tracing::Span::current().record("tenant", t.as_str());
    };
    match access {
        Access::Public => Ok((None, None)),
        Access::Portal => {
            let portal = auth.authenticate_portal(req)?;
            tenant(&portal.tenant);
            Ok((None, Some(portal)))
        }
        Access::Read | Access::Write | Access::Admin => {
            let identity = auth.authenticate_staff(req)?;
            tenant(&identity.tenant);
            identity.require(access)?;
            Ok((Some(identity), None))
        }
    }
}

/// Authenticates, checks the role the route needs, runs `handler` and maps any error to a
/// problem response. Logs one line per request with its outcome.
pub async fn serve<'a, A, F, Fut>(
    app: &'a A,
    req: Request,
    route: Route,
    handler: F,
) -> Result<Response<Body>, lambda_http::Error>
where
    A: Context,
    F: FnOnce(Call<'a, A>) -> Fut,
    Fut: Future<Output = HttpResult<Response<Body>>> + 'a,
{
    let span = info_span!(
        "request",
        request_id = %request_id(&req),
        trace_id = %crate::telemetry::trace_id(trace_header(&req).as_deref()),
        route = %route.template,
        method = route.method,
        // Unknown until the caller is authenticated (or, on the public route, the invitation
        // is found); `-` on lines before that.
        tenant = "-"
    );
    async move {
        let started = Instant::now();
        let result = async {
            let (identity, portal) = caller(app.authenticator(), &req, route.access)?;
            // Boxed so that each operation's future is laid out on its own, not nested in this
            // one (the nesting overflowed the compiler's query depth for the deepest operations).
            Box::pin(handler(Call { app, identity, portal, req, route })).await
        }
        .await;
        let response = result.unwrap_or_else(|err| refuse(&err));
        info!(
            status = response.status().as_u16(),
            elapsed_us = started.elapsed().as_micros() as u64,
            "request done"
        );
        Ok(response)
    }
    .instrument(span)
    .await
}
