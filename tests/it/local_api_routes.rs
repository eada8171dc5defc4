//! The local API end to end: the router on a loopback port, in front of a stand-in for
//! `cargo lambda watch` that runs the real handlers against DynamoDB Local and the SES emulator.
//! One walk through the service calls every route of template.yaml over HTTP and gets each
//! route's success status from the function the template names.

use std::collections::BTreeSet;
use std::sync::Arc;

use harness::mail::{invite_token, messages_to};
use harness::tokens::ADMIN_GROUP;
use harness::{watch, TestApi};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use local_api::proxy::bind_loopback;
use local_api::{router, Proxy, Router, Template, TemplateRoute};
use serde_json::{json, Value};

use crate::support::assert_invariants;

struct Walk {
    base: String,
    token: String,
    routes: Vec<TemplateRoute>,
    invoked: Arc<std::sync::Mutex<Vec<String>>>,
    called: BTreeSet<TemplateRoute>,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
}

impl Walk {
    /// Calls `method template` (parameters filled from `ids`) through the local API, checks the
    /// status and that the template's function answered, and returns the JSON body.
    async fn call(
        &mut self,
        method: &str,
        template: &str,
        ids: &[(&str, &str)],
        query: &str,
        body: Option<(&str, String)>,
        status: u16,
    ) -> Value {
        let route = self
            .routes
            .iter()
            .find(|r| r.method == method && r.path == template)
            .unwrap_or_else(|| panic!("{method} {template} is not a template route"))
            .clone();
        let path = router::fill(template, |name| {
            ids.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
                .expect("an id for each parameter")
        });
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}{query}", self.base))
            .header("authorization", format!("Bearer {}", self.token));
        if let Some((content_type, _)) = &body {
            req = req.header("content-type", *content_type);
        }
        let req = req.body(Full::new(Bytes::from(body.map(|(_, b)| b).unwrap_or_default()))).unwrap();
        let res = self.client.request(req).await.expect("the local API answers");
        let got = res.status().as_u16();
        let text = res.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&text).into_owned();
        assert_eq!(got, status, "{method} {path}{query}: {text}");
        assert_eq!(
            self.invoked.lock().unwrap().last(),
            Some(&route.function),
            "{method} {path} reached {}",
            route.function
        );
        self.called.insert(route);
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

fn json_body(value: Value) -> Option<(&'static str, String)> {
    Some(("application/json", value.to_string()))
}

fn csv(text: &str) -> Option<(&'static str, String)> {
    Some(("text/csv", text.to_owned()))
}

#[tokio::test]
async fn every_template_route_answers_through_the_local_api() {
    let api = Arc::new(TestApi::new().await);
    let fake = watch::start(api.clone()).await;
    let routes = Template::of_repo().routes().unwrap();
    let listener = bind_loopback(0).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut proxy = Proxy::new(Router::new(routes.clone()), &fake.url);
    proxy.log = false;
    tokio::spawn(Arc::new(proxy).serve(listener));
    let tenant = format!("local-{}", ulid::Ulid::new());
    let mut walk = Walk {
        base,
        token: TestApi::token(&tenant, &[ADMIN_GROUP], &[], 600),
        routes: routes.clone(),
        invoked: fake.invoked.clone(),
        called: BTreeSet::new(),
        client: Client::builder(TokioExecutor::new()).build_http(),
    };
    let email = format!("ada.{}@local-api.test", ulid::Ulid::new()).to_lowercase();

    let client = walk.call("POST", "/clients", &[], "", json_body(json!({"name": "Acme"})), 201).await;
    let c = client["id"].as_str().unwrap().to_owned();
    let ids = [("clientId", c.as_str())];
    walk.call("GET", "/clients", &[], "?limit=10", None, 200).await;
    walk.call("GET", "/clients/{clientId}", &ids, "", None, 200).await;
    walk.call(
        "PATCH",
        "/clients/{clientId}",
        &ids,
        "",
        json_body(json!({"website": "https://acme.test"})),
        200,
    )
    .await;
    let contact = json!({"last_name": "Lovelace", "email": email, "notifications": ["invoice"]});
    let contact = walk.call("POST", "/clients/{clientId}/contacts", &ids, "", json_body(contact), 201).await;
    let k = contact["id"].as_str().unwrap().to_owned();
    let both = [("clientId", c.as_str()), ("contactId", k.as_str())];
    let recipients =
        walk.call("GET", "/clients/{clientId}/contacts", &ids, "?topic=invoice", None, 200).await;
    assert_eq!(recipients["items"][0]["id"], k.as_str());
    walk.call("GET", "/clients/{clientId}/contacts/{contactId}", &both, "", None, 200).await;
    let patch = json_body(json!({"job_title": "CFO"}));
    walk.call("PATCH", "/clients/{clientId}/contacts/{contactId}", &both, "", patch, 200).await;
    walk.call("POST", "/clients/{clientId}/contacts/{contactId}/invite", &both, "", None, 202).await;
    let mail = messages_to(&email).await;
    let token = invite_token(mail.last().expect("the invitation")["body"]["text"].as_str().unwrap()).unwrap();
    let accept = json_body(json!({"token": token, "password": "correct horse battery staple"}));
    walk.call("POST", "/invites/accept", &[], "", accept, 200).await;
    let notify = json_body(json!({"topic": "invoice", "subject": "Invoice 1", "text": "It is ready."}));
    let sent = walk.call("POST", "/clients/{clientId}/notifications", &ids, "", notify, 202).await;
    assert_eq!(sent["sent"].as_array().map(Vec::len), Some(1), "{sent}");
    let rows = csv("last_name,email\nBabbage,charles.babbage@local-api.test\n");
    walk.call("POST", "/clients/{clientId}/contacts/import", &ids, "", rows, 200).await;
    walk.call("POST", "/clients/import", &[], "", csv("name\nGlobex\n"), 200).await;
    let list = walk.call("GET", "/clients/{clientId}/contacts", &ids, "", None, 200).await;
    let other =
        list["items"].as_array().unwrap().iter().find(|i| i["id"] != k.as_str()).unwrap()["id"].clone();
    let other = [("clientId", c.as_str()), ("contactId", other.as_str().unwrap())];
    walk.call("DELETE", "/clients/{clientId}/contacts/{contactId}", &other, "", None, 204).await;
    walk.call("DELETE", "/clients/{clientId}/contacts/{contactId}", &both, "", None, 204).await;
    walk.call("DELETE", "/clients/{clientId}", &ids, "", None, 204).await;

    let missed: Vec<_> = routes.iter().filter(|r| !walk.called.contains(*r)).collect();
    assert!(missed.is_empty(), "routes the walk did not call: {missed:?}");
    assert_invariants(&api).await;
}
