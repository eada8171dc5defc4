//! The client portal's pages are a function on the API (template.yaml's PortalPagesFunction),
//! so the local API routes the links in locally sent emails to it as API Gateway would.

mod common;

use std::sync::{Arc, Mutex};

use common::{fake_watch, local_api, send};
use http_body_util::Full;
use hyper::Request;

#[tokio::test]
async fn invitation_links_reach_the_portal_pages_function_without_a_token() {
    // Given the local API (PORTAL_URL points invitation links at its /portal)
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;

    // When a browser opens an invitation's link (it sends no fragment, so no token), and the
    // page then loads its script
    for path in ["/portal/accept-invite?tenant=demo", "/portal/assets/portal.js", "/portal"] {
        let (status, _, _) = send(Request::get(format!("{api}{path}")).body(Full::default()).unwrap()).await;
        assert_eq!(status, 207, "{path}: the function's answer");
    }

    // Then each request went to the portal-pages function, with its page or file as a path
    // parameter, and no authorizer refused it
    let seen = seen.lock().unwrap();
    let invoked: Vec<(&str, &serde_json::Value)> =
        seen.iter().map(|r| (r.uri.as_str(), &r.event["pathParameters"])).collect();
    let function = "/2015-03-31/functions/portal-pages/invocations";
    assert_eq!(
        invoked,
        vec![
            (function, &serde_json::json!({"page": "accept-invite"})),
            (function, &serde_json::json!({"file": "portal.js"})),
            (function, &serde_json::Value::Null),
        ]
    );
    assert_eq!(seen[0].event["rawQueryString"], "tenant=demo");
}

#[tokio::test]
async fn the_portal_profile_route_stays_the_apis_own() {
    // Given the local API
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;

    // When /portal/me is called
    send(Request::get(format!("{api}/portal/me")).body(Full::default()).unwrap()).await;

    // Then its own function answers it: the page route `/portal/{page}` does not catch it
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].uri, "/2015-03-31/functions/get-portal-profile/invocations");
}
