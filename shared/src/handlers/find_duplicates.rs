//! GET /contacts/duplicates?rule=&cursor=  (pairs of the tenant's contacts that are likely one
//! person, each with the rule that matched)

use lambda_http::{Body, Error, Request, Response};
use serde::Serialize;

use crate::domain::duplicates::DuplicateRule;
use crate::duplicate_candidates::candidates;
use crate::http::request::Query;
use crate::http::response::{json, ListBody};
use crate::http::{serve, Call, HttpResult, RequestError};
use crate::store::TenantContact;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::FIND_DUPLICATES.route, run).await
}

#[derive(Serialize)]
struct Pair {
    rule: &'static str,
    contacts: Vec<TenantContact>,
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let query = Query::parse(&call.req, &["rule", "cursor"])?;
    let rule = match query.get("rule") {
        None => None,
        Some(raw) => Some(DuplicateRule::parse(raw).ok_or_else(|| {
            RequestError::BadRequest("rule must be one of phone, name and email".to_owned())
        })?),
    };
    let tenant = call.tenant()?;
    let scope = format!("duplicates|{tenant}|{}", rule.map_or("", |r| r.as_str()));
    let after = call.app.cursors.resume(&scope, query.get("cursor"), "")?;
    let found = candidates(&call.app.store, tenant, rule, after).await?;
    let next_cursor = found.last_sort_key.map(|sk| call.app.cursors.sign(&scope, &sk));
    // Every contact shown at once (one read of the custom fields, if any hold values), then
    // paired again in order.
    let rules: Vec<&'static str> = found.items.iter().map(|c| c.rule.as_str()).collect();
    let contacts = super::custom::shown(&call, found.items.into_iter().flat_map(|c| c.pair).collect()).await?;
    let mut contacts = contacts.into_iter();
    let items: Vec<Pair> =
        rules.into_iter().map(|rule| Pair { rule, contacts: contacts.by_ref().take(2).collect() }).collect();
    json(200, &ListBody { items, next_cursor })
}
