//! POST /clients/{clientId}/contacts/{contactId}/move  ({client_id}: another client of the tenant)

use lambda_http::{Body, Error, Request, Response};
use serde::Serialize;

use crate::domain::moving::parse_target;
use crate::domain::{ClientId, Contact, ContactId, ProjectId};
use crate::http::request::{if_match, json_object};
use crate::http::{response, serve, Call, HttpError, HttpResult};
use crate::portal_users::PortalUser;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::MOVE_CONTACT.route, run).await
}

/// The moved contact, where it came from, and the links the move cut.
#[derive(Serialize)]
struct MoveReport {
    contact: Contact,
    from_client_id: ClientId,
    cut: Cut,
}

#[derive(Serialize)]
struct Cut {
    project_ids: Vec<ProjectId>,
    line_manager_id: Option<ContactId>,
    report_ids: Vec<ContactId>,
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (from, id) = (call.client_id()?, call.contact_id()?);
    let to = parse_target(json_object(&call.req)?)?;
    let tenant = call.tenant()?;
    let moved = call.app.store.move_contact(tenant, (from, id), to, if_match(&call.req)?, &call.stamp()).await?;
    // Its user carries the old client's id and may not sign in for the new one: it goes, after
    // the table's change, which alone decides access (see `portal_users`).
    if let Some(user) = PortalUser::of(tenant, &moved.before) {
        call.app.portal_users.remove(&user).await;
    }
    // The history follows at once; the move is done whatever becomes of it: were this cut
    // short or to fail, `change-events` finishes it from the move's record.
    if let Err(error) = call.app.store.rehome_activity(tenant, id, (from, to)).await {
        tracing::warn!(error = %error, "a moved contact's history is left to change-events");
    }
    let contact = super::custom::shown_one(&call, moved.contact).await?;
    let etag = contact.audit.etag();
    let cut = Cut {
        project_ids: moved.unlinked_projects,
        line_manager_id: moved.former_line_manager,
        report_ids: moved.former_reports,
    };
    let body = serde_json::to_string(&MoveReport { contact, from_client_id: from, cut }).map_err(HttpError::internal)?;
    response::with_body(200, body, Some(&etag), None)
}
