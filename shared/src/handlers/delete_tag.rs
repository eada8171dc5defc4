//! DELETE /tags/{tagId}  (204 once the tag is gone; 202 while contacts still carry it: the
//! next `DELETE` goes on)

use lambda_http::{Body, Error, Request, Response};
use serde_json::json;

use crate::http::response::{self, json};
use crate::http::{serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::DELETE_TAG.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let id = call.tag_id()?;
    match crate::tags::delete(&call.app.store, call.tenant()?, id).await? {
        None => response::no_content(),
        Some(removal) => json(202, &json!({ "id": id, "deleting": true, "removed": removal.removed })),
    }
}
