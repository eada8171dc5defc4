//! Malformed and hostile requests get a clear problem response, never a 500.

use serde_json::{json, Value};
use testkit::{Caller, TestApi};

use crate::support::{assert_invariants, contact_path, given_client, given_contact};

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

    assert_eq!(patch.status, 400, "{}", patch.body);
    assert_eq!(patch.problem_code(), "bad-request");
    assert_eq!(create.status, 400);
}

/// Every operation that takes `If-Match`: a value of another shape than `"v<version>"` (with
/// `W/` or not) or `*` is 400 and changes nothing; a well-formed tag of a version the resource
/// is not at (also one past any version a counter reaches) is 412.
#[tokio::test]
async fn if_match_of_another_shape_is_400_and_a_stale_tag_is_412_on_every_operation() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let ada = crate::portal::given_portal_user(&api, "t1").await;
    let acme = given_client(&api, &admin, "Acme").await;
    let bob = given_contact(&api, &admin, &acme, json!({ "last_name": "B", "email": "b@x.test" })).await;
    let bob = contact_path(&acme, &bob);
    let acme = format!("/clients/{acme}");
    let json = |v: Value| Some(v.to_string());
    let operations: [(&Caller, &str, &str, Option<String>); 6] = [
        (&admin, "PATCH", &acme, json(json!({ "name": "n" }))),
        (&admin, "PATCH", &bob, json(json!({ "job_title": "CFO" }))),
        (&admin, "PATCH", "/settings", json(json!({ "invite_on_add": true }))),
        (&ada.caller, "PATCH", "/portal/me", json(json!({ "job_title": "CTO" }))),
        (&admin, "DELETE", &bob, None),
        (&admin, "DELETE", &acme, None),
    ];
    let versions = || async {
        let mut seen = Vec::new();
        for path in [&acme, &bob, "/settings"] {
            seen.push(api.get(&admin, path).await.json()["version"].clone());
        }
        seen.push(api.get(&ada.caller, "/portal/me").await.json()["version"].clone());
        seen
    };
    let before = versions().await;
    let malformed =
        ["garbage", "v1", "\"v\"", "\"v-1\"", "\"v1", "w/\"v1\"", "\"v1\", \"v2\"", "\"V1\"", "**"];
    let stale = ["\"v99\"", "W/\"v99\"", "\"v99999999999999999999999\""];

    for (caller, method, path, body) in &operations {
        for (values, status, code) in
            [(&malformed[..], 400, "bad-request"), (&stale[..], 412, "precondition-failed")]
        {
            for value in values {
                let headers = [("content-type", "application/json"), ("if-match", *value)];
                let res = api.send(caller, method, path, &headers, body.clone()).await;
                assert_eq!(res.status, status, "{method} {path} with If-Match {value}: {}", res.body);
                assert_eq!(res.problem_code(), code, "{method} {path} with If-Match {value}");
            }
        }
    }
    assert_eq!(versions().await, before, "nothing changed");
    assert_invariants(&api).await;
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
