//! The page the local API serves at /portal for links in locally sent emails: it redeems their
//! token through the accept-invite route, and no function runs for it.

mod common;

use std::sync::{Arc, Mutex};

use common::{fake_watch, local_api, send};
use http_body_util::Full;
use hyper::Request;
use local_api::Template;

#[tokio::test]
async fn invitation_links_open_a_page_that_posts_to_accept_invite_without_reflecting_the_token() {
    // Given the local API (PORTAL_URL points invitation links at its /portal)
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;

    // When a developer opens the link from a locally sent invitation (a browser sends no
    // fragment, so the request has no token; a query string one must not be reflected either)
    let link = format!("{api}/portal/accept-invite?token=Zq9XvW%3Cscript%3E7");
    let (status, headers, body) = send(Request::get(link).body(Full::default()).unwrap()).await;

    // Then a page answers that sends the token and a password to the accept-invite route
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-store");
    let page = String::from_utf8(body.to_vec()).unwrap();
    assert!(page.contains(r#"fetch("/invites/accept""#), "{page}");
    assert!(page.contains("location.hash"), "the token is read from the fragment: {page}");
    assert!(!page.contains("location.search"), "never from the query string: {page}");
    assert!(page.contains(r#"<meta name="referrer" content="no-referrer">"#), "{page}");
    assert!(Template::of_repo()
        .routes()
        .unwrap()
        .iter()
        .any(|r| r.method == "POST" && r.path == "/invites/accept"));
    assert!(
        !page.contains("Zq9XvW") && !page.contains("<script>7"),
        "the token stays in the URL, not the HTML"
    );
    assert!(seen.lock().unwrap().is_empty(), "no function runs for the page");
}

#[tokio::test]
async fn password_reset_links_open_the_same_page_since_the_same_route_redeems_them() {
    // Given the local API
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;

    // When a developer opens the link from a locally sent password reset email
    let (status, headers, body) =
        send(Request::get(format!("{api}/portal/reset-password")).body(Full::default()).unwrap()).await;

    // Then the page that posts the token and a password to /invites/accept answers
    assert_eq!((status, headers["cache-control"].to_str().unwrap()), (200, "no-store"));
    let page = String::from_utf8(body.to_vec()).unwrap();
    assert!(page.contains(r#"fetch("/invites/accept""#) && page.contains("location.hash"), "{page}");
    assert!(seen.lock().unwrap().is_empty(), "no function runs for the page");
}
