//! POST /clients/{clientId}/notifications `{topic | contact_ids, include_primary?, subject, text, html?}`

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::json_object;
use crate::http::response::json;
use crate::http::{serve, Call, HttpResult};
use crate::notify::{notify, Notification};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::NOTIFY_CONTACTS.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let client = call.client_id()?;
    let notification = Notification::parse(json_object(&call.req)?)?;
    let actor = call.stamp().by;
    let mailing = call.app.mailing();
    let report =
        notify(&mailing, call.app.notify_budget, call.tenant()?, client, &notification, &actor).await?;
    json(202, &report)
}
