//! POST /clients/{clientId}/contacts/{contactId}/password-reset

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::body_bytes;
use crate::http::response::json;
use crate::http::{serve, Call, HttpResult};
use crate::{invites, App};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::RESET_CONTACT_PASSWORD.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (client, id) = (call.client_id()?, call.contact_id()?);
    // Like an invitation, the reset takes no options; a body, if sent, must be `{}`.
    if !body_bytes(&call.req).is_empty() && !crate::http::request::json_object(&call.req)?.is_empty() {
        return Err(crate::domain::DomainError::invalid("body", "send no body or {}").into());
    }
    let reset = invites::reset(&call.app.mailing().linking_to(&call.portal_url()), call.tenant()?, client, id, &call.stamp()).await?;
    json(202, &reset)
}
