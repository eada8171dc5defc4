//! GET /exports/{exportId}  (a job's state and, once done, a link to its file)

use lambda_http::{Body, Error, Request, Response};

use crate::domain::{DomainError, ExportId};
use crate::exports;
use crate::http::request::Query;
use crate::http::response::json;
use crate::http::{serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::GET_EXPORT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    Query::parse(&call.req, &[])?;
    let id = call.param("exportId").and_then(|id| ExportId::parse(&id)).ok_or(DomainError::NotFound("export"))?;
    let bucket = call.app.exports.as_ref();
    let view = exports::view(&call.app.store, bucket, call.tenant()?, id, call.app.clock.now()).await?;
    json(200, &view)
}
