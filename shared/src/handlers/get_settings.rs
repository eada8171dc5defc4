//! GET /settings

use lambda_http::{Body, Error, Request, Response};

use crate::http::{response, serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::GET_SETTINGS.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let stored = call.app.store.get_settings(call.tenant()?).await?;
    let body = serde_json::to_string(&stored.view(&call.app.mailing().fallbacks()))
        .map_err(crate::http::HttpError::internal)?;
    response::with_body(200, body, Some(&stored.etag()), None)
}
