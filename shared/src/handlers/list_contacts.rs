//! GET /clients/{clientId}/contacts?topic=&primary=&portal_status=&email_status=&sort=&limit=&cursor=
//! GET /clients/{clientId}/contacts?archived=true&limit=&cursor= (the archived ones, by id)

use lambda_http::{Body, Error, Request, Response};

use crate::domain::archive::Shown;
use crate::domain::{ClientId, EmailStatus, NotificationTopic, PortalStatus};
use crate::http::error::RequestError;
use crate::http::request::Query;
use crate::http::response::{json, ListBody};
use crate::http::{serve, Call, HttpResult};
use crate::store::keys::{topic_sk_prefix, ARCHIVED_SK_PREFIX, CONTACT_SK_PREFIX};
use crate::store::ContactFilter;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::LIST_CONTACTS.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let client = call.client_id()?;
    let query = Query::parse(
        &call.req,
        &["limit", "cursor", "topic", "primary", "portal_status", "email_status", "sort", "archived"],
    )?;
    if query.parsed("archived", Shown::parse)? == Some(Shown::Archived) {
        return archived(&call, client, &query).await;
    }
    let by_name = query.parsed("sort", |s| (s == "name").then_some(()))?.is_some();
    let filter = ContactFilter {
        topic: query.parsed("topic", |t| t.parse::<NotificationTopic>().ok())?,
        primary: query.parsed("primary", |p| p.parse::<bool>().ok())?,
        portal_status: query.parsed("portal_status", |s| s.parse::<PortalStatus>().ok())?,
        email_status: query.parsed("email_status", |s| s.parse::<EmailStatus>().ok())?,
        with_email: false,
        by_name,
    };
    if by_name && filter.topic.is_some() {
        // A topic reads only its recipients, in id order; sorting them needs them all.
        return Err(RequestError::BadRequest("sort=name cannot be combined with topic".into()).into());
    }
    // The cursor is bound to this tenant, client and filter set.
    let scope = format!(
        "contacts|{}|{client}|{}|{}|{}|{}",
        call.tenant()?,
        filter.topic.map(|t| t.as_str()).unwrap_or_default(),
        filter.primary.map(|p| p.to_string()).unwrap_or_default(),
        filter.portal_status.map(|s| s.as_str()).unwrap_or_default(),
        filter.email_status.map(|s| s.as_str()).unwrap_or_default(),
    ) + if by_name { "|name" } else { "" };
    let prefix = match filter.topic {
        Some(topic) => topic_sk_prefix(topic),
        None => CONTACT_SK_PREFIX.to_owned(),
    };
    let after = call.app.cursors.resume(&scope, query.get("cursor"), &prefix)?;
    let page = call.app.store.list_contacts(call.tenant()?, client, &filter, query.limit()?, after).await?;
    let next_cursor = page.last_sort_key.map(|sk| call.app.cursors.sign(&scope, &sk));
    let items = super::custom::shown(&call, page.items).await?;
    json(200, &ListBody { items, next_cursor })
}

/// The client's archived contacts: no filter or order applies to them.
async fn archived(call: &Call<'_, App>, client: ClientId, query: &Query) -> HttpResult<Response<Body>> {
    let others = ["topic", "primary", "portal_status", "email_status", "sort"];
    if let Some(name) = others.iter().find(|name| query.get(name).is_some()) {
        let message = format!("{name} cannot be combined with archived=true");
        return Err(RequestError::BadRequest(message).into());
    }
    let scope = format!("archived|{}|{client}", call.tenant()?);
    let after = call.app.cursors.resume(&scope, query.get("cursor"), ARCHIVED_SK_PREFIX)?;
    let page = call.app.store.archived_contacts(call.tenant()?, client, query.limit()?, after).await?;
    let next_cursor = page.last_sort_key.map(|sk| call.app.cursors.sign(&scope, &sk));
    let items = super::custom::shown(call, page.items).await?;
    json(200, &ListBody { items, next_cursor })
}
