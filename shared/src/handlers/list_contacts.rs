//! GET /clients/{clientId}/contacts?topic=&primary=&portal_status=&email_status=&limit=&cursor=

use lambda_http::{Body, Error, Request, Response};

use crate::domain::{EmailStatus, NotificationTopic, PortalStatus};
use crate::http::request::Query;
use crate::http::response::{json, ListBody};
use crate::http::{routes, serve, Call, HttpResult};
use crate::store::keys::CONTACT_SK_PREFIX;
use crate::store::ContactFilter;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, routes::LIST_CONTACTS, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let client = call.client_id()?;
    let query =
        Query::parse(&call.req, &["limit", "cursor", "topic", "primary", "portal_status", "email_status"])?;
    let filter = ContactFilter {
        topic: query.parsed("topic", |t| t.parse::<NotificationTopic>().ok())?,
        primary: query.parsed("primary", |p| p.parse::<bool>().ok())?,
        portal_status: query.parsed("portal_status", |s| s.parse::<PortalStatus>().ok())?,
        email_status: query.parsed("email_status", |s| s.parse::<EmailStatus>().ok())?,
        with_email: false,
    };
    // The cursor is bound to this tenant, client and filter set.
    let scope = format!(
        "contacts|{}|{client}|{}|{}|{}|{}",
        call.tenant()?,
        filter.topic.map(|t| t.as_str()).unwrap_or_default(),
        filter.primary.map(|p| p.to_string()).unwrap_or_default(),
        filter.portal_status.map(|s| s.as_str()).unwrap_or_default(),
        filter.email_status.map(|s| s.as_str()).unwrap_or_default(),
    );
    let after = call.app.cursors.resume(&scope, query.get("cursor"), CONTACT_SK_PREFIX)?;
    let page = call.app.store.list_contacts(call.tenant()?, client, &filter, query.limit()?, after).await?;
    let next_cursor = page.last_sort_key.map(|sk| call.app.cursors.sign(&scope, &sk));
    json(200, &ListBody { items: page.items, next_cursor })
}
