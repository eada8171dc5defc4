//! DELETE /clients/{clientId}/contacts/{contactId}

use lambda_http::{Body, Error, Request, Response};

use crate::domain::DomainError;
use crate::http::request::if_match;
use crate::store::StoreError;
use crate::http::{response, serve, Call, HttpResult};
use crate::portal_users::PortalUser;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::DELETE_CONTACT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (client, id) = (call.client_id()?, call.contact_id()?);
    let tenant = call.tenant()?;
    let (if_match, stamp) = (if_match(&call.req)?, call.stamp());
    let deleted = match call.app.store.delete_contact(tenant, client, id, if_match, &stamp).await {
        // An archived contact is erased at once too: a data-subject request does not wait for
        // its retention.
        Err(StoreError::Refused(DomainError::NotFound("contact"))) => {
            let purged = call.app.store.purge_archived(tenant, (client, id), None, if_match, &stamp).await?;
            purged.ok_or(DomainError::NotFound("contact"))?
        }
        other => other?,
    };
    // Its portal user goes too, after the table's change (see `portal_users`), if it can have one.
    if let Some(user) = PortalUser::of(tenant, &deleted) {
        call.app.portal_users.remove(&user).await;
    }
    response::no_content()
}
