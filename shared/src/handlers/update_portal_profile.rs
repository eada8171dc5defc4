//! PATCH /portal/me (JSON merge patch): a portal user changes its own names, job title,
//! phones and address; any other field is 422 (portal pool tokens only).

use lambda_http::{Body, Error, Request, Response};

use crate::domain::portal::self_service_patch;
use crate::http::request::{if_match, json_object};
use crate::http::{response, serve, Call, HttpResult};
use crate::portal::profile::{self, Me};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::UPDATE_PORTAL_PROFILE.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let who = call.portal()?;
    let (store, clock) = (&call.app.store, call.app.clock.as_ref());
    let me = Me { store, clock, tenant: &who.tenant, client: who.client, contact: who.contact };
    // Access first: a contact that lost it learns nothing, not even which fields it may change.
    let (checked, client_name) = me.open().await?;
    let patch = self_service_patch(json_object(&call.req)?, call.app.phone_region)?;
    let expected = if_match(&call.req)?;
    let contact = me.update(checked, expected, patch, &call.stamp()).await?;
    let body = profile::profile(&contact, &client_name)?.to_string();
    response::with_body(200, body, Some(&contact.audit.etag()), None)
}
