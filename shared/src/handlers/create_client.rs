//! POST /clients

use lambda_http::{Body, Error, Request, Response};

use crate::domain::{Audit, Client, ClientFields, ClientId, ClientPatch};
use crate::http::request::{idempotency, json_object};
use crate::http::response::StoredResponse;
use crate::http::{serve, Call, HttpResult};
use crate::store::Idempotency;
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::CREATE_CLIENT.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let idempotent = idempotency(&call.req)?;
    let fields =
        ClientFields::create(ClientPatch::parse(json_object(&call.req)?, call.app.phone_region, true)?)?;
    let client = Client {
        id: ClientId::generate(),
        fields,
        primary_contact_id: None,
        contact_count: 0,
        archived_count: 0,
        audit: Audit::new(&call.stamp()),
    };
    let response = StoredResponse {
        status: 201,
        body: serde_json::to_string(&client).map_err(crate::http::HttpError::internal)?,
        location: Some(format!("/clients/{}", client.id)),
        etag: Some(client.audit.etag()),
    };
    let idempotency = idempotent.as_ref().map(|request| Idempotency {
        request,
        record: response.record(),
        now_epoch: call.now_epoch(),
    });
    let outcome = call.app.store.create_client(call.tenant()?, &client, idempotency).await?;
    super::created(outcome, response)
}
