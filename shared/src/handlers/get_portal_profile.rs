//! GET /portal/me: a portal user's own profile (portal pool tokens only).

use lambda_http::{Body, Error, Request, Response};

use crate::http::{response, serve, Call, HttpResult};
use crate::portal::profile::{self, Me};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::GET_PORTAL_PROFILE.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let who = call.portal()?;
    let (store, clock) = (&call.app.store, call.app.clock.as_ref());
    let me = Me { store, clock, tenant: &who.tenant, client: who.client, contact: who.contact };
    let (contact, client_name) = me.open().await?;
    let body = profile::profile(&contact, &client_name)?.to_string();
    response::with_body(200, body, Some(&contact.audit.etag()), None)
}
