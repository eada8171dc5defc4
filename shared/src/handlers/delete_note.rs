//! DELETE /clients/{clientId}/contacts/{contactId}/notes/{noteId}

use lambda_http::{Body, Error, Request, Response};

use crate::http::{response, serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::DELETE_NOTE.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    super::note_change(&call)?.delete().await?;
    response::no_content()
}
