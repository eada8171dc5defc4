//! GET /clients/{clientId}/contacts/{contactId}/projects

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::Query;
use crate::http::response::{json, ListBody};
use crate::http::{serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::LIST_CONTACT_PROJECTS.route, run).await
}

/// Every link on one page: a contact has at most `MAX_PROJECTS`, so there is never a next one.
async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    Query::parse(&call.req, &[])?;
    let (client, contact) = (call.client_id()?, call.contact_id()?);
    let items = call.app.store.contact_projects(call.tenant()?, client, contact).await?;
    json(200, &ListBody { items, next_cursor: None })
}
