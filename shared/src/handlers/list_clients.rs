//! GET /clients

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::Query;
use crate::http::response::{json, ListBody};
use crate::http::{routes, serve, Call, HttpResult};
use crate::store::keys::CLIENT_SK_PREFIX;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, routes::LIST_CLIENTS, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let query = Query::parse(&call.req, &["limit", "cursor"])?;
    let tenant = call.tenant()?;
    let scope = format!("clients|{tenant}");
    let after = call.app.cursors.resume(&scope, query.get("cursor"), CLIENT_SK_PREFIX)?;
    let page = call.app.store.list_clients(tenant, query.limit()?, after).await?;
    let next_cursor = page.last_sort_key.map(|sk| call.app.cursors.sign(&scope, &sk));
    json(200, &ListBody { items: page.items, next_cursor })
}
