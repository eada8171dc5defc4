//! PATCH /settings (JSON merge patch; `null` returns a setting to the deployment's default)

use lambda_http::{Body, Error, Request, Response};

use crate::domain::settings::SettingsPatch;
use crate::http::request::{if_match, json_object};
use crate::http::{response, serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::UPDATE_SETTINGS.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let patch = SettingsPatch::parse(json_object(&call.req)?)?;
    let expected = if_match(&call.req)?;
    let stored =
        crate::settings::update(&call.app.store, call.tenant()?, expected, patch, &call.stamp()).await?;
    let body = serde_json::to_string(&stored.view(&call.app.mailing().fallbacks()))
        .map_err(crate::http::HttpError::internal)?;
    response::with_body(200, body, Some(&stored.etag()), None)
}
