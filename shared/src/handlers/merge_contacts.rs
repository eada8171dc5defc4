//! POST /contacts/merge  ({client_id, survivor_id, merged_id, fields, dry_run, *_version})

use lambda_http::{Body, Error, Request, Response};
use serde::Serialize;

use crate::domain::merge::parse_merge;
use crate::domain::{Contact, ContactId, ProjectId, TagId};
use crate::http::request::json_object;
use crate::http::{response, serve, Call, HttpError, HttpResult};
use crate::portal_users::PortalUser;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::MERGE_CONTACTS.route, run).await
}

/// History items a merge moves itself before answering (a couple of pages; each item is two
/// round trips).
const HISTORY_IN_REQUEST: usize = 50;

/// The survivor as merged (or as it would be, on a dry run), and what it gained.
#[derive(Serialize)]
struct MergeReport {
    dry_run: bool,
    contact: Contact,
    merged_contact_id: ContactId,
    gained: Gained,
}

#[derive(Serialize)]
struct Gained {
    tag_ids: Vec<TagId>,
    project_ids: Vec<ProjectId>,
    report_ids: Vec<ContactId>,
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let request = parse_merge(json_object(&call.req)?)?;
    let tenant = call.tenant()?;
    let merge = call.app.store.merge_contacts(tenant, &request, &call.stamp()).await?;
    if !request.dry_run {
        // After the table's change, which alone decides access (see `portal_users`): the
        // merged contact's user goes, and the survivor's if its address changed.
        if let Some(user) = PortalUser::of(tenant, &merge.merged) {
            call.app.portal_users.remove(&user).await;
        }
        call.app.portal_users.follow_change(tenant, &merge.before, &merge.contact).await;
        // Its share of the history, bounded in time; the merge is done whatever becomes of it:
        // `change-events` moves the rest (or all, should this fail) from the merge's record.
        let survivor = (request.client, request.survivor);
        let moved = call.app.store.merge_history(tenant, request.merged, survivor, Some(HISTORY_IN_REQUEST)).await;
        if let Err(error) = moved {
            tracing::warn!(error = %error, "a merged contact's history is left to change-events");
        }
    }
    let contact = super::custom::shown_one(&call, merge.contact).await?;
    // A dry run's is the survivor's as it stands: the version `survivor_version` confirms.
    let etag = match request.dry_run {
        true => merge.before.audit.etag(),
        false => contact.audit.etag(),
    };
    let gained =
        Gained { tag_ids: merge.tag_ids, project_ids: merge.project_ids, report_ids: merge.report_ids };
    let report = MergeReport { dry_run: request.dry_run, contact, merged_contact_id: request.merged, gained };
    let body = serde_json::to_string(&report).map_err(HttpError::internal)?;
    response::with_body(200, body, Some(&etag), None)
}
