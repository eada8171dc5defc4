//! POST /clients/{clientId}/contacts/{contactId}/archive

use lambda_http::{Body, Error, Request, Response};
use serde::Serialize;

use crate::domain::ContactId;
use crate::http::request::if_match;
use crate::http::{response, serve, Call, HttpError, HttpResult};
use crate::portal_users::PortalUser;
use crate::store::ArchivedContact;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::ARCHIVE_CONTACT.route, run).await
}

/// The archived contact, and the line-manager links the archive cut.
#[derive(Serialize)]
struct ArchiveReport {
    contact: ArchivedContact,
    cut: Cut,
}

#[derive(Serialize)]
struct Cut {
    line_manager_id: Option<ContactId>,
    report_ids: Vec<ContactId>,
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (client, id) = (call.client_id()?, call.contact_id()?);
    let tenant = call.tenant()?;
    let if_match = if_match(&call.req)?;
    // The settings as this instance read them within `SETTINGS_TTL`, as every contact response
    // reads its custom fields: one read serves the retention and the response.
    let settings = call.app.store.recent_settings(tenant, call.app.clock.now()).await?.settings;
    let retention = settings.archive_retention_days();
    let archived =
        call.app.store.archive_contact(tenant, (client, id), retention, if_match, &call.stamp()).await?;
    // Its access ended with the table's change, which alone decides it (see `portal_users`).
    if let Some(user) = PortalUser::of(tenant, &archived.before) {
        call.app.portal_users.remove(&user).await;
    }
    let mut contact = archived.archived;
    contact.contact = super::custom::shown_by(&call, Some(&settings.custom_fields), contact.contact).await?;
    let etag = contact.contact.audit.etag();
    let cut = Cut { line_manager_id: archived.former_line_manager, report_ids: archived.former_reports };
    let body = serde_json::to_string(&ArchiveReport { contact, cut }).map_err(HttpError::internal)?;
    response::with_body(200, body, Some(&etag), None)
}
