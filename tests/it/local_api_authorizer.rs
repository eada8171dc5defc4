//! The local API verifies tokens as API Gateway's JWT authorizer does, with real ID tokens of
//! the local Cognito emulator's pools: a function runs only for a token of its route's pool,
//! and receives the claims as API Gateway passes them; anything else is 401 before it runs.

use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use local_api::proxy::{bind_loopback, serve};
use local_api::{Authorizers, Proxy, Router, Template};
use testkit::TestApi;

use crate::portal_sign_in::given_signed_up;
use serde_json::{json, Value};

use testkit::cognito::admin_id_token as admin_token;
use testkit::sign_in::pools;

/// The events the functions were invoked with; every function answers 200 `{}`.
async fn fake_functions(seen: Arc<Mutex<Vec<Value>>>) -> String {
    let listener = bind_loopback(0).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(listener, move |req: Request<Incoming>| {
        let seen = seen.clone();
        async move {
            let body = req.into_body().collect().await.unwrap().to_bytes();
            seen.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
            let answer =
                json!({ "statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{}" });
            Response::new(Full::new(Bytes::from(answer.to_string())))
        }
    }));
    url
}

struct Given {
    base: String,
    seen: Arc<Mutex<Vec<Value>>>,
}

async fn local_api() -> Given {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let upstream = fake_functions(seen.clone()).await;
    let listener = bind_loopback(0).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut proxy = Proxy::new(Router::new(Template::of_repo().routes().unwrap()), &upstream);
    proxy.log = false;
    proxy.authorizers = Some(Authorizers::new(pools().await));
    tokio::spawn(Arc::new(proxy).serve(listener));
    Given { base, seen }
}

/// Status, `WWW-Authenticate` and body of `method path` with `authorization`.
async fn call(base: &str, method: &str, path: &str, authorization: Option<&str>) -> (u16, String, String) {
    let mut request = Request::builder().method(method).uri(format!("{base}{path}"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client.request(request.body(Full::default()).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, challenge.unwrap_or_default(), String::from_utf8_lossy(&body).into_owned())
}

fn refused(answer: &(u16, String, String), given: &Given) {
    assert_eq!(answer.0, 401, "{answer:?}");
    assert_eq!(answer.2, r#"{"message":"Unauthorized"}"#);
    assert!(answer.1.starts_with("Bearer"), "{answer:?}");
    assert!(given.seen.lock().unwrap().is_empty(), "no function ran");
}

#[tokio::test]
async fn a_staff_token_reaches_the_function_with_its_claims_as_api_gateway_passes_them() {
    let given = local_api().await;
    let token = admin_token("acme").await;
    let answer = call(&given.base, "GET", "/clients", Some(&format!("Bearer {token}"))).await;
    assert_eq!(answer.0, 200, "{answer:?}");
    let seen = given.seen.lock().unwrap();
    let claims = &seen[0]["requestContext"]["authorizer"]["jwt"]["claims"];
    assert_eq!(claims["custom:tenant_id"], "acme");
    assert_eq!(claims["cognito:groups"], "[psa_admins]");
    assert_eq!(claims["token_use"], "id");
    assert!(claims["exp"].as_str().is_some_and(|e| e.parse::<u64>().is_ok()), "numbers arrive as text");
}

#[tokio::test]
async fn a_request_without_a_token_is_refused_before_any_function_runs() {
    let given = local_api().await;
    let answer = call(&given.base, "GET", "/clients", None).await;
    refused(&answer, &given);
    assert_eq!(answer.1, "Bearer");
}

#[tokio::test]
async fn a_token_whose_claims_were_changed_after_signing_is_refused() {
    let given = local_api().await;
    let token = admin_token("acme").await;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["custom:tenant_id"] = json!("victim");
    let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2]);
    let answer = call(&given.base, "GET", "/clients", Some(&format!("Bearer {forged}"))).await;
    refused(&answer, &given);
    assert!(answer.1.contains("invalid_token"), "{answer:?}");
}

#[tokio::test]
async fn a_token_signed_with_a_shared_secret_instead_of_the_pools_key_is_refused() {
    let given = local_api().await;
    let pool = &pools().await.staff;
    let claims = json!({"sub": "u1", "custom:tenant_id": "acme", "cognito:groups": ["psa_admins"],
        "iss": pool.issuer, "aud": pool.client_id, "token_use": "id", "exp": 4_102_444_800u64});
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("CognitoLocal".into());
    let key = jsonwebtoken::EncodingKey::from_secret(b"local-dev-secret-change-me");
    let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    refused(&call(&given.base, "GET", "/clients", Some(&format!("Bearer {token}"))).await, &given);
}

#[tokio::test]
async fn a_portal_users_token_is_refused_on_a_staff_route() {
    let given = local_api().await;
    // A portal user signs in only as a contact the sign-in gate lets through.
    let api = TestApi::new().await;
    let ada = given_signed_up(&api).await;
    let tokens = crate::portal_sign_in::sign_in(&ada).await.unwrap();
    let token = tokens.id_token().unwrap();
    let answer = call(&given.base, "GET", "/clients", Some(&format!("Bearer {token}"))).await;
    refused(&answer, &given);
    assert!(answer.1.contains("issuer"), "{answer:?}");
}

#[tokio::test]
async fn the_public_route_runs_its_function_without_a_token_or_claims() {
    let given = local_api().await;
    let answer = call(&given.base, "POST", "/invites/accept", None).await;
    assert_eq!(answer.0, 200, "{answer:?}");
    let seen = given.seen.lock().unwrap();
    assert!(seen[0]["requestContext"]["authorizer"].is_null());
}
