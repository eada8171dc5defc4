//! Malformed and hostile requests get a clear problem response, never a 500.

use serde_json::json;
use testkit::TestApi;

use crate::support::{contact_path, given_client, given_contact};

#[tokio::test]
async fn malformed_json_is_400() {
    let api = TestApi::new().await;
    let res = api
        .send(
            &TestApi::admin("t1"),
            "POST",
            "/clients",
            &[("content-type", "application/json")],
            Some("{\"name\": ".into()),
        )
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(res.problem_code(), "bad-request");
}

#[tokio::test]
async fn a_json_body_that_is_not_an_object_is_400() {
    let api = TestApi::new().await;
    for body in ["[]", "\"Acme\"", "42", "null"] {
        let res = api
            .send(
                &TestApi::admin("t1"),
                "POST",
                "/clients",
                &[("content-type", "application/json")],
                Some(body.into()),
            )
            .await;
        assert_eq!(res.status, 400, "{body}");
    }
}

#[tokio::test]
async fn a_json_body_that_is_not_utf8_is_400_bad_request_on_every_route_that_reads_one() {
    // Given a client with a contact, and a body API Gateway passes base64-encoded because it
    // is not text
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let contact =
        given_contact(&api, &admin, &client, json!({ "last_name": "L", "email": "l@x.test" })).await;
    let contact = contact_path(&client, &contact);
    let routes = [
        ("POST", "/clients".to_owned()),
        ("PATCH", format!("/clients/{client}")),
        ("POST", format!("/clients/{client}/contacts")),
        ("PATCH", contact.clone()),
        ("POST", format!("{contact}/invite")),
        ("POST", format!("/clients/{client}/notifications")),
        ("POST", "/invites/accept".to_owned()),
    ];
    for (method, path) in routes {
        // When it arrives as application/json
        let res = api.send_bytes(&admin, method, &path, "application/json", b"\xc3\x28").await;

        // Then the answer is a problem naming the body, not a 5xx
        assert_eq!((res.status, res.problem_code()), (400, "bad-request".to_owned()), "{method} {path}");
        assert!(res.body.contains("UTF-8"), "{method} {path}: {}", res.body);
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let api = TestApi::new().await;
    for content_type in ["text/plain", "application/x-www-form-urlencoded", ""] {
        let headers = [("content-type", content_type)];
        let res = api
            .send(&TestApi::admin("t1"), "POST", "/clients", &headers, Some("{\"name\":\"x\"}".into()))
            .await;
        assert_eq!(res.status, 415, "{content_type:?}");
        assert_eq!(res.problem_code(), "unsupported-media-type");
    }
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let api = TestApi::new().await;
    let body = json!({ "name": "x".repeat(70 * 1024) }).to_string();
    let res = api
        .send(&TestApi::admin("t1"), "POST", "/clients", &[("content-type", "application/json")], Some(body))
        .await;
    assert_eq!(res.status, 413);
    assert_eq!(res.problem_code(), "payload-too-large");
}

#[tokio::test]
async fn deeply_nested_json_is_400_not_a_crash() {
    let api = TestApi::new().await;
    let body = format!("{{\"name\": {}1{}}}", "[".repeat(5000), "]".repeat(5000));
    let res = api
        .send(&TestApi::admin("t1"), "POST", "/clients", &[("content-type", "application/json")], Some(body))
        .await;
    assert_eq!(res.status, 400);
}

#[tokio::test]
async fn oversized_fields_and_header_injection_in_email_are_422() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let body = json!({
        "last_name": "x".repeat(101),
        "email": "ada@x.test\r\nBcc: victim@y.test",
        "phone": 12025550143_u64,
        "description": "y".repeat(2001),
    });

    let res = api.post(&admin, &format!("/clients/{acme}/contacts"), body).await;

    assert_eq!(res.status, 422);
    let mut fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    assert_eq!(fields, vec!["description", "email", "last_name", "phone"]);
}

#[tokio::test]
async fn a_malformed_if_match_or_idempotency_key_is_refused() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;

    let headers = [("content-type", "application/json"), ("if-match", "garbage")];
    let patch = api
        .send(&admin, "PATCH", &format!("/clients/{acme}"), &headers, Some("{\"name\":\"n\"}".into()))
        .await;
    let long_key = "k".repeat(300);
    let headers = [("content-type", "application/json"), ("idempotency-key", long_key.as_str())];
    let create = api.send(&admin, "POST", "/clients", &headers, Some("{\"name\":\"n\"}".into())).await;

    assert_eq!(patch.status, 412, "a tag this service never issued matches nothing");
    assert_eq!(create.status, 400);
}

#[tokio::test]
async fn handlers_work_from_the_raw_path_without_path_parameters() {
    let mut api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    api.path_parameters = false;

    let res = api
        .post(&admin, &format!("/clients/{acme}/contacts"), json!({ "last_name": "L", "email": "l@x.test" }))
        .await;

    assert_eq!(res.status, 201, "{}", res.body);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(api.get(&admin, &format!("/clients/{acme}/contacts/{id}")).await.status, 200);
}
