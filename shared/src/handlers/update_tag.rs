//! PATCH /tags/{tagId}  (JSON merge patch: a rename touches the tag alone, no contact)

use lambda_http::{Body, Error, Request, Response};

use crate::domain::tag::TagPatch;
use crate::http::request::{if_match, json_object};
use crate::http::{response, serve, Call, HttpError, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::UPDATE_TAG.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let patch = TagPatch::parse(json_object(&call.req)?, false)?;
    let target = (call.tag_id()?, if_match(&call.req)?);
    let tag = crate::tags::update(&call.app.store, call.tenant()?, target, patch, &call.stamp()).await?;
    let body = serde_json::to_string(&tag).map_err(HttpError::internal)?;
    response::with_body(200, body, Some(&tag.etag()), None)
}
