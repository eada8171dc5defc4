//! GET /clients/{clientId}/projects/{projectId}/contacts?limit=&cursor=

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::Query;
use crate::http::response::{json, ListBody};
use crate::http::{serve, Call, HttpResult};
use crate::store::keys::project_sk_prefix;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::LIST_PROJECT_CONTACTS.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (client, project) = (call.client_id()?, call.project_id()?);
    let query = Query::parse(&call.req, &["limit", "cursor"])?;
    // The cursor is bound to this tenant, client and project.
    let scope = format!("project-contacts|{}|{client}|{project}", call.tenant()?);
    let after = call.app.cursors.resume(&scope, query.get("cursor"), &project_sk_prefix(&project))?;
    let store = &call.app.store;
    let page = store.project_contacts(call.tenant()?, client, &project, query.limit()?, after).await?;
    let next_cursor = page.last_sort_key.map(|sk| call.app.cursors.sign(&scope, &sk));
    let items = super::custom::shown(&call, page.items).await?;
    json(200, &ListBody { items, next_cursor })
}
