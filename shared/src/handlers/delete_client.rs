//! DELETE /clients/{clientId}: only a client without contacts (409 otherwise).

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::if_match;
use crate::http::{response, serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::DELETE_CLIENT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let id = call.client_id()?;
    call.app.store.delete_client(call.tenant()?, id, if_match(&call.req)?, &call.stamp()).await?;
    response::no_content()
}
