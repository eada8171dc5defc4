//! POST /tags  ({name, colour?}: a tag of the tenant)

use lambda_http::{Body, Error, Request, Response};

use crate::domain::tag::{Tag, TagPatch};
use crate::domain::TagId;
use crate::http::request::json_object;
use crate::http::{response, serve, Call, HttpError, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::CREATE_TAG.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let patch = TagPatch::parse(json_object(&call.req)?, true)?;
    let tag = Tag::create(TagId::generate(), patch, &call.stamp())?;
    call.app.store.create_tag(call.tenant()?, &tag).await?;
    let body = serde_json::to_string(&tag).map_err(HttpError::internal)?;
    response::with_body(201, body, Some(&tag.etag()), Some(&format!("/tags/{}", tag.id)))
}
