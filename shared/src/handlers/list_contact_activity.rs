//! GET /clients/{clientId}/contacts/{contactId}/activity?limit=&cursor=

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::Query;
use crate::http::response::{json, ListBody};
use crate::http::{serve, Call, HttpResult};
use crate::store::keys::ACTIVITY_SK_PREFIX;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::LIST_CONTACT_ACTIVITY.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (client, contact) = (call.client_id()?, call.contact_id()?);
    let query = Query::parse(&call.req, &["limit", "cursor"])?;
    // The cursor is bound to this tenant, client and contact.
    let scope = format!("activity|{}|{client}|{contact}", call.tenant()?);
    let after = call.app.cursors.resume(&scope, query.get("cursor"), ACTIVITY_SK_PREFIX)?;
    let page = call.app.store.list_activity(call.tenant()?, client, contact, query.limit()?, after).await?;
    let next_cursor = page.last_sort_key.map(|sk| call.app.cursors.sign(&scope, &sk));
    json(200, &ListBody { items: page.items, next_cursor })
}
