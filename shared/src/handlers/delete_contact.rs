//! DELETE /clients/{clientId}/contacts/{contactId}

use lambda_http::{Body, Error, Request, Response};

use crate::http::request::if_match;
use crate::http::{response, serve, Call, HttpResult};
use crate::portal_users::PortalUser;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::DELETE_CONTACT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let (client, id) = (call.client_id()?, call.contact_id()?);
    let tenant = call.tenant()?;
    let deleted =
        call.app.store.delete_contact(tenant, client, id, if_match(&call.req)?, &call.stamp()).await?;
    // Its portal user goes too, after the table's change (see `portal_users`), if it can have one.
    if let Some(user) = PortalUser::of(tenant, &deleted) {
        call.app.portal_users.remove(&user).await;
    }
    response::no_content()
}
