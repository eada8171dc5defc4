//! POST /clients/{clientId}/contacts

use lambda_http::{Body, Error, Request, Response};

use serde_json::Value;

use crate::domain::invite::check_support_window;
use crate::domain::primary;
use crate::domain::{
    Audit, Contact, ContactFields, ContactId, ContactPatch, DomainError, FieldError, PortalState,
};
use crate::http::request::{idempotency, json_object};
use crate::http::response;
use crate::http::response::StoredResponse;
use crate::http::{routes, serve, Call, HttpResult};
use crate::store::{Created, Idempotency, Recorded, RenderRecord};
use crate::{invites, App};

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

/// The 201 response as the store records it for replays.
fn created_record(contact: &Contact) -> Recorded {
    created_response(contact).record()
}

/// Reads `"invite": true|false`, which is not a contact field, out of the body.
fn take_invite_flag(body: &mut serde_json::Map<String, Value>) -> Result<bool, FieldError> {
    match body.remove("invite") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(b),
        Some(_) => Err(FieldError::new("invite", "must be true or false")),
    }
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let client_id = call.client_id()?;
    let idempotent = idempotency(&call.req)?;
    let mut body = json_object(&call.req)?;
    let invite = take_invite_flag(&mut body);
    let patch = match (ContactPatch::parse(body, call.app.phone_region, true), invite) {
        (Ok(patch), Ok(invite)) => (patch, invite),
        (Err(DomainError::Validation(mut errors)), Err(e)) => {
            errors.push(e);
            return Err(DomainError::Validation(errors).into());
        }
        (Err(e), _) => return Err(e.into()),
        (Ok(_), Err(e)) => return Err(DomainError::Validation(vec![e]).into()),
    };
    let (patch, invite) = patch;
    let wants_primary = primary::asks_for_role(&patch.is_primary);
    let stamp = call.stamp();
    let contact = Contact {
        id: ContactId::generate(),
        client_id,
        fields: ContactFields::create(patch)?,
        is_primary: false,
        portal: PortalState::default(),
        email_delivery: Default::default(),
        audit: Audit::new(&stamp),
    };
    if invite {
        // Refuse before creating anything when the invitation could not be sent.
        if contact.fields.email.is_none() {
            return Err(DomainError::NoEmail("an invitation needs an email address").into());
        }
        check_support_window(&contact.fields, call.app.clock.now().date())?;
    }
    let idempotency = idempotent.as_ref().map(|request| Idempotency {
        request,
        record: created_record as RenderRecord,
        now_epoch: call.now_epoch(),
    });
    let tenant = call.tenant()?;
    let created =
        match call.app.store.add_contact(tenant, contact, wants_primary, &stamp, idempotency).await? {
            Created::Replayed(stored) => return response::replay(stored),
            Created::New(contact) => contact,
        };
    if !invite {
        return created_response(&created).send();
    }
    // The contact exists now; an invitation that fails leaves it uninvited and says why.
    let (contact, invite_error) =
        match invites::invite(&call.app.mailing(), tenant, client_id, created.id, &stamp).await {
            Ok(_) => (call.app.store.get_contact(tenant, client_id, created.id).await?, None),
            Err(e) => (created, Some(e.code())),
        };
    let mut res = created_response(&contact).send()?;
    if let Some(code) = invite_error {
        res.headers_mut().insert("invite-error", http::HeaderValue::from_static(code));
    }
    Ok(res)
}
