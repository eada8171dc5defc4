//! POST /clients/import (text/csv or XLSX) `?dry_run=true`

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::{upload, Query};
use crate::http::response::json;
use crate::http::{serve, Call, HttpResult};
use crate::{import, App};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::IMPORT_CLIENTS.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let dry_run = Query::parse(&call.req, &["dry_run"])?.flag("dry_run")?;
    let (media, bytes) = upload(&call.req, import::MEDIA_TYPES, import::csv_rows::MAX_BYTES)?;
    let file = import::ImportFile::of(media, bytes);
    let report =
        import::clients::import(&call.app.importer(), call.tenant()?, file, dry_run, &call.stamp()).await?;
    json(200, &report)
}
