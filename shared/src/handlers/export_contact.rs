//! GET /clients/{clientId}/contacts/{contactId}/export

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::Query;
use crate::http::response::json;
use crate::http::{serve, Call, HttpResult};
use crate::{personal_data, App};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::EXPORT_CONTACT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    Query::parse(&call.req, &[])?;
    let ids = (call.client_id()?, call.contact_id()?);
    let app = call.app;
    let data = personal_data::gather(&app.store, &app.portal_users, call.tenant()?, ids, call.stamp().at).await?;
    json(200, &data)
}
