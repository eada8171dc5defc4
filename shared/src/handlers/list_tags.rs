//! GET /tags?limit=&cursor=  (the tenant's tags, in creation order)

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::Query;
use crate::http::response::{json, ListBody};
use crate::http::{serve, Call, HttpResult};
use crate::store::keys::TAG_SK_PREFIX;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::LIST_TAGS.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let query = Query::parse(&call.req, &["limit", "cursor"])?;
    let scope = format!("tags|{}", call.tenant()?);
    let after = call.app.cursors.resume(&scope, query.get("cursor"), TAG_SK_PREFIX)?;
    let page = call.app.store.list_tags(call.tenant()?, query.limit()?, after).await?;
    let next_cursor = page.last_sort_key.map(|sk| call.app.cursors.sign(&scope, &sk));
    json(200, &ListBody { items: page.items, next_cursor })
}
