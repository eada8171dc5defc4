//! GET /contacts?email=  (the tenant's contact with that address)
//! GET /contacts?q=&limit=&cursor=  (the tenant's contacts whose last name, first name or
//! address starts with `q`, folded: case and accents do not matter)

use lambda_http::{Body, Error, Request, Response};

use crate::domain::{lookup, Email};
use crate::http::request::Query;
use crate::http::response::{json, ListBody};
use crate::http::{serve, Call, HttpResult, RequestError};
use crate::App;

/// The longest `q`, in characters: search terms are kept this long (`lookup::MAX_TERM_CHARS`).
const MAX_QUERY_CHARS: usize = lookup::MAX_TERM_CHARS;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::FIND_CONTACTS.route, run).await
}

fn bad(detail: &str) -> crate::http::HttpError {
    RequestError::BadRequest(detail.into()).into()
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let query = Query::parse(&call.req, &["email", "q", "limit", "cursor"])?;
    let tenant = call.tenant()?;
    match (query.get("email"), query.get("q")) {
        (Some(email), None) => {
            if query.get("cursor").is_some() || query.get("limit").is_some() {
                return Err(bad("email finds one contact: it takes no limit or cursor"));
            }
            let email = Email::parse(email).map_err(|_| bad("invalid value for email"))?;
            let found = call.app.store.find_by_email(tenant, &email).await?;
            json(200, &ListBody { items: found.into_iter().collect(), next_cursor: None })
        }
        (None, Some(q)) => {
            let prefix = lookup::fold(q);
            if prefix.is_empty() || q.chars().count() > MAX_QUERY_CHARS {
                return Err(bad("q must hold 1 to 100 characters besides white space"));
            }
            // The cursor is bound to this tenant and search.
            let scope = format!("find|{tenant}|{prefix}");
            let after = call.app.cursors.resume(&scope, query.get("cursor"), &prefix)?;
            let page = call.app.store.search_contacts(tenant, &prefix, query.limit()?, after).await?;
            let next_cursor = page.last_sort_key.map(|sk| call.app.cursors.sign(&scope, &sk));
            json(200, &ListBody { items: page.items, next_cursor })
        }
        _ => Err(bad("give exactly one of email and q")),
    }
}
