//! GET /clients/{clientId}/contacts/{contactId}

use lambda_http::{Body, Error, Request, Response};

use crate::http::{response, serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::GET_CONTACT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let contact = call.app.store.get_contact(call.tenant()?, call.client_id()?, call.contact_id()?).await?;
    let contact = super::custom::shown_one(&call, contact).await?;
    let body = serde_json::to_string(&contact).map_err(crate::http::HttpError::internal)?;
    response::with_body(200, body, Some(&contact.audit.etag()), None)
}
