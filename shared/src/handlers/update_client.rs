//! PATCH /clients/{clientId} (JSON merge patch)

use lambda_http::{Body, Error, Request, Response};

use crate::domain::ClientPatch;
use crate::http::request::{if_match, json_object};
use crate::http::{response, serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::UPDATE_CLIENT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let id = call.client_id()?;
    let patch = ClientPatch::parse(json_object(&call.req)?, call.app.phone_region, false)?;
    let expected = if_match(&call.req)?;
    let client = call.app.store.update_client(call.tenant()?, id, expected, patch, &call.stamp()).await?;
    let body = serde_json::to_string(&client).map_err(crate::http::HttpError::internal)?;
    response::with_body(200, body, Some(&client.audit.etag()), None)
}
