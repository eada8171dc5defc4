//! POST /exports  (a file of the tenant's contacts, browse's filters, written by `run-export`)

use lambda_http::{Body, Error, Request, Response};

use crate::exports::{self, ExportView};
use crate::http::request::json_object;
use crate::http::{response, serve, Call, HttpError, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::CREATE_EXPORT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let body = json_object(&call.req)?;
    let job = exports::queue(&call.app.store, call.tenant()?, body, &call.stamp(), call.app.clock.now()).await?;
    let location = format!("/exports/{}", job.id);
    let view = ExportView::from(job);
    let body = serde_json::to_string(&view).map_err(HttpError::internal)?;
    response::with_body(202, body, None, Some(&location))
}
