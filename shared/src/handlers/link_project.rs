//! PUT /clients/{clientId}/contacts/{contactId}/projects/{projectId}

use lambda_http::{Body, Error, Request, Response};

use crate::http::response::json;
use crate::http::{serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::LINK_PROJECT.route, run).await
}

/// Idempotent: linking again answers the link as it was first made.
async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (client, contact, project) = (call.client_id()?, call.contact_id()?, call.project_id()?);
    let link = call.app.store.link_project(call.tenant()?, client, contact, &project, &call.stamp()).await?;
    json(200, &link)
}
