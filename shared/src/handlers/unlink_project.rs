//! DELETE /clients/{clientId}/contacts/{contactId}/projects/{projectId}

use lambda_http::{Body, Error, Request, Response};

use crate::http::{response, serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::UNLINK_PROJECT.route, run).await
}

/// Idempotent: unlinking a project the contact is not linked to is done already.
async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (client, contact, project) = (call.client_id()?, call.contact_id()?, call.project_id()?);
    call.app.store.unlink_project(call.tenant()?, client, contact, &project).await?;
    response::no_content()
}
