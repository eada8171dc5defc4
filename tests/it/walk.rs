//! One walk through the service that calls every route of template.yaml with a request that
//! succeeds, over any transport: in-process (the handlers) or HTTP (the local API). Each step
//! checks its success status; the walk checks that it called every route.

use std::future::Future;

use local_api::{router, Template, TemplateRoute};
use serde_json::{json, Value};
use testkit::mail::{invite_token, messages_to, reset_token};
use testkit::{Caller, TestApi, TestResponse};

/// A request as the walk sends it.
#[derive(Debug, Clone)]
pub struct WalkRequest {
    pub method: String,
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    /// Content type and body.
    pub body: Option<(String, String)>,
    /// On a portal route: the portal user, as the authorizer's claims (no `Authorization`).
    pub portal: Option<Caller>,
}

impl WalkRequest {
    pub fn header_pairs(&self) -> Vec<(&str, &str)> {
        let mut pairs: Vec<(&str, &str)> =
            self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        if let Some((content_type, _)) = &self.body {
            pairs.push(("content-type", content_type));
        }
        pairs
    }
}

pub struct Step {
    pub route: TemplateRoute,
    pub request: WalkRequest,
    pub response: TestResponse,
}

struct Walk<F> {
    send: F,
    token: String,
    /// Set for the portal steps: who calls instead of the staff token.
    portal: Option<Caller>,
    routes: Vec<TemplateRoute>,
    steps: Vec<Step>,
}

fn json_body(value: Value) -> Option<(String, String)> {
    Some(("application/json".into(), value.to_string()))
}

fn csv(text: &str) -> Option<(String, String)> {
    Some(("text/csv".into(), text.to_owned()))
}

impl<F, Fut> Walk<F>
where
    F: Fn(WalkRequest) -> Fut,
    Fut: Future<Output = TestResponse>,
{
    /// Calls `method template` (parameters from `ids`), checks the status, returns the JSON body.
    async fn call(
        &mut self,
        method: &str,
        template: &str,
        ids: &[(&str, &str)],
        query: &str,
        body: Option<(String, String)>,
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
        let headers = match self.portal {
            Some(_) => Vec::new(),
            None => vec![("authorization".into(), format!("Bearer {}", self.token))],
        };
        let request = WalkRequest {
            method: method.into(),
            path_and_query: format!("{path}{query}"),
            headers,
            body,
            portal: self.portal.clone(),
        };
        let response = (self.send)(request.clone()).await;
        assert_eq!(response.status, status, "{method} {path}{query}: {}", response.body);
        let value = serde_json::from_str(&response.body).unwrap_or(Value::Null);
        self.steps.push(Step { route, request, response });
        value
    }
}

/// Walks every route as the administrator of `tenant` whose ID token is `token` (in the
/// `Authorization` header of each staff request), and the portal routes as the portal user of
/// its contact when the transport can pass an authorizer's claims (`portal`; the local API
/// passes only what its authorizers verified: the portal over HTTP is walked with real tokens
/// in `portal_sign_in`); returns each step in order.
pub async fn walk_every_route<F, Fut>(tenant: &str, token: String, send: F, portal: bool) -> Vec<Step>
where
    F: Fn(WalkRequest) -> Fut,
    Fut: Future<Output = TestResponse>,
{
    let routes = Template::of_repo().routes().unwrap();
    let mut walk = Walk { send, token, portal: None, routes: routes.clone(), steps: Vec::new() };
    let email = format!("ada.{}@walk.test", ulid::Ulid::new()).to_lowercase();

    let c = walk.clients_and_settings().await;
    let k = walk.contacts(&c, &email).await;
    walk.invitation_and_password_reset(&c, &k, &email).await;
    if portal {
        walk.portal_as(tenant, &c, &k).await;
    }
    walk.notification_activity_and_projects(&c, &k).await;
    walk.imports_and_deletions(&c, &k).await;
    let walked = |r: &TemplateRoute| walk.steps.iter().any(|s| &s.route == r);
    let portal_route = |r: &TemplateRoute| r.authorizer.as_deref() == Some("PortalJwt");
    // The portal's pages are HTML, not the API: tools/local-api/tests/portal.rs routes them, and
    // the browser test (tests/browser/) walks them.
    let page = |r: &TemplateRoute| r.function == "portal-pages";
    let missed: Vec<_> =
        routes.iter().filter(|r| !walked(r) && !page(r) && (portal || !portal_route(r))).collect();
    assert!(missed.is_empty(), "routes the walk did not call: {missed:?}");
    walk.steps
}

