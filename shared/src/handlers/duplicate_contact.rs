//! POST /clients/{clientId}/contacts/{contactId}/duplicate (Kafinea: "create a new contact
//! based on an existing one"): a new contact of the same client with the source's fields but
//! its email, support window, primary flag, portal state and links, the body's overrides
//! merged in, added by the add's rules.

use lambda_http::{Body, Error, Request, Response};

use super::add_contact::{created_record, created_response};
use crate::domain::custom_field::CustomFields;
use crate::domain::primary;
use crate::domain::{Contact, ContactId, ContactPatch, DomainError};
use crate::http::request::{body_bytes, idempotency, json_object};
use crate::http::response;
use crate::http::{serve, Call, HttpResult};
use crate::store::{Created, Idempotency, RenderRecord};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::DUPLICATE_CONTACT.route, run).await
}

/// The overrides: no body, `{}`, or contact fields as in a PATCH (absent = copied, `null` =
/// left out of the copy). The portal status is not the copy's to set.
fn overrides(call: &Call<'_, App>, fields: &CustomFields) -> HttpResult<ContactPatch> {
    if body_bytes(&call.req).is_empty() {
        return Ok(ContactPatch::default());
    }
    let patch = ContactPatch::parse(json_object(&call.req)?, call.app.phone_region, fields, false)?;
    if patch.revoke_portal {
        return Err(DomainError::invalid("portal.status", "a copy starts without portal access").into());
    }
    Ok(patch)
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (tenant, client_id, source_id) = (call.tenant()?, call.client_id()?, call.contact_id()?);
    let idempotent = idempotency(&call.req)?;
    // The copy takes the values the source shows, and is checked as an add is: by the
    // definitions read now.
    let fields = call.app.store.get_settings(tenant).await?.settings.custom_fields;
    let overrides = overrides(&call, &fields)?;
    let wants_primary = primary::asks_for_role(&overrides.is_primary);
    let mut source = call.app.store.get_contact(tenant, client_id, source_id).await?;
    source.fields.custom = fields.visible(&source.fields.custom);
    let id = ContactId::generate();
    let stamp = call.stamp();
    let copy = Contact::new(id, client_id, source.fields.duplicated(overrides, id)?, &stamp);
    let idempotency = idempotent.as_ref().map(|request| Idempotency {
        request,
        record: created_record as RenderRecord,
        now_epoch: call.now_epoch(),
    });
    match call.app.store.add_contact(tenant, copy, wants_primary, &stamp, idempotency).await? {
        Created::Replayed(stored) => response::replay(stored),
        Created::New(contact) => created_response(&contact).send(),
    }
}
