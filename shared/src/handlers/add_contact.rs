//! POST /clients/{clientId}/contacts

use lambda_http::{Body, Error, Request, Response};

use serde_json::Value;

use crate::domain::invite::check_support_window;
use crate::domain::settings::StoredSettings;
use crate::domain::{Contact, ContactFields, ContactId, ContactPatch, DomainError, FieldError, Patch, primary};
use crate::http::request::{idempotency, json_object};
use crate::http::response;
use crate::http::response::StoredResponse;
use crate::http::{serve, Call, HttpResult};
use crate::store::{Created, Idempotency, Recorded, RenderRecord};
use crate::{invites, App};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::ADD_CONTACT.route, run).await
}

/// The 201 response for a contact as stored (its primary flag is only known after the write).
pub(crate) fn created_response(contact: &Contact) -> StoredResponse {
    StoredResponse {
        status: 201,
        body: serde_json::to_string(contact).unwrap_or_default(),
        location: Some(format!("/clients/{}/contacts/{}", contact.client_id, contact.id)),
        etag: Some(contact.audit.etag()),
    }
}

/// The 201 response as the store records it for replays.
pub(crate) fn created_record(contact: &Contact) -> Recorded {
    created_response(contact).record()
}

/// Reads `"invite": true|false`, which is not a contact field, out of the body (`None`: left
/// out, the tenant's setting decides).
fn take_invite_flag(body: &mut serde_json::Map<String, Value>) -> Result<Option<bool>, FieldError> {
    match body.remove("invite") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(_) => Err(FieldError::new("invite", "must be true or false")),
    }
}

/// The body as a contact and the invite flag, every bad field named at once, read by the
/// tenant's settings (returned: its defaults fill what the body leaves out).
async fn parse_body(call: &Call<'_, App>) -> HttpResult<(ContactPatch, Option<bool>, StoredSettings)> {
    let mut body = json_object(&call.req)?;
    let invite = take_invite_flag(&mut body);
    let stored = super::custom::for_new(call, &body).await?;
    let fields = &stored.settings.custom_fields;
    match (ContactPatch::parse(body, call.app.phone_region, fields, true), invite) {
        (Ok(patch), Ok(invite)) => Ok((patch, invite, stored)),
        (Err(DomainError::Validation(mut errors)), Err(e)) => {
            errors.push(e);
            Err(DomainError::Validation(errors).into())
        }
        (Err(e), _) => Err(e.into()),
        (Ok(_), Err(e)) => Err(DomainError::Validation(vec![e]).into()),
    }
}

/// Fills what the request left out from the tenant's settings (`stored`, already read) and
/// says whether to invite, and whether that was the tenant's default rather than the
/// request's own `invite`.
fn apply_settings(
    call: &Call<'_, App>,
    stored: &StoredSettings,
    patch: &mut ContactPatch,
    invite: Option<bool>,
) -> (bool, bool) {
    let defaults = stored.settings.effective(&call.app.mailing().fallbacks());
    if patch.permissions.is_absent() {
        patch.permissions = Patch::Set(defaults.default_permissions);
    }
    if patch.notifications.is_absent() {
        patch.notifications = Patch::Set(defaults.default_notifications);
    }
    invite.map_or((defaults.invite_on_add, true), |asked| (asked, false))
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let client_id = call.client_id()?;
    let idempotent = idempotency(&call.req)?;
    let (mut patch, invite, stored) = parse_body(&call).await?;
    let (invite, by_default) = apply_settings(&call, &stored, &mut patch, invite);
    let wants_primary = primary::asks_for_role(&patch.is_primary);
    let stamp = call.stamp();
    let contact = Contact::new(ContactId::generate(), client_id, ContactFields::create(patch)?, &stamp);
    // Asked for by the request: refuse before creating anything when it could not be sent.
    // The tenant's default only invites the contacts that can be.
    if invite && !by_default {
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
    let outcome = match created.fields.email {
        None => Err(DomainError::NoEmail("the contact has no email address").into()),
        Some(_) => invites::invite(&call.app.mailing().linking_to(&call.portal_url()), tenant, client_id, created.id, &stamp).await,
    };
    let (contact, invite_error) = match outcome {
        Ok(_) => {
            let invited = call.app.store.get_contact(tenant, client_id, created.id).await?;
            let fields = Some(&stored.settings.custom_fields);
            (super::custom::shown_by(&call, fields, invited).await?, None)
        }
        Err(e) => (created, Some(e.code())),
    };
    let mut res = created_response(&contact).send()?;
    if let Some(code) = invite_error {
        res.headers_mut().insert("invite-error", http::HeaderValue::from_static(code));
    }
    Ok(res)
}
