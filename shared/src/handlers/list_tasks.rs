//! GET /tasks?assignee=&due_before=&limit=&cursor=
//! (open tasks across the tenant's contacts, soonest due first; `assignee` is `me` unless
//! given, `due_before` a day, exclusive)

use lambda_http::{Body, Error, Request, Response};

use crate::domain::dates::parse_exact_date;
use crate::domain::task::parse_assignee;
use crate::http::request::Query;
use crate::http::response::{json, ListBody};
use crate::http::{serve, Call, HttpResult, RequestError};
use crate::store::TaskFilter;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::LIST_TASKS.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let query = Query::parse(&call.req, &["assignee", "due_before", "limit", "cursor"])?;
    let identity = call.identity()?;
    let assignee = match query.get("assignee") {
        None | Some("me") => identity.user.as_str().to_owned(),
        Some(raw) => parse_assignee(raw)
            .map_err(|why| RequestError::BadRequest(format!("invalid value for assignee: it {why}")))?,
    };
    let due_before = query.parsed("due_before", |raw| parse_exact_date(raw).ok())?;
    let filter = TaskFilter { assignee: &assignee, due_before };
    // The cursor is bound to the tenant, the assignee and the day.
    let day = query.get("due_before").unwrap_or_default();
    let scope = format!("tasks|{}|{assignee}|{day}", identity.tenant);
    let after = call.app.cursors.resume(&scope, query.get("cursor"), "")?;
    let page = call.app.store.list_tasks(&identity.tenant, &filter, query.limit()?, after).await?;
    let next_cursor = page.last_sort_key.map(|sk| call.app.cursors.sign(&scope, &sk));
    json(200, &ListBody { items: page.items, next_cursor })
}
