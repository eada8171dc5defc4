//! Sending requests: each becomes the API Gateway event of its route and goes to the handler
//! of the function that serves it, as Lambda would run it.

use serde_json::Value;

use shared::handlers;
use shared::http::routes::{Match, Route};
use shared::App;

use super::response::into_test_response;
use super::{Caller, TestApi, TestResponse};

impl TestApi {
    pub async fn get(&self, caller: &Caller, path: &str) -> TestResponse {
        self.send(caller, "GET", path, &[], None).await
    }

    pub async fn post(&self, caller: &Caller, path: &str, body: Value) -> TestResponse {
        self.send(caller, "POST", path, &[("content-type", "application/json")], Some(body.to_string())).await
    }

    pub async fn patch(&self, caller: &Caller, path: &str, body: Value) -> TestResponse {
        self.send(
            caller,
            "PATCH",
            path,
            &[("content-type", "application/merge-patch+json")],
            Some(body.to_string()),
        )
        .await
    }

    pub async fn delete(&self, caller: &Caller, path: &str) -> TestResponse {
        self.send(caller, "DELETE", path, &[], None).await
    }

    /// Sends arbitrary bytes as a JSON body, base64-encoded as API Gateway passes binary bodies.
    pub async fn send_raw(&self, caller: &Caller, method: &str, path: &str, bytes: &[u8]) -> TestResponse {
        self.send_bytes(caller, method, path, "application/json", bytes).await
    }

    /// Sends arbitrary bytes with a content type, base64-encoded as API Gateway passes them.
    pub async fn send_bytes(
        &self,
        caller: &Caller,
        method: &str,
        path: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> TestResponse {
        use base64::Engine;
        let route = route_for(method, path);
        let mut event = self.event(route, caller, method, path, "", &[("content-type", content_type)], None);
        event["body"] = Value::String(base64::engine::general_purpose::STANDARD.encode(bytes));
        event["isBase64Encoded"] = Value::Bool(true);
        self.dispatch_event(route, event).await
    }

    /// Sends any request to the function whose route matches `method` and `path`.
    pub async fn send(
        &self,
        caller: &Caller,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> TestResponse {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let route = route_for(method, path);
        self.dispatch_event(route, self.event(route, caller, method, path, query, headers, body)).await
    }

    /// The API Gateway HTTP API v2 event of a request with an optional JSON body, as the
    /// function behind its route receives it (what the benchmarks feed the release bootstraps).
    pub fn json_event(
        &self,
        caller: &Caller,
        method: &str,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Value {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let headers: &[(&str, &str)] = match body {
            Some(_) => &[("content-type", "application/json")],
            None => &[],
        };
        let body = body.map(|b| b.to_string());
        self.event(route_for(method, path), caller, method, path, query, headers, body)
    }

    /// Runs the route's handler; every answer is checked against openapi.yaml on the way back.
    async fn dispatch_event(&self, route: &Route, event: Value) -> TestResponse {
        let request = lambda_http::request::from_str(&event.to_string()).expect("valid API Gateway event");
        let res = into_test_response(
            dispatch(&self.app, route, request).await.expect("handlers never fail the invocation"),
        );
        crate::contract::assert_documented(route.method, route.template, &res);
        res
    }

    /// Runs `function`'s handler on an API Gateway HTTP API v2 event (as `cargo lambda invoke
    /// --data-file` does). `None` when no route of the service is served by `function`.
    pub async fn invoke_event(&self, function: &str, event: &str) -> Option<TestResponse> {
        let route = handlers::ROUTES.iter().find(|r| r.function == function)?;
        let request = lambda_http::request::from_str(event).expect("valid API Gateway event");
        let response = dispatch(&self.app, route, request).await.expect("handlers never fail the invocation");
        Some(into_test_response(response))
    }
}

/// The route API Gateway would pick for `method` and `path`.
fn route_for(method: &str, path: &str) -> &'static Route {
    match handlers::route(method, path) {
        Match::Found(route) => route,
        other => panic!("no route for {method} {path}: {other:?}"),
    }
}

/// Runs the handler of the function that serves `route`.
async fn dispatch(
    app: &App,
    route: &Route,
    req: lambda_http::Request,
) -> Result<lambda_http::Response<lambda_http::Body>, lambda_http::Error> {
    let handler = handlers::handler(route.function)
        .unwrap_or_else(|| panic!("no handler wired for {}", route.function));
    handler(app, req).await
}
