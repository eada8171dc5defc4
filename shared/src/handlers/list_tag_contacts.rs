//! GET /tags/{tagId}/contacts?limit=&cursor=  (the tag's contacts, every client's, each with
//! its client's name)

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::Query;
use crate::http::response::{json, ListBody};
use crate::http::{serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::LIST_TAG_CONTACTS.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let query = Query::parse(&call.req, &["limit", "cursor"])?;
    let (tenant, tag) = (call.tenant()?, call.tag_id()?);
    call.app.store.get_tag(tenant, tag).await?;
    let scope = format!("tag-contacts|{tenant}|{tag}");
    let after = call.app.cursors.resume(&scope, query.get("cursor"), "")?;
    let page = call.app.store.tag_contacts(tenant, tag, query.limit()?, after).await?;
    let next_cursor = page.last_sort_key.map(|sk| call.app.cursors.sign(&scope, &sk));
    let items = super::custom::shown(&call, page.items).await?;
    json(200, &ListBody { items, next_cursor })
}
