//! GET /contacts?email=  (the tenant's contact with that address)
//! GET /contacts?q=&limit=&cursor=  (the tenant's contacts whose last name, first name or
//! address starts with `q`, folded: case and accents do not matter)
//! GET /contacts?client_id=&topic=&portal_status=&email_status=&has_email=&updated_since=&tag=&custom.<key>=&sort=&limit=&cursor=
//! (browsing: every contact of the tenant, every client's, in name order or most recently
//! changed first (`sort=-updated_at`), filtered)
//!
//! Every contact listed carries its client's name (`client_name`), read once per page.

use lambda_http::{Body, Error, Request, Response};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::domain::{lookup, ClientId, Email, EmailStatus, NotificationTopic, PortalStatus, TagId, TenantId};
use crate::http::request::Query;
use crate::http::response::{json, ListBody};
use crate::http::{serve, Call, HttpResult, RequestError};
use crate::store::keys::CONTACT_SK_PREFIX;
use crate::store::{Browse, BrowseOrder, CustomFilter, MAX_BROWSE_CLIENTS};
use crate::App;

/// The longest `q`, in characters: search terms are kept this long (`lookup::MAX_TERM_CHARS`).
const MAX_QUERY_CHARS: usize = lookup::MAX_TERM_CHARS;

/// The parameters only browsing takes.
const BROWSE_PARAMETERS: &[&str] =
    &["client_id", "topic", "portal_status", "email_status", "has_email", "updated_since", "tag", "sort"];

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::FIND_CONTACTS.route, run).await
}

fn bad(detail: &str) -> crate::http::HttpError {
    RequestError::BadRequest(detail.into()).into()
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let allowed = [&["email", "q", "limit", "cursor"][..], BROWSE_PARAMETERS].concat();
    let query = Query::parse_open(&call.req, &allowed, &CUSTOM_PREFIXES)?;
    let tenant = call.tenant()?;
    let browsing_parameter = BROWSE_PARAMETERS.iter().any(|name| query.get(name).is_some())
        || CUSTOM_PREFIXES.iter().any(|prefix| !query.with_prefix(prefix).is_empty());
    match (query.get("email"), query.get("q")) {
        (Some(_), Some(_)) => Err(bad("give at most one of email and q")),
        (Some(_), None) | (None, Some(_)) if browsing_parameter => {
            Err(bad("filters and sort are for browsing: give neither email nor q"))
        }
        (Some(email), None) => by_email(&call, &query, tenant, email).await,
        (None, Some(q)) => search(&call, &query, tenant, q).await,
        (None, None) => browse(&call, &query, tenant).await,
    }
}

async fn by_email(call: &Call<'_, App>, query: &Query, tenant: &TenantId, email: &str) -> HttpResult<Response<Body>> {
    if query.get("cursor").is_some() || query.get("limit").is_some() {
        return Err(bad("email finds one contact: it takes no limit or cursor"));
    }
    let email = Email::parse(email).map_err(|_| bad("invalid value for email"))?;
    let found = call.app.store.find_by_email(tenant, &email).await?;
    let items = call.app.store.with_client_names(tenant, found.into_iter().collect()).await?;
    let items = super::custom::shown(call, items).await?;
    json(200, &ListBody { items, next_cursor: None })
}

async fn search(call: &Call<'_, App>, query: &Query, tenant: &TenantId, q: &str) -> HttpResult<Response<Body>> {
    let prefix = lookup::fold(q);
    if prefix.is_empty() || q.chars().count() > MAX_QUERY_CHARS {
        return Err(bad("q must hold 1 to 100 characters besides white space"));
    }
    // The cursor is bound to this tenant and search.
    let scope = format!("find|{tenant}|{prefix}");
    let after = call.app.cursors.resume(&scope, query.get("cursor"), &prefix)?;
    let page = call.app.store.search_contacts(tenant, &prefix, query.limit()?, after).await?;
    let next_cursor = page.last_sort_key.map(|sk| call.app.cursors.sign(&scope, &sk));
    let items = call.app.store.with_client_names(tenant, page.items).await?;
    let items = super::custom::shown(call, items).await?;
    json(200, &ListBody { items, next_cursor })
}

async fn browse(call: &Call<'_, App>, query: &Query, tenant: &TenantId) -> HttpResult<Response<Body>> {
    // Name order is the default; `-updated_at` lists the most recently changed first.
    let order = query.parsed("sort", |s| match s {
        "name" => Some(BrowseOrder::Name),
        "-updated_at" => Some(BrowseOrder::RecentlyChanged),
        _ => None,
    })?;
    let browse = Browse {
        clients: query.parsed("client_id", client_ids)?.unwrap_or_default(),
        topic: query.parsed("topic", |t| t.parse::<NotificationTopic>().ok())?,
        portal_status: query.parsed("portal_status", |s| s.parse::<PortalStatus>().ok())?,
        email_status: query.parsed("email_status", |s| s.parse::<EmailStatus>().ok())?,
        has_email: query.parsed("has_email", |v| v.parse::<bool>().ok())?,
        updated_since: query.parsed("updated_since", |v| OffsetDateTime::parse(v, &Rfc3339).ok())?,
        tag: query.parsed("tag", TagId::parse)?,
        custom: custom_filters(call, query).await?,
        order: order.unwrap_or_default(),
    };
    // The cursor is bound to this tenant and filter set.
    let scope = format!("browse|{tenant}|{}", browse.scope());
    let after = call.app.cursors.resume(&scope, query.get("cursor"), CONTACT_SK_PREFIX)?;
    let page = call.app.store.browse_contacts(tenant, &browse, query.limit()?, after).await?;
    let next_cursor = page.last_sort_key.map(|position| call.app.cursors.sign(&scope, &position));
    let items = super::custom::shown(call, page.items).await?;
    json(200, &ListBody { items, next_cursor })
}

/// The parameters naming a custom field: `custom.<key>=<option>`, or `custom[<key>]=<option>`
/// (OpenAPI's `deepObject`), one per field.
const CUSTOM_PREFIXES: [&str; 2] = ["custom.", "custom["];

/// `custom.<key>=<option>` filters: each key a `select` or `multi_select` field of the tenant,
/// each option one of its options.
async fn custom_filters(call: &Call<'_, App>, query: &Query) -> HttpResult<Vec<CustomFilter>> {
    let mut given = query.with_prefix(CUSTOM_PREFIXES[0]);
    for (name, option) in query.with_prefix(CUSTOM_PREFIXES[1]) {
        let key = name.strip_suffix(']').ok_or_else(|| bad(&format!("custom.{name} is not a parameter")))?;
        given.push((key, option));
    }
    if given.is_empty() {
        return Ok(Vec::new());
    }
    let fields = super::custom::in_force(call).await?;
    let filter = |(key, option): (&str, &str)| match fields.option_filter(key, option) {
        Ok(many) => Ok(CustomFilter { key: key.to_owned(), option: option.to_owned(), many }),
        Err(message) => Err(bad(&format!("custom.{key} {message}"))),
    };
    given.into_iter().map(filter).collect()
}

/// `client_id`: one to `MAX_BROWSE_CLIENTS` client ids, comma-separated, each once.
fn client_ids(raw: &str) -> Option<Vec<ClientId>> {
    let mut ids: Vec<ClientId> = raw.split(',').map(|id| ClientId::parse(id.trim())).collect::<Option<_>>()?;
    ids.sort();
    ids.dedup();
    (ids.len() <= MAX_BROWSE_CLIENTS).then_some(ids)
}
