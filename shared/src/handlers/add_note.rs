//! POST /clients/{clientId}/contacts/{contactId}/notes

use lambda_http::{Body, Error, Request, Response};

use crate::domain::note::{Note, NotePatch};
use crate::http::request::json_object;
use crate::http::{response, serve, Call, HttpError, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::ADD_NOTE.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (client, contact) = (call.client_id()?, call.contact_id()?);
    let patch = NotePatch::parse(json_object(&call.req)?, true)?;
    let note = Note::create((client, contact), patch, call.app.clock.now(), &call.stamp())?;
    call.app.store.add_note(call.tenant()?, &note).await?;
    let body = serde_json::to_string(&note).map_err(HttpError::internal)?;
    let location = format!("/clients/{client}/contacts/{contact}/notes/{}", note.id);
    response::with_body(201, body, Some(&note.etag()), Some(&location))
}
