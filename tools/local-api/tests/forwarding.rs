//! The local API in-process on a free loopback port in front of a fake `cargo lambda watch`
//! invoke API that records the events it receives: functions get what API Gateway would send
//! them, and their answers come back as API Gateway would send them.

mod common;

use std::sync::{Arc, Mutex};

use common::{fake_watch, local_api, problem, send};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::Request;
use local_api::proxy::bind_loopback;
use local_api::Template;
use serde_json::json;

#[tokio::test]
async fn a_request_reaches_its_function_as_the_api_gateway_event_and_its_answer_comes_back() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;
    let body: &[u8] = b"{\"last_name\": \"L\xc3\xb6we\"}";
    let req = Request::post(format!("{api}/clients/C%201/contacts?topic=invoice&x=a%2Bb&x=2"))
        .header("authorization", "Bearer abc.def.ghi")
        .header("content-type", "application/json")
        .header("idempotency-key", "k-1")
        .header("x-multi", "one")
        .header("x-multi", "two")
        .body(Full::new(Bytes::from_static(body)))
        .unwrap();
    let (status, headers, answer) = send(req).await;

    assert_eq!(status, 207);
    assert_eq!(headers["etag"], "\"v7\"");
    assert_eq!(headers.get_all("set-cookie").iter().collect::<Vec<_>>(), ["a=1", "b=2"]);
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(&answer[..], b"\x00\xffanswer");

    let seen = seen.lock().unwrap().clone();
    let [got] = seen.as_slice() else { panic!("one invocation, got {seen:?}") };
    assert_eq!(got.method, "POST");
    assert!(got.uri.ends_with("/2015-03-31/functions/add-contact/invocations"), "{}", got.uri);
    let event = &got.event;
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "POST /clients/{clientId}/contacts");
    assert_eq!(event["rawPath"], "/clients/C%201/contacts");
    assert_eq!(event["rawQueryString"], "topic=invoice&x=a%2Bb&x=2");
    assert_eq!(event["pathParameters"], json!({ "clientId": "C 1" }));
    assert_eq!(event["requestContext"]["http"]["method"], "POST");
    assert_eq!(event["headers"]["authorization"], "Bearer abc.def.ghi");
    assert_eq!(event["headers"]["content-type"], "application/json");
    assert_eq!(event["headers"]["idempotency-key"], "k-1");
    assert_eq!(event["headers"]["x-multi"], "one,two");
    assert_eq!(event["headers"]["host"], api.trim_start_matches("http://"), "the caller's Host is kept");
    assert_eq!(event["body"], "{\"last_name\": \"L\u{f6}we\"}");
    assert_eq!(event["isBase64Encoded"], false);
}

#[tokio::test]
async fn a_body_that_is_not_utf8_reaches_the_function_base64_encoded() {
    // Given the local API in front of the functions
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;

    // When a JSON request's body is not valid UTF-8
    let req = Request::post(format!("{api}/clients"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(b"\xc3\x28")))
        .unwrap();
    send(req).await;

    // Then the function gets it as API Gateway passes it: base64 with isBase64Encoded
    let event = seen.lock().unwrap()[0].event.clone();
    assert_eq!((event["body"].as_str(), event["isBase64Encoded"].as_bool()), (Some("wyg="), Some(true)));
}

#[tokio::test]
async fn each_route_goes_to_the_function_the_template_names() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;
    for route in Template::of_repo().routes().unwrap() {
        let path = local_api::router::fill(&route.path, |name| format!("{name}-1"));
        let req = Request::builder()
            .method(route.method.as_str())
            .uri(format!("{api}{path}"))
            .body(Full::new(Bytes::new()))
            .unwrap();
        assert_eq!(send(req).await.0, 207, "{} {path}", route.method);
        let last = seen.lock().unwrap().last().cloned().unwrap();
        assert!(last.uri.ends_with(&format!("/functions/{}/invocations", route.function)), "{}", last.uri);
        assert_eq!(last.event["routeKey"], format!("{} {}", route.method, route.path));
        assert_eq!(last.event["requestContext"]["http"]["method"], route.method);
    }
}

#[tokio::test]
async fn unknown_routes_are_404_and_other_methods_405_without_reaching_a_function() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api = local_api(&fake_watch(seen.clone()).await).await;

    let (status, _, body) =
        problem(Request::get(format!("{api}/nope?x=1")).body(Full::default()).unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not-found")));

    let put = Request::put(format!("{api}/clients/C1")).body(Full::default()).unwrap();
    let (status, headers, body) = problem(put).await;
    assert_eq!((status, body["code"].as_str()), (405, Some("method-not-allowed")));
    assert_eq!(headers["allow"], "DELETE, GET, PATCH");

    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_function_that_does_not_answer_is_a_502_problem() {
    // An upstream that hangs up on every connection without answering.
    let hang_up = bind_loopback(0).await.unwrap();
    let url = format!("http://{}", hang_up.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = hang_up.accept().await {
            drop(stream);
        }
    });
    let api = local_api(&url).await;
    let (status, _, body) =
        problem(Request::get(format!("{api}/clients")).body(Full::default()).unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (502, Some("bad-gateway")));
    assert!(body["detail"].as_str().unwrap().contains("list-clients"));
}
