//! PATCH /clients/{clientId}/contacts/{contactId}/notes/{noteId} (JSON merge patch)

use lambda_http::{Body, Error, Request, Response};

use crate::domain::note::NotePatch;
use crate::http::request::json_object;
use crate::http::{response, serve, Call, HttpError, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::UPDATE_NOTE.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let patch = NotePatch::parse(json_object(&call.req)?, false)?;
    let note = super::note_change(&call)?.update(patch, &call.stamp()).await?;
    let body = serde_json::to_string(&note).map_err(HttpError::internal)?;
    response::with_body(200, body, Some(&note.etag()), None)
}