impl<F, Fut> Walk<F>
where
    F: Fn(WalkRequest) -> Fut,
    Fut: Future<Output = TestResponse>,
{
    /// Creates the client, reads and changes it and the tenant's settings; returns its id.
    async fn clients_and_settings(&mut self) -> String {
        let client = self.call("POST", "/clients", &[], "", json_body(json!({"name": "Acme"})), 201).await;
        let c = client["id"].as_str().unwrap().to_owned();
        let ids = [("clientId", c.as_str())];
        self.call("GET", "/clients", &[], "?limit=10", None, 200).await;
        self.call("GET", "/settings", &[], "", None, 200).await;
        self.call("PATCH", "/settings", &[], "", json_body(json!({"invite_ttl_hours": 24})), 200).await;
        self.call("GET", "/clients/{clientId}", &ids, "", None, 200).await;
        let website =
            json_body(json!({"website": "https://acme.test", "address": {"city": "Leeds", "country": "gb"}}));
        self.call("PATCH", "/clients/{clientId}", &ids, "", website, 200).await;
        c
    }

    /// Adds Ada to client `c` with `email`, lists, finds, reads, copies (the copy moved to another
    /// client, then deleted), archives and restores, merges a second record into her, and
    /// changes her;
    /// returns her id.
    async fn contacts(&mut self, c: &str, email: &str) -> String {
        let ids = [("clientId", c)];
        let contact = json!({"first_name": "Ada", "last_name": "Lovelace", "email": email, "mobile": "+44 7911 123456",
                             "notifications": ["invoice"], "permissions": ["support"]});
        let contact =
            self.call("POST", "/clients/{clientId}/contacts", &ids, "", json_body(contact), 201).await;
        let k = contact["id"].as_str().unwrap().to_owned();
        let both = [("clientId", c), ("contactId", k.as_str())];
        let recipients =
            self.call("GET", "/clients/{clientId}/contacts", &ids, "?topic=invoice", None, 200).await;
        assert_eq!(recipients["items"][0]["id"], k.as_str());
        let found = self.call("GET", "/contacts", &[], &format!("?email={email}"), None, 200).await;
        assert_eq!(found["items"][0]["id"], k.as_str());
        self.call("GET", "/contacts", &[], "?q=lovel", None, 200).await;
        self.call("GET", "/contacts/duplicates", &[], "?rule=phone", None, 200).await;
        self.call("GET", "/clients/{clientId}/contacts/{contactId}", &both, "", None, 200).await;
        let augusta = json_body(json!({"first_name": "Augusta"}));
        let copy = self
            .call("POST", "/clients/{clientId}/contacts/{contactId}/duplicate", &both, "", augusta, 201)
            .await;
        // The copy moves to a client of its own, and goes with it.
        let copy_id = copy["id"].as_str().unwrap().to_owned();
        let other = self.call("POST", "/clients", &[], "", json_body(json!({"name": "Globex"})), 201).await;
        let other = other["id"].as_str().unwrap().to_owned();
        let copy = [("clientId", c), ("contactId", copy_id.as_str())];
        let to = json_body(json!({"client_id": other}));
        self.call("POST", "/clients/{clientId}/contacts/{contactId}/move", &copy, "", to, 200).await;
        let copy = [("clientId", other.as_str()), ("contactId", copy_id.as_str())];
        self.call("DELETE", "/clients/{clientId}/contacts/{contactId}", &copy, "", None, 204).await;
        self.call("DELETE", "/clients/{clientId}", &[("clientId", other.as_str())], "", None, 204).await;
        // She is archived, listed as such, and restored.
        self.call("POST", "/clients/{clientId}/contacts/{contactId}/archive", &both, "", None, 200).await;
        let archived =
            self.call("GET", "/clients/{clientId}/contacts", &ids, "?archived=true", None, 200).await;
        assert_eq!(archived["items"][0]["id"], k.as_str());
        self.call("POST", "/clients/{clientId}/contacts/{contactId}/restore", &both, "", None, 200).await;
        // A second record of her is merged into her, shown first by a dry run.
        let twin = json_body(json!({"first_name": "A."}));
        let twin = self
            .call("POST", "/clients/{clientId}/contacts/{contactId}/duplicate", &both, "", twin, 201)
            .await;
        let mut merge = json!({"client_id": c, "survivor_id": k, "merged_id": twin["id"], "dry_run": true});
        self.call("POST", "/contacts/merge", &[], "", json_body(merge.clone()), 200).await;
        merge["dry_run"] = json!(false);
        let merged = self.call("POST", "/contacts/merge", &[], "", json_body(merge), 200).await;
        assert_eq!(merged["contact"]["first_name"], "Ada", "{merged}");
        let patch = json_body(json!({"job_title": "CFO", "portal": {"support_end": "2099-12-31"}}));
        self.call("PATCH", "/clients/{clientId}/contacts/{contactId}", &both, "", patch, 200).await;
        k
    }

    /// Invites the client's contacts and Ada, accepts her invitation, then resets her password
    /// with the emailed link.
    async fn invitation_and_password_reset(&mut self, c: &str, k: &str, email: &str) {
        let (ids, both) = ([("clientId", c)], [("clientId", c), ("contactId", k)]);
        self.call("POST", "/clients/{clientId}/invite", &ids, "", None, 202).await;
        self.call("POST", "/clients/{clientId}/contacts/{contactId}/invite", &both, "", None, 202).await;
        let mail = messages_to(email).await;
        let token =
            invite_token(mail.last().expect("the invitation")["body"]["text"].as_str().unwrap()).unwrap();
        let accept = json_body(json!({"token": token, "password": "correct horse battery staple"}));
        self.call("POST", "/invites/accept", &[], "", accept, 200).await;
        self.call("POST", "/clients/{clientId}/contacts/{contactId}/password-reset", &both, "", None, 202)
            .await;
        let mail = messages_to(email).await;
        let token = reset_token(mail.last().expect("the reset")["body"]["text"].as_str().unwrap()).unwrap();
        let reset = json_body(json!({"token": token, "password": "a new and longer passphrase"}));
        self.call("POST", "/invites/accept", &[], "", reset, 200).await;
    }

    /// The portal routes as Ada, signed in to the portal of `tenant`.
    async fn portal_as(&mut self, tenant: &str, c: &str, k: &str) {
        self.portal = Some(TestApi::portal_user(tenant, c, k));
        let me = self.call("GET", "/portal/me", &[], "", None, 200).await;
        assert_eq!(me["permissions"], json!(["support"]), "{me}");
        let title = json_body(json!({"job_title": "Finance lead"}));
        self.call("PATCH", "/portal/me", &[], "", title, 200).await;
        self.portal = None;
    }

    /// Notifies the client's contacts, reads Ada's activity, links her to a project, reads the
    /// links both ways, exports her data and unlinks her.
    /// A logged call on the contact, changed, then deleted.
    async fn notes(&mut self, c: &str, k: &str) {
        let both = [("clientId", c), ("contactId", k)];
        let call = json_body(json!({"kind": "call", "text": "Asked for a quote.", "outcome": "Quote sent."}));
        let note =
            self.call("POST", "/clients/{clientId}/contacts/{contactId}/notes", &both, "", call, 201).await;
        let id = note["id"].as_str().expect("a note id").to_owned();
        let one = [("clientId", c), ("contactId", k), ("noteId", id.as_str())];
        let path = "/clients/{clientId}/contacts/{contactId}/notes/{noteId}";
        let changed =
            self.call("PATCH", path, &one, "", json_body(json!({"outcome": "Accepted."})), 200).await;
        assert_eq!(changed["version"], 2, "{changed}");
        self.call("DELETE", path, &one, "", None, 204).await;
        let task = json_body(json!({"kind": "task", "text": "Send the contract.", "due": "2026-12-10"}));
        let task =
            self.call("POST", "/clients/{clientId}/contacts/{contactId}/notes", &both, "", task, 201).await;
        let open = self.call("GET", "/tasks", &[], "?due_before=2026-12-11", None, 200).await;
        let listed =
            open["items"].as_array().is_some_and(|items| items.iter().any(|t| t["id"] == task["id"]));
        assert!(listed, "the caller's open task is listed: {open}");
    }

    /// Makes a tag, renames it, tags the contact, finds it by the tag, untags it and deletes
    /// the tag. The tag's name is the walk's own, so a walk repeated on one stack finds it free.
    async fn tags(&mut self, c: &str, k: &str) {
        let name = format!("Walk {k}");
        let tag = self.call("POST", "/tags", &[], "", json_body(json!({"name": name})), 201).await;
        let id = tag["id"].as_str().expect("a tag id").to_owned();
        let one = [("tagId", id.as_str())];
        let renamed = json_body(json!({"name": format!("{name} renamed"), "colour": "#0a7d3c"}));
        self.call("PATCH", "/tags/{tagId}", &one, "", renamed, 200).await;
        let tags = self.call("GET", "/tags", &[], "", None, 200).await;
        assert!(tags["items"].as_array().is_some_and(|t| t.iter().any(|t| t["id"] == id.as_str())), "{tags}");
        let tagging = [("clientId", c), ("contactId", k), ("tagId", id.as_str())];
        let path = "/clients/{clientId}/contacts/{contactId}/tags/{tagId}";
        self.call("PUT", path, &tagging, "", None, 204).await;
        let members = self.call("GET", "/tags/{tagId}/contacts", &one, "", None, 200).await;
        assert_eq!(members["items"][0]["id"], k, "{members}");
        self.call("DELETE", path, &tagging, "", None, 204).await;
        self.call("DELETE", "/tags/{tagId}", &one, "", None, 204).await;
    }

    async fn notification_activity_and_projects(&mut self, c: &str, k: &str) {
        let (ids, both) = ([("clientId", c)], [("clientId", c), ("contactId", k)]);
        let notify = json_body(json!({"topic": "invoice", "subject": "Invoice 1", "text": "It is ready."}));
        let sent = self.call("POST", "/clients/{clientId}/notifications", &ids, "", notify, 202).await;
        assert_eq!(sent["sent"].as_array().map(Vec::len), Some(1), "{sent}");
        let history = self
            .call("GET", "/clients/{clientId}/contacts/{contactId}/activity", &both, "?limit=5", None, 200)
            .await;
        assert!(history["items"].as_array().is_some_and(|items| !items.is_empty()), "{history}");
        let project = [("clientId", c), ("contactId", k), ("projectId", "website-redesign")];
        let linked = self
            .call(
                "PUT",
                "/clients/{clientId}/contacts/{contactId}/projects/{projectId}",
                &project,
                "",
                None,
                200,
            )
            .await;
        assert_eq!(linked["project_id"], "website-redesign", "{linked}");
        let links =
            self.call("GET", "/clients/{clientId}/contacts/{contactId}/projects", &both, "", None, 200).await;
        assert_eq!(links["items"][0]["project_id"], "website-redesign", "{links}");
        let team = [("clientId", c), ("projectId", "website-redesign")];
        let team =
            self.call("GET", "/clients/{clientId}/projects/{projectId}/contacts", &team, "", None, 200).await;
        assert_eq!(team["items"][0]["id"], k, "{team}");
        let data =
            self.call("GET", "/clients/{clientId}/contacts/{contactId}/export", &both, "", None, 200).await;
        assert_eq!(data["project_links"][0]["project_id"], "website-redesign", "{data}");
        self.notes(c, k).await;
        self.tags(c, k).await;
        self.call(
            "DELETE",
            "/clients/{clientId}/contacts/{contactId}/projects/{projectId}",
            &project,
            "",
            None,
            204,
        )
        .await;
    }

    /// Imports contacts and clients, then deletes the contacts and the client.
    async fn imports_and_deletions(&mut self, c: &str, k: &str) {
        let (ids, both) = ([("clientId", c)], [("clientId", c), ("contactId", k)]);
        // An export of the client's contacts, queued (it runs from the stream, not on the walk).
        let export = json_body(json!({"client_ids": [c]}));
        let job = self.call("POST", "/exports", &[], "", export, 202).await;
        let job = [("exportId", job["id"].as_str().expect("a job id"))];
        let read = self.call("GET", "/exports/{exportId}", &job, "", None, 200).await;
        assert_eq!(read["format"], "csv", "{read}");
        self.call("GET", "/imports/templates/{kind}", &[("kind", "contacts")], "", None, 200).await;
        let rows = csv("last_name,email\nBabbage,charles.babbage@walk.test\n,bad\n");
        self.call("POST", "/clients/{clientId}/contacts/import", &ids, "", rows, 200).await;
        self.call("POST", "/clients/import", &[], "", csv("name\nGlobex\n"), 200).await;
        let list = self.call("GET", "/clients/{clientId}/contacts", &ids, "", None, 200).await;
        let other = list["items"].as_array().unwrap().iter().find(|i| i["id"] != k).unwrap()["id"].clone();
        let other = [("clientId", c), ("contactId", other.as_str().unwrap())];
        self.call("DELETE", "/clients/{clientId}/contacts/{contactId}", &other, "", None, 204).await;
        self.call("DELETE", "/clients/{clientId}/contacts/{contactId}", &both, "", None, 204).await;
        self.call("DELETE", "/clients/{clientId}", &ids, "", None, 204).await;
    }
}
