//! POST /clients/import (text/csv) `?dry_run=true`

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::{csv_body, Query};
use crate::http::response::json;
use crate::http::{serve, Call, HttpResult};
use crate::{import, App};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::IMPORT_CLIENTS.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let dry_run = Query::parse(&call.req, &["dry_run"])?.flag("dry_run")?;
    let bytes = csv_body(&call.req, import::csv_rows::MAX_BYTES)?;
    let report =
        import::clients::import(&call.app.importer(), call.tenant()?, bytes, dry_run, &call.stamp()).await?;
    json(200, &report)
}
