//! POST /clients/{clientId}/contacts

use lambda_http::{Body, Error, Request, Response};

use crate::domain::{
    Audit, Contact, ContactFields, ContactId, ContactPatch, DomainResult, Patch, PortalState,
};
use crate::http::request::{idempotency, json_object};
use crate::http::{routes, serve, Call};
use crate::store::{Idempotency, RenderResponse, StoredResponse};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, routes::ADD_CONTACT, run).await
}

/// The 201 response for a contact as stored (its primary flag is only known after the write).
fn created_response(contact: &Contact) -> StoredResponse {
    StoredResponse {
        status: 201,
        body: serde_json::to_string(contact).unwrap_or_default(),
        location: Some(format!("/clients/{}/contacts/{}", contact.client_id, contact.id)),
        etag: Some(contact.audit.etag()),
    }
}

async fn run(call: Call<'_>) -> DomainResult<Response<Body>> {
    let client_id = call.client_id()?;
    let idempotent = idempotency(&call.req)?;
    let patch = ContactPatch::parse(json_object(&call.req)?, call.app.phone_region, true)?;
    let wants_primary = matches!(patch.is_primary, Patch::Set(true));
    let stamp = call.stamp();
    let contact = Contact {
        id: ContactId::generate(),
        client_id,
        fields: ContactFields::create(patch)?,
        is_primary: false,
        portal: PortalState::default(),
        audit: Audit::new(&stamp),
    };
    let idempotency = idempotent.as_ref().map(|request| Idempotency {
        request,
        response: created_response as RenderResponse,
        now_epoch: call.now_epoch(),
    });
    let outcome = call
        .app
        .store
        .add_contact(&call.identity.tenant, contact, wants_primary, &stamp, idempotency)
        .await?;
    let first = match &outcome {
        crate::store::Created::New(contact) => created_response(contact),
        crate::store::Created::Replayed(stored) => stored.clone(),
    };
    super::created(outcome, first)
}
