//! openapi.yaml and the service agree: its paths are exactly the template's routes (with the
//! function as operationId), and what the handlers answer, successes and problems, is documented
//! there: the status, the content type, the required headers, and a body that validates against
//! the schema (OpenAPI 3.1 schemas are JSON Schema 2020-12).

use std::collections::BTreeSet;

use hyper::StatusCode;
use local_api::{Match, Router, Template, TemplateRoute};
use serde_json::{json, Value};
use testkit::contract;
use testkit::{Caller, TestApi, TestResponse};

use crate::support::{given_client, given_contact};
use crate::walk::{walk_every_route, WalkRequest};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

pub fn spec() -> Value {
    contract::spec().clone()
}

fn validator(spec: &Value, schema: &Value) -> jsonschema::Validator {
    contract::validator(spec, schema)
}

fn check(validator: &jsonschema::Validator, value: &Value, what: &str) {
    contract::check(validator, value, what)
}

/// Checks a response against what the spec documents for `route` (see `testkit::contract`).
pub fn assert_documented(_spec: &Value, route: &TemplateRoute, res: &TestResponse) {
    contract::assert_documented(&route.method, &route.path, res);
}

/// Checks a request body the tests sent against the operation's request schema.
fn assert_request_documented(spec: &Value, route: &TemplateRoute, request: &WalkRequest) {
    let Some((content_type, body)) = &request.body else { return };
    let media =
        &contract::operation(spec, &route.method, &route.path)["requestBody"]["content"][content_type];
    assert!(media.is_object(), "{} {}: request type {content_type} not documented", route.method, route.path);
    if content_type.ends_with("json") {
        let body: Value = serde_json::from_str(body).unwrap();
        check(
            &validator(spec, &media["schema"]),
            &body,
            &format!("request to {} {}", route.method, route.path),
        );
    }
}

#[test]
fn the_spec_has_exactly_the_template_routes_with_the_function_as_operation_id() {
    let spec = spec();
    assert_eq!(spec["openapi"].as_str().map(|v| v.starts_with("3.1")), Some(true));
    let mut in_spec = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap().iter().filter(|(m, _)| METHODS.contains(&m.as_str())) {
            let function = op["operationId"].as_str().unwrap_or_default().to_owned();
            // `security: []` is a public route, the `portal` scheme the portal pool's token; any
            // other operation needs the staff pool's token.
            let authorizer = match op["security"].as_array() {
                Some(schemes) if schemes.is_empty() => None,
                Some(schemes) if schemes.iter().any(|s| s.get("portal").is_some()) => {
                    Some("PortalJwt".to_owned())
                }
                _ => Some("StaffJwt".to_owned()),
            };
            in_spec.insert(TemplateRoute {
                method: method.to_uppercase(),
                path: path.clone(),
                function,
                authorizer,
            });
        }
    }
    // The portal's pages are HTML served on the API's domain, not operations of the API.
    let in_template: BTreeSet<TemplateRoute> =
        Template::of_repo().routes().unwrap().into_iter().filter(|r| r.function != "portal-pages").collect();
    assert_eq!(in_spec, in_template);
}

#[test]
fn every_schema_and_reference_of_the_spec_compiles() {
    let spec = spec();
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        let _ = validator(&spec, schema);
        assert!(!name.is_empty());
    }
    // Every $ref anywhere points at something.
    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                    out.push(r);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&spec, &mut all);
    for r in all {
        assert!(spec.pointer(r.trim_start_matches('#')).is_some(), "dangling $ref {r}");
    }
}

#[tokio::test]
async fn every_success_response_of_every_route_matches_the_spec() {
    let spec = spec();
    let api = TestApi::new().await;

    let tenant = format!("walk-{}", ulid::Ulid::new());
    let admin = TestApi::admin(&tenant);
    let steps = walk_every_route(
        &tenant,
        testkit::api::VERIFIED_TOKEN.to_owned(),
        |req: WalkRequest| {
            let (api, admin) = (&api, &admin);
            async move {
                let headers = req.header_pairs();
                let caller = req.portal.as_ref().unwrap_or(admin);
                api.send(caller, &req.method, &req.path_and_query, &headers, req.body.clone().map(|(_, b)| b))
                    .await
            }
        },
        true,
    )
    .await;

    for step in &steps {
        assert_request_documented(&spec, &step.route, &step.request);
        assert_documented(&spec, &step.route, &step.response);
    }
}

/// One request that must answer a problem: who sends it, the method, path, headers and body,
/// and the status and code of the problem.
type Case<'a> = (&'a Caller, &'a str, String, &'a [(&'a str, &'a str)], Option<String>, u16, &'a str);

const JSON_TYPE: &[(&str, &str)] = &[("content-type", "application/json")];

/// What the problem cases name: client Acme with two contacts, Ada (its primary) and Byron,
/// and a client that does not exist.
struct ProblemPaths {
    acme: String,
    ada: String,
    missing: String,
}

async fn given_problem_paths(api: &TestApi, admin: &Caller) -> ProblemPaths {
    let acme = given_client(api, admin, "Acme").await;
    let ada =
        given_contact(api, admin, &acme, json!({"last_name": "Lovelace", "email": "ada@problems.test"}))
            .await;
    given_contact(api, admin, &acme, json!({"last_name": "Byron", "email": "byron@problems.test"})).await;
    let ada = format!("/clients/{acme}/contacts/{}", ada["id"].as_str().unwrap());
    let missing = format!("/clients/{}", shared::domain::ClientId::generate());
    ProblemPaths { acme, ada, missing }
}

