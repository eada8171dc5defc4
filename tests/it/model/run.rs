//! One sequence against the API: a fresh tenant and client, the model, and what happened so
//! far. Each step is sent, its answer checked against the model's, and the model follows it.

use serde_json::{json, Value};
use testkit::{Caller, TestApi, TestResponse};

use super::merge::Merge;
use super::predict::{CREATED, OK};
use super::reached::Reached;
use super::state::Model;
use super::steps::{IfMatch, Slot, Step};
use super::{CLIENTS, EMAILS, MOBILE, PHONE, PROJECTS, REGIONS, SLOTS, TAGS, TITLES};
use crate::support::{assert_clear, given_client};

pub(super) struct Run<'a> {
    pub(super) api: &'a TestApi,
    pub(super) admin: Caller,
    pub(super) tenant: String,
    /// The sequence's clients (`CLIENTS`): adds go to the first, moves go between them.
    pub(super) clients: Vec<String>,
    /// Makes this sequence's addresses its own (the SES emulator's store is shared).
    tag: String,
    pub(super) model: Model,
    /// The ids of the sequence's tags, `TAGS` made in its tenant.
    pub(super) tag_ids: Vec<String>,
    transcript: Vec<String>,
}

impl<'a> Run<'a> {
    pub(super) async fn start(api: &'a TestApi) -> Run<'a> {
        let tag = ulid::Ulid::new().to_string().to_lowercase();
        let tenant = format!("model-{tag}");
        let admin = TestApi::admin(&tenant);
        let mut clients = Vec::new();
        for name in ["Acme", "Globex"].iter().take(CLIENTS) {
            clients.push(given_client(api, &admin, name).await);
        }
        let region = json!({ "key": "region", "label": "Region", "type": "select", "options": REGIONS });
        let defined = api.patch(&admin, "/settings", json!({ "custom_fields": [region] })).await;
        assert_eq!(defined.status, 200, "{}", defined.body);
        let mut tag_ids = Vec::new();
        for name in TAGS {
            let made = api.post(&admin, "/tags", json!({ "name": name })).await;
            assert_eq!(made.status, 201, "{}", made.body);
            tag_ids.push(made.json()["id"].as_str().expect("a tag id").to_owned());
        }
        Run { api, admin, tenant, clients, tag, model: Model::default(), tag_ids, transcript: Vec::new() }
    }

    pub(super) fn address(&self, email: usize) -> String {
        format!("{}.{}@example.com", EMAILS[email], self.tag)
    }

    /// The contact's path under the client it is at.
    pub(super) fn contact_path(&self, slot: Slot) -> String {
        format!("/clients/{}/contacts/{}", self.clients[self.model.client_of(slot)], self.model.id(slot))
    }

    fn link_path(&self, slot: Slot, project: usize) -> String {
        format!("{}/projects/{}", self.contact_path(slot), PROJECTS[project])
    }

    /// The `If-Match` header for `slot`: the ETag the model expects it to have, or the one
    /// before (a contact not live is sent its first).
    fn if_match_header(&self, slot: Slot, if_match: IfMatch) -> Option<String> {
        let known = self.model.live(slot).or(self.model.archived(slot));
        let version = known.map_or(1, |c| c.version);
        match if_match {
            IfMatch::Absent => None,
            IfMatch::Current => Some(format!("\"v{version}\"")),
            IfMatch::Stale => Some(format!("\"v{}\"", version - 1)),
        }
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        if_match: Option<String>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut headers = vec![("content-type", "application/merge-patch+json")];
        if let Some(value) = &if_match {
            headers.push(("if-match", value.as_str()));
        }
        let body = body.map(|b| b.to_string());
        self.api.send(&self.admin, method, path, &headers, body).await
    }

    async fn request(&self, step: &Step) -> TestResponse {
        match step {
            Step::Add { email, phone, is_primary, manager } => {
                let mut body = json!({ "last_name": format!("Contact {}", self.model.contacts.len()) });
                if let Some(e) = email {
                    body["email"] = json!(self.address(*e));
                }
                if *phone {
                    body["phone"] = json!(PHONE);
                }
                if let Some(p) = is_primary {
                    body["is_primary"] = json!(p);
                }
                if let Some(m) = manager {
                    body["line_manager_id"] = json!(self.model.id(*m));
                }
                self.api.post(&self.admin, &format!("/clients/{}/contacts", self.clients[0]), body).await
            }
            Step::Patch { slot, if_match, .. } => {
                let if_match = self.if_match_header(*slot, *if_match);
                self.send("PATCH", &self.contact_path(*slot), if_match, Some(self.patch_body(step))).await
            }
            Step::Delete { slot, if_match } => {
                let if_match = self.if_match_header(*slot, *if_match);
                self.send("DELETE", &self.contact_path(*slot), if_match, None).await
            }
            Step::Move { slot, if_match } => {
                let to = &self.clients[1 - self.model.client_of(*slot)];
                let if_match = self.if_match_header(*slot, *if_match);
                let mut headers = vec![("content-type", "application/json")];
                if let Some(value) = &if_match {
                    headers.push(("if-match", value.as_str()));
                }
                let (path, body) = (format!("{}/move", self.contact_path(*slot)), json!({ "client_id": to }));
                self.api.send(&self.admin, "POST", &path, &headers, Some(body.to_string())).await
            }
            Step::Invite { slot } => {
                self.api.post(&self.admin, &format!("{}/invite", self.contact_path(*slot)), json!({})).await
            }
            Step::Archive { slot, if_match } | Step::Restore { slot, if_match } => {
                let action = if matches!(step, Step::Archive { .. }) { "archive" } else { "restore" };
                let if_match = self.if_match_header(*slot, *if_match);
                self.send("POST", &format!("{}/{action}", self.contact_path(*slot)), if_match, None).await
            }
            Step::Merge { survivor, merged, take_email } => {
                let client = &self.clients[self.model.client_of(*survivor)];
                let (s, x) = (self.model.id(*survivor), self.model.id(*merged));
                let mut body = json!({ "client_id": client, "survivor_id": s, "merged_id": x });
                if *take_email {
                    body["fields"] = json!({ "email": "merged" });
                }
                self.api.post(&self.admin, "/contacts/merge", body).await
            }
            Step::Link { slot, project } => {
                self.api.send(&self.linker(), "PUT", &self.link_path(*slot, *project), &[], None).await
            }
            Step::Unlink { slot, project } => {
                self.api.delete(&self.admin, &self.link_path(*slot, *project)).await
            }
            Step::Tag { slot, tag } => {
                let path = format!("{}/tags/{}", self.contact_path(*slot), self.tag_ids[*tag]);
                self.api.send(&self.admin, "PUT", &path, &[], None).await
            }
            Step::Untag { slot, tag } => {
                let path = format!("{}/tags/{}", self.contact_path(*slot), self.tag_ids[*tag]);
                self.api.delete(&self.admin, &path).await
            }
        }
    }

    fn patch_body(&self, step: &Step) -> Value {
        let Step::Patch { is_primary, manager, email, phone, mobile, title, region, revoke, .. } = step
        else {
            unreachable!("a patch")
        };
        let mut body = json!({});
        let mut put = |name: &str, value: Option<Value>| {
            body[name] = value.unwrap_or(Value::Null);
        };
        match is_primary {
            Merge::Keep => {}
            other => put("is_primary", other.clone().applied_to(None).map(|p| json!(p))),
        }
        if !manager.is_absent() {
            put("line_manager_id", manager.clone().applied_to(None).map(|m| json!(self.model.id(m))));
        }
        if !email.is_absent() {
            put("email", email.clone().applied_to(None).map(|e| json!(self.address(e))));
        }
        if !phone.is_absent() {
            put("phone", phone.clone().applied_to(None).map(|()| json!(PHONE)));
        }
        if !mobile.is_absent() {
            put("mobile", mobile.clone().applied_to(None).map(|()| json!(MOBILE)));
        }
        if !title.is_absent() {
            put("job_title", title.clone().applied_to(None).map(|t| json!(TITLES[t])));
        }
        if *revoke {
            put("portal", Some(json!({ "status": "revoked" })));
        }
        if !region.is_absent() {
            body["custom"] = json!({ "region": region.clone().applied_to(None).map(|r| REGIONS[r]) });
        }
        body
    }

    /// Runs one step: a clear answer, one the model allows, and the model follows it.
    pub(super) async fn step(&mut self, step: &Step, reached: &Reached) {
        if matches!(step, Step::Add { .. }) && self.model.contacts.len() == SLOTS {
            self.transcript.push(format!("{step:?} -> skipped: every slot is used"));
            return;
        }
        let allowed = self.model.predict(step);
        let linked = match step {
            Step::Link { slot, project } | Step::Unlink { slot, project } => {
                self.model.link(*slot, *project).is_some()
            }
            Step::Tag { slot, tag } | Step::Untag { slot, tag } => {
                self.model.live(*slot).is_some_and(|c| c.tags.contains(tag))
            }
            _ => false,
        };
        let by = self.linker_sub();
        let res = self.request(step).await;
        let problem: Option<Value> =
            (res.status >= 400).then(|| serde_json::from_str(&res.body).ok()).flatten();
        let code = problem.as_ref().and_then(|p| p["code"].as_str()).unwrap_or_default().to_owned();
        self.transcript.push(format!("{step:?} -> {} {code}", res.status));
        assert_clear(&res, &self.story());
        let answer =
            allowed.iter().copied().find(|(status, c)| *status == res.status && *c == code).unwrap_or_else(
                || panic!("expected one of {allowed:?}, got {}{}", res.status, self.told(&res)),
            );
        reached.count(step, linked, answer);
        if answer.0 < 300 {
            let shown = (answer == CREATED
                || (answer == OK && matches!(step, Step::Link { .. } | Step::Merge { .. })))
            .then(|| res.json());
            if let (Step::Link { slot, project }, Some(link)) = (step, &shown) {
                self.assert_link(*slot, *project, link, &by);
            }
            self.model.apply(step, shown.as_ref());
        }
    }

    /// The user a link step is sent by: an admin of its own, named after the step, so that a
    /// link made again (in the same instant of the test clock) shows whose link it answers.
    fn linker(&self) -> Caller {
        let Caller::Authorizer(mut claims) = self.admin.clone() else { unreachable!("an admin") };
        claims.insert("sub".to_owned(), self.linker_sub());
        Caller::Authorizer(claims)
    }

    /// The number the step being sent will have in the story.
    fn linker_sub(&self) -> String {
        format!("linker-{}", self.transcript.len() + 1)
    }

    /// A link's answer names the client, the contact and the project; linking again answers
    /// the first link (its `linked_at` and `linked_by`), a new link is made by its caller (`by`).
    fn assert_link(&self, slot: Slot, project: usize, link: &Value, by: &str) {
        let names = json!([link["client_id"], link["contact_id"], link["project_id"]]);
        let client = &self.clients[self.model.client_of(slot)];
        let expected = json!([client, self.model.id(slot), PROJECTS[project]]);
        assert_eq!(names, expected, "the link {link}\n{}", self.story());
        let made = json!([link["linked_at"], link["linked_by"]]);
        match self.model.link(slot, project) {
            Some(first) => assert_eq!(&made, first, "linking again answers the first link\n{}", self.story()),
            None => assert_eq!(made[1], by, "a new link is made by its caller\n{}", self.story()),
        }
    }

    /// What happened so far, for a failure message.
    pub(super) fn story(&self) -> String {
        let lines: Vec<String> =
            self.transcript.iter().enumerate().map(|(i, l)| format!("  {}. {l}", i + 1)).collect();
        format!("tenant {} clients {:?}, steps so far:\n{}", self.tenant, self.clients, lines.join("\n"))
    }

    fn told(&self, res: &TestResponse) -> String {
        format!(" {}\n{}", res.body, self.story())
    }
}
