//! POST /invites/accept `{token, password}`: public; the token is the credential.

use lambda_http::{Body, Error, Request, Response};
use serde_json::json;

use crate::domain::fields::FieldReader;
use crate::domain::invite::Password;
use crate::domain::{DomainError, FieldError};
use crate::http::request::json_object;
use crate::http::response::json;
use crate::http::{serve, Call, HttpResult};
use crate::{invites, App};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::ACCEPT_INVITE.route, run).await
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    let mut r = FieldReader::new(json_object(&call.req)?);
    let token = r.parsed("token", |t| {
        if t.len() > 200 {
            Err("is not an invitation token".into())
        } else {
            Ok(t.to_owned())
        }
    });
    // Passwords are taken as sent: no trimming.
    let password = r.parsed("password", |p| {
        Password::check_policy(p).map_err(str::to_owned)?;
        Ok(p.to_owned())
    });
    let mut errors = r.finish();
    let (token, password) = (token.apply(None), password.apply(None));
    for (name, missing) in [("token", token.is_none()), ("password", password.is_none())] {
        if missing && !errors.iter().any(|e| e.field == name) {
            errors.push(FieldError::new(name, "is required"));
        }
    }
    let (Some(token), Some(password)) = (token, password) else {
        return Err(DomainError::Validation(errors).into());
    };
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors).into());
    }
    invites::accept(&call.app.acceptance(), &token, &password).await?;
    json(200, &json!({ "status": "active" }))
}
