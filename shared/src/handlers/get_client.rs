//! GET /clients/{clientId}

use lambda_http::{Body, Error, Request, Response};

use crate::http::{response, serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::GET_CLIENT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let client = call.app.store.get_client(call.tenant()?, call.client_id()?).await?;
    let body = serde_json::to_string(&client).map_err(crate::http::HttpError::internal)?;
    response::with_body(200, body, Some(&client.audit.etag()), None)
}