/// The cases answered 400 to 409: malformed requests, no identity, no right, nothing there,
/// and the conflicts.
fn refusal_cases<'a>(admin: &'a Caller, reader: &'a Caller, p: &ProblemPaths) -> Vec<Case<'a>> {
    let (acme, ada, missing) = (&p.acme, &p.ada, &p.missing);
    vec![
        (admin, "GET", "/clients?limit=0".into(), &[], None, 400, "bad-request"),
        (admin, "POST", "/clients".into(), JSON_TYPE, Some("[1]".into()), 400, "bad-request"),
        (&Caller::Anonymous, "GET", format!("/clients/{acme}"), &[], None, 401, "unauthenticated"),
        (reader, "POST", "/clients".into(), JSON_TYPE, Some("{}".into()), 403, "forbidden"),
        (admin, "GET", missing.clone(), &[], None, 404, "not-found"),
        (admin, "GET", format!("{missing}/contacts"), &[], None, 404, "not-found"),
        (
            admin,
            "POST",
            format!("/clients/{acme}/contacts"),
            JSON_TYPE,
            Some(json!({"last_name": "L", "email": "BYRON@problems.test"}).to_string()),
            409,
            "email-taken",
        ),
        (admin, "DELETE", format!("/clients/{acme}"), &[], None, 409, "client-has-contacts"),
        (admin, "DELETE", ada.clone(), &[], None, 409, "primary-required"),
    ]
}

/// The cases answered 409 to 422: a failed precondition, a body too large or of the wrong
/// type, invalid fields, an invitation with nowhere to go, an unknown token.
fn invalid_request_cases<'a>(admin: &'a Caller, p: &ProblemPaths) -> Vec<Case<'a>> {
    let (acme, ada) = (&p.acme, &p.ada);
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(70 * 1024));
    let if_match_v9: &[(&str, &str)] = &[("content-type", "application/json"), ("if-match", "\"v9\"")];
    let text_plain: &[(&str, &str)] = &[("content-type", "text/plain")];
    let accept = "/invites/accept".to_owned();
    let unknown_token = json!({"token": "unknown", "password": "correct horse battery staple"}).to_string();
    vec![
        (admin, "PATCH", ada.clone(), if_match_v9, Some("{}".into()), 412, "precondition-failed"),
        (admin, "POST", "/clients".into(), JSON_TYPE, Some(big), 413, "payload-too-large"),
        (admin, "POST", "/clients".into(), text_plain, Some("x".into()), 415, "unsupported-media-type"),
        (
            admin,
            "POST",
            "/clients/import".into(),
            JSON_TYPE,
            Some("{}".into()),
            415,
            "unsupported-media-type",
        ),
        (
            admin,
            "POST",
            format!("/clients/{acme}/contacts"),
            JSON_TYPE,
            Some(json!({"email": "nope", "notifications": ["fax"]}).to_string()),
            422,
            "validation-failed",
        ),
        (admin, "POST", format!("{ada}/invite"), &[], None, 409, "no-email"),
        (&Caller::Anonymous, "POST", accept.clone(), JSON_TYPE, Some(unknown_token), 404, "not-found"),
        (&Caller::Anonymous, "POST", accept, JSON_TYPE, Some("{}".into()), 422, "validation-failed"),
        (
            admin,
            "POST",
            format!("/clients/{acme}/notifications"),
            JSON_TYPE,
            Some(json!({"topic": "fax"}).to_string()),
            422,
            "validation-failed",
        ),
    ]
}

#[tokio::test]
async fn problem_responses_match_the_spec() {
    let spec = spec();
    let api = TestApi::new().await;
    let router = Router::new(Template::of_repo().routes().unwrap());
    let (admin, reader) = (TestApi::admin("t1"), TestApi::reader("t1"));
    let paths = given_problem_paths(&api, &admin).await;
    let mut cases = refusal_cases(&admin, &reader, &paths);
    cases.extend(invalid_request_cases(&admin, &paths));
    // Ada has an email: clear it so the invitation has nowhere to go.
    let cleared = api.patch(&admin, &paths.ada, json!({"email": null, "mobile": "+1 202 555 0101"})).await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);

    for (caller, method, path, headers, body, status, code) in cases {
        let res = api.send(caller, method, &path, headers, body).await;
        assert_eq!(
            (res.status, res.problem_code().as_str()),
            (status, code),
            "{method} {path}: {}",
            res.body
        );
        let Match::Found(route) = router.route(method, path.split('?').next().unwrap()) else {
            panic!("{method} {path} is routed")
        };
        assert_documented(&spec, route, &res);
    }
}

#[test]
fn the_local_apis_own_problems_match_the_problem_schema() {
    let spec = spec();
    let problem = validator(&spec, &json!({"$ref": "#/components/schemas/Problem"}));
    for (status, code) in [
        (StatusCode::NOT_FOUND, "not-found"),
        (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed"),
        (StatusCode::BAD_GATEWAY, "bad-gateway"),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"),
    ] {
        let res = local_api::proxy::problem(status, code, "detail");
        let body = futures_util::FutureExt::now_or_never(http_body_util::BodyExt::collect(res.into_body()))
            .expect("a full body is ready")
            .unwrap()
            .to_bytes();
        check(&problem, &serde_json::from_slice(&body).unwrap(), code);
    }
}

#[test]
fn the_api_page_lists_exactly_the_documented_problem_codes() {
    let readme = std::fs::read_to_string(testkit::table::repo_root().join("docs/api.md")).unwrap();
    let start = readme.find("Problem codes:").expect("docs/api.md has a Problem codes paragraph");
    let paragraph = &readme[start..start + readme[start..].find("\n\n").unwrap()];
    let listed: BTreeSet<String> = paragraph
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .map(str::to_owned)
        .collect();
    let documented = contract::documented_problem_codes();
    assert_eq!(listed, documented, "docs/api.md's problem codes and openapi.yaml's ProblemCode");
}
