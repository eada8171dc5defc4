//! PUT /clients/{clientId}/contacts/{contactId}/tags/{tagId}  (idempotent)

use lambda_http::{Body, Error, Request, Response};

use crate::http::{response, serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::TAG_CONTACT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (contact, tag) = ((call.client_id()?, call.contact_id()?), call.tag_id()?);
    call.app.store.tag_contact(call.tenant()?, contact, tag, &call.stamp()).await?;
    response::no_content()
}
