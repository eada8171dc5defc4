//! GET /clients?status=active|inactive|all&q=&limit=&cursor=

use lambda_http::{Body, Error, Request, Response};

use crate::domain::client::search_key;
use crate::domain::ClientStatus;
use crate::http::error::RequestError;
use crate::http::request::Query;
use crate::http::response::{json, ListBody};
use crate::http::{serve, Call, HttpResult};
use crate::store::keys::CLIENT_SK_PREFIX;
use crate::store::ClientFilter;
use crate::App;

/// The longest name prefix searched for (a client's name has at most 200 characters).
const MAX_QUERY: usize = 200;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::LIST_CLIENTS.route, run).await
}

/// `status` (default `active`; `all` lists every client) and `q`, a name prefix compared
/// case- and accent-insensitively.
fn filter(query: &Query) -> HttpResult<ClientFilter> {
    let status = match query.get("status") {
        None => Some(ClientStatus::Active),
        Some("all") => None,
        Some(_) => {
            Some(query.parsed("status", |s| s.parse::<ClientStatus>().ok())?.unwrap_or(ClientStatus::Active))
        }
    };
    let name_prefix = match query.get("q") {
        None => None,
        Some(q)
            if q.trim().is_empty() || q.chars().count() > MAX_QUERY || q.chars().any(char::is_control) =>
        {
            let message = format!("q must be 1 to {MAX_QUERY} characters of a name");
            return Err(RequestError::BadRequest(message).into());
        }
        Some(q) => Some(search_key(q)),
    };
    Ok(ClientFilter { status, name_prefix })
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let query = Query::parse(&call.req, &["limit", "cursor", "status", "q"])?;
    let filter = filter(&query)?;
    let tenant = call.tenant()?;
    // The cursor is bound to this tenant and filter set.
    let scope = format!(
        "clients|{tenant}|{}|{}",
        filter.status.map_or("all", ClientStatus::as_str),
        filter.name_prefix.as_deref().unwrap_or_default()
    );
    let after = call.app.cursors.resume(&scope, query.get("cursor"), CLIENT_SK_PREFIX)?;
    let page = call.app.store.list_clients(tenant, &filter, query.limit()?, after).await?;
    let next_cursor = page.last_sort_key.map(|sk| call.app.cursors.sign(&scope, &sk));
    json(200, &ListBody { items: page.items, next_cursor })
}
