//! POST /clients/{clientId}/contacts/{contactId}/restore

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::if_match;
use crate::http::{response, serve, Call, HttpError, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::RESTORE_CONTACT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (client, id) = (call.client_id()?, call.contact_id()?);
    let tenant = call.tenant()?;
    let restored = call.app.store.restore_contact(tenant, (client, id), if_match(&call.req)?, &call.stamp()).await?;
    let contact = super::custom::shown_one(&call, restored).await?;
    let etag = contact.audit.etag();
    let body = serde_json::to_string(&contact).map_err(HttpError::internal)?;
    response::with_body(200, body, Some(&etag), None)
}
