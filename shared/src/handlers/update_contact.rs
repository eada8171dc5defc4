//! PATCH /clients/{clientId}/contacts/{contactId} (JSON merge patch)

use lambda_http::{Body, Error, Request, Response};

use crate::domain::custom_field::CustomFields;
use crate::domain::ContactPatch;
use crate::http::request::{if_match, json_object};
use crate::http::{response, serve, Call, HttpResult};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::UPDATE_CONTACT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (client, id) = (call.client_id()?, call.contact_id()?);
    let body = json_object(&call.req)?;
    let fields = super::custom::for_change(&call, &body).await?;
    let none = CustomFields::default();
    let patch = ContactPatch::parse(body, call.app.phone_region, fields.as_ref().unwrap_or(&none), false)?;
    let expected = if_match(&call.req)?;
    let tenant = call.tenant()?;
    let updated = call.app.store.update_contact(tenant, client, id, expected, patch, &call.stamp()).await?;
    // After the table's change, which alone decides access (see `portal_users`).
    if let Some(before) = &updated.before {
        call.app.portal_users.follow_change(tenant, before, &updated.after).await;
    }
    let contact = super::custom::shown_by(&call, fields.as_ref(), updated.after).await?;
    let body = serde_json::to_string(&contact).map_err(crate::http::HttpError::internal)?;
    response::with_body(200, body, Some(&contact.audit.etag()), None)
}
