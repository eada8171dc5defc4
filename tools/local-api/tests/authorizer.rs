//! The local API's JWT authorizer against a pool whose signing key the specs hold (a throwaway
//! key in tests/fixtures, its JWKS served on a loopback port), so every way a token can be
//! wrong can be made: expired, not yet valid, another issuer or app client, an unknown key,
//! no signature, another algorithm. Each is refused with 401; only a token of the pool for its
//! app client passes, with its claims as API Gateway passes them.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, AUTHORIZATION};
use hyper::{HeaderMap, Request, Response};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use local_api::authorizer::{LocalPool, LocalPools};
use local_api::proxy::{bind_loopback, serve};
use local_api::Authorizers;
use serde_json::{json, Map, Value};

const KEY: &[u8] = include_bytes!("fixtures/test-signing-key.der");
const JWKS: &str = include_str!("fixtures/test-jwks.json");
const CLIENT: &str = "staff-client";

/// Serves the fixture JWKS for every path; returns the staff pool's issuer on it.
async fn issuer() -> String {
    let listener = bind_loopback(0).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(listener, |_req: Request<Incoming>| async {
        Response::new(Full::new(Bytes::from_static(JWKS.as_bytes())))
    }));
    format!("{base}/local_staff")
}

fn authorizers(issuer: &str) -> Authorizers {
    let pool = |id: &str, client: &str, issuer: String| LocalPool {
        pool_id: id.into(),
        client_id: client.into(),
        issuer,
    };
    Authorizers::new(&LocalPools {
        staff: pool("local_staff", CLIENT, issuer.to_owned()),
        portal: pool("local_portal", "portal-client", issuer.replace("local_staff", "local_portal")),
    })
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// An ID token of the staff pool, signed with the pool's key, then changed by `edit`.
fn claims(issuer: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> Value {
    let mut claims = json!({ "sub": "u1", "custom:tenant_id": "acme", "cognito:groups": ["psa_admins"],
        "iss": issuer, "aud": CLIENT, "token_use": "id", "iat": now(), "exp": now() + 600 });
    edit(claims.as_object_mut().unwrap());
    claims
}

fn signed(claims: &Value, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    encode(&header, claims, &EncodingKey::from_rsa_der(KEY)).unwrap()
}

fn bearer(token: &str) -> HeaderMap {
    HeaderMap::from_iter([(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {token}")).unwrap())])
}

/// The `WWW-Authenticate` challenge of a refusal, or the claims passed on.
async fn verdict(authorizer: &str, issuer: &str, token: &str) -> Result<Map<String, Value>, String> {
    authorizers(issuer).verify(authorizer, &bearer(token)).await.map_err(|refused| {
        assert_eq!(refused.status(), 401);
        refused.headers()["www-authenticate"].to_str().unwrap().to_owned()
    })
}

#[tokio::test]
async fn a_token_of_the_pool_for_its_app_client_passes_with_its_claims_as_text() {
    let issuer = issuer().await;
    let claims = verdict("StaffJwt", &issuer, &signed(&claims(&issuer, |_| {}), "test-key")).await.unwrap();
    assert_eq!(claims["custom:tenant_id"], "acme");
    assert_eq!(claims["cognito:groups"], "[psa_admins]");
}

#[tokio::test]
async fn an_access_token_naming_the_app_client_passes_as_api_gateway_lets_it() {
    let issuer = issuer().await;
    let access = claims(&issuer, |c| {
        c.remove("aud");
        c.insert("client_id".into(), json!(CLIENT));
        c.insert("token_use".into(), json!("access"));
    });
    assert!(verdict("StaffJwt", &issuer, &signed(&access, "test-key")).await.is_ok());
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let issuer = issuer().await;
    let expired = claims(&issuer, |c| {
        c.insert("exp".into(), json!(now() - 5));
    });
    let challenge = verdict("StaffJwt", &issuer, &signed(&expired, "test-key")).await.unwrap_err();
    assert!(challenge.contains("expired"), "{challenge}");
}

#[tokio::test]
async fn a_token_not_yet_valid_is_refused() {
    let issuer = issuer().await;
    let early = claims(&issuer, |c| {
        c.insert("nbf".into(), json!(now() + 600));
    });
    assert!(verdict("StaffJwt", &issuer, &signed(&early, "test-key")).await.is_err());
}

#[tokio::test]
async fn a_token_for_another_app_client_or_from_another_issuer_is_refused() {
    let issuer = issuer().await;
    let other_client = claims(&issuer, |c| {
        c.insert("aud".into(), json!("someone-elses-client"));
    });
    let other_issuer = claims(&issuer, |c| {
        c.insert("iss".into(), json!("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"));
    });
    for token in [signed(&other_client, "test-key"), signed(&other_issuer, "test-key")] {
        assert!(verdict("StaffJwt", &issuer, &token).await.is_err());
    }
}

#[tokio::test]
async fn a_staff_token_is_refused_by_the_portal_authorizer() {
    let issuer = issuer().await;
    let token = signed(&claims(&issuer, |_| {}), "test-key");
    let challenge = verdict("PortalJwt", &issuer, &token).await.unwrap_err();
    assert!(challenge.contains("issuer"), "{challenge}");
}

#[tokio::test]
async fn a_token_naming_an_unknown_key_is_refused() {
    let issuer = issuer().await;
    let token = signed(&claims(&issuer, |_| {}), "another-key");
    assert!(verdict("StaffJwt", &issuer, &token).await.is_err());
}

#[tokio::test]
async fn an_unsigned_token_or_one_signed_with_another_algorithm_is_refused() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let issuer = issuer().await;
    let body = claims(&issuer, |_| {});
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let unsigned = format!("{}.{}.", b64(&json!({"alg": "none", "kid": "test-key"})), b64(&body));
    // The classic confusion: HMAC keyed with the public key's text.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("test-key".into());
    let confused = encode(&header, &body, &EncodingKey::from_secret(JWKS.as_bytes())).unwrap();
    for token in [unsigned, confused] {
        assert!(verdict("StaffJwt", &issuer, &token).await.is_err(), "{token}");
    }
}
