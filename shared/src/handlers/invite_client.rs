//! POST /clients/{clientId}/invite: the service desk's "Invite" button, which invites the
//! client's primary contact to the portal.

use lambda_http::{Body, Error, Request, Response};

use crate::domain::{ClientStatus, DomainError};
use crate::http::request::{body_bytes, json_object};
use crate::http::response::json;
use crate::http::{serve, Call, HttpResult};
use crate::{invites, App};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::INVITE_CLIENT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (tenant, client_id) = (call.tenant()?, call.client_id()?);
    // The invitation takes no options; a body, if sent, must be an empty JSON object.
    if !body_bytes(&call.req).is_empty() && !json_object(&call.req)?.is_empty() {
        return Err(DomainError::invalid("body", "send no body or {}").into());
    }
    let client = call.app.store.get_client(tenant, client_id).await?;
    if client.fields.status == ClientStatus::Inactive {
        return Err(DomainError::ClientInactive.into());
    }
    let primary = client.primary_contact_id.ok_or(DomainError::NoPrimaryContact)?;
    // The primary's own checks (an email, its support window, not active already) and the
    // client's status again, in the invitation's one read.
    let invitation = invites::invite(&call.app.mailing().linking_to(&call.portal_url()), tenant, client_id, primary, &call.stamp()).await?;
    json(202, &invitation)
}
