//! What a handler answered, read the ways the specs check it.

use lambda_http::http::HeaderMap;
use serde_json::Value;

#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as it came (a download such as an XLSX workbook).
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `code` of a problem response, after checking it is one.
    pub fn problem_code(&self) -> String {
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "not a problem: {}",
            self.body
        );
        let body = self.json();
        assert_eq!(
            body["status"].as_u64(),
            Some(u64::from(self.status)),
            "problem status matches HTTP status"
        );
        body["code"].as_str().expect("problem has a code").to_owned()
    }

    /// The fields a 422 names in `errors`, sorted.
    pub fn invalid_fields(&self) -> Vec<String> {
        let mut fields: Vec<String> = self.json()["errors"]
            .as_array()
            .expect("a 422 with errors")
            .iter()
            .map(|e| e["field"].as_str().expect("a field").to_owned())
            .collect();
        fields.sort();
        fields
    }
}

/// The handler's response as the specs read it: a binary body as it came (`bytes`), and as
/// text where it is UTF-8 (`body`; lossily otherwise, for messages).
pub(super) fn into_test_response(response: lambda_http::Response<lambda_http::Body>) -> TestResponse {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Text(t) => t.into_bytes(),
        lambda_http::Body::Binary(b) => b,
        _ => Vec::new(),
    };
    let body = String::from_utf8_lossy(&bytes).into_owned();
    TestResponse { status: parts.status.as_u16(), headers: parts.headers, body, bytes }
}
