//! After a sequence: the API shows what the model holds, and the table's invariants hold.

use std::panic::AssertUnwindSafe;

use serde_json::{json, Value};

use super::run::Run;
use super::steps::Slot;
use super::{CLIENTS, MOBILE, PHONE, PROJECTS, REGIONS, TITLES};

/// The `items` of a list the API answered in one page (`next_cursor` null).
fn one_page(res: &testkit::TestResponse, what: &str, story: &str) -> Vec<Value> {
    assert_eq!(res.status, 200, "{what}: {}\n{story}", res.body);
    let page = res.json();
    assert_eq!(page["next_cursor"], Value::Null, "{what} is one page\n{story}");
    page["items"].as_array().expect("items").clone()
}

impl Run<'_> {
    /// The API shows what the model holds: each client's count and primary, and each of its
    /// contacts' primary flag, manager, email, portal status and project count.
    pub(super) async fn assert_api_agrees(&self) {
        for at in 0..CLIENTS {
            self.assert_client_agrees(at).await;
        }
    }

    async fn assert_client_agrees(&self, at: usize) {
        let id = &self.clients[at];
        let client = self.api.get(&self.admin, &format!("/clients/{id}")).await.json();
        let primary_id = self.model.primary[at].map(|p| self.model.id(p));
        let count = self.model.live_count(at);
        assert_eq!(client["contact_count"], json!(count), "client {at}\n{}", self.story());
        assert_eq!(client["primary_contact_id"].as_str(), primary_id, "client {at}\n{}", self.story());
        assert_eq!(self.model.primary[at].is_some(), count > 0, "the model keeps one primary");
        let archived = self.model.archived_count(at);
        assert_eq!(client["archived_count"], json!(archived), "client {at}\n{}", self.story());
        let path = format!("/clients/{id}/contacts?archived=true&limit=100");
        let listed = one_page(&self.api.get(&self.admin, &path).await, "the archived", &self.story());
        let mut ids: Vec<&str> = listed.iter().filter_map(|c| c["id"].as_str()).collect();
        let mut expected: Vec<&str> = (self.model.contacts.iter())
            .filter(|c| c.archived && c.client == at)
            .map(|c| c.id.as_str())
            .collect();
        ids.sort_unstable();
        expected.sort_unstable();
        assert_eq!(ids, expected, "client {at}'s archived contacts\n{}", self.story());

        let path = format!("/clients/{id}/contacts?limit=100");
        let listed = one_page(&self.api.get(&self.admin, &path).await, "the contacts", &self.story());
        assert_eq!(listed.len(), count, "client {at}\n{}", self.story());
        for (i, known) in self.model.contacts.iter().enumerate().filter(|(_, c)| c.live && c.client == at) {
            let shown = listed
                .iter()
                .find(|c| c["id"] == known.id.as_str())
                .unwrap_or_else(|| panic!("#{i} is not listed\n{}", self.story()));
            let expected = json!({
                "is_primary": self.model.primary[at] == Some(Slot(i)),
                "line_manager_id": known.manager.map(|m| self.model.id(m)),
                "email": known.email.map(|e| self.address(e)),
                "phone": known.phone.then_some(PHONE),
                "mobile": known.mobile.then_some(MOBILE),
                "job_title": known.title.map(|t| TITLES[t]),
                "region": known.region.map(|r| REGIONS[r]),
                "portal_status": known.portal,
                "version": known.version,
                "project_count": known.projects.len(),
                "tag_ids": self.tag_ids_of(known),
            });
            let actual = json!({
                "is_primary": shown["is_primary"],
                "line_manager_id": shown["line_manager_id"],
                "email": shown["email"],
                "phone": shown["phone"],
                "mobile": shown["mobile"],
                "job_title": shown["job_title"],
                "region": shown["custom"]["region"],
                "portal_status": shown["portal"]["status"],
                "version": shown["version"],
                "project_count": shown["project_count"],
                "tag_ids": shown["tag_ids"],
            });
            assert_eq!(actual, expected, "contact #{i}\n{}", self.story());
        }
    }

    /// The links read both ways agree with the model: each live contact's projects (by
    /// project id, with the first link's `linked_at` and `linked_by`), and each project's contacts (live ones
    /// only, in id order: a deleted contact's links went with it).
    pub(super) async fn assert_links_agree(&self) {
        for (i, known) in self.model.contacts.iter().enumerate().filter(|(_, c)| c.live) {
            let res = self.api.get(&self.admin, &format!("{}/projects", self.contact_path(Slot(i)))).await;
            let what = format!("the projects of #{i}");
            let shown: Vec<Value> = one_page(&res, &what, &self.story())
                .iter()
                .map(|link| json!([link["project_id"], link["linked_at"], link["linked_by"]]))
                .collect();
            let mut expected: Vec<(&str, &Value)> =
                known.projects.iter().map(|(p, l)| (PROJECTS[*p], l)).collect();
            expected.sort_unstable_by_key(|(p, _)| *p);
            let expected: Vec<Value> = expected.into_iter().map(|(p, l)| json!([p, l[0], l[1]])).collect();
            assert_eq!(shown, expected, "{what}\n{}", self.story());
        }
        for (at, client) in self.clients.iter().enumerate() {
            for (p, project) in PROJECTS.iter().enumerate() {
                let path = format!("/clients/{client}/projects/{project}/contacts?limit=100");
                let what = format!("the contacts of {project} at client {at}");
                let listed = one_page(&self.api.get(&self.admin, &path).await, &what, &self.story());
                let shown: Vec<&str> = listed.iter().map(|c| c["id"].as_str().unwrap_or_default()).collect();
                assert_eq!(shown, self.model.linked_to(at, p), "{what}\n{}", self.story());
            }
        }
    }

    /// The ids of the tags the model says `known` carries, in id order (as the API lists them).
    fn tag_ids_of(&self, known: &super::state::Known) -> Vec<String> {
        let mut ids: Vec<String> = known.tags.iter().map(|t| self.tag_ids[*t].clone()).collect();
        ids.sort();
        ids
    }

    /// Each tag's contacts are the live contacts the model says carry it, by client id then
    /// contact id (a deleted or archived contact's left out, its member items erased, kept or
    /// not yet erased).
    pub(super) async fn assert_tags_agree(&self) {
        for (t, id) in self.tag_ids.iter().enumerate() {
            let path = format!("/tags/{id}/contacts?limit=100");
            let what = format!("the contacts of tag {t}");
            let listed = one_page(&self.api.get(&self.admin, &path).await, &what, &self.story());
            let shown: Vec<&str> = listed.iter().map(|c| c["id"].as_str().unwrap_or_default()).collect();
            let mut expected: Vec<(&str, &str)> = (self.model.contacts.iter())
                .filter(|c| c.live && c.tags.contains(&t))
                .map(|c| (self.clients[c.client].as_str(), c.id.as_str()))
                .collect();
            expected.sort_unstable();
            let expected: Vec<&str> = expected.into_iter().map(|(_, id)| id).collect();
            assert_eq!(
                shown,
                expected,
                "{what}
{}",
                self.story()
            );
        }
    }

    /// The table's invariants over this sequence's items: its tenant's, and its tenant's
    /// invitations (keyed by token hash, they name their tenant).
    pub(super) async fn assert_invariants(&self) {
        let (own_pk, own_prefix) = (format!("TENANT#{}", self.tenant), format!("TENANT#{}#", self.tenant));
        let items: Vec<_> = self
            .api
            .scan()
            .await
            .into_iter()
            .filter(|item| {
                let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).map_or("", String::as_str);
                let pk = text("PK");
                pk == own_pk
                    || pk.starts_with(&own_prefix)
                    || (pk.starts_with("INVITE#") && text("tenant_id") == self.tenant)
            })
            .collect();
        // The checker panics with what broke; the steps that broke it go with it.
        let deployment = testkit::invariants::Deployment::of(&self.api.app);
        let checked =
            std::panic::catch_unwind(AssertUnwindSafe(|| testkit::invariants::check(&items, &deployment)));
        if let Err(cause) = checked {
            let cause = cause
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| cause.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("invariant broken: {cause}\n{}", self.story());
        }
    }
}
