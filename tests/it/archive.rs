//! Archiving a contact (`POST .../contacts/{id}/archive`), restoring it (`.../restore`), and its
//! erasure after the tenant's retention or at once by `DELETE`: an archived contact leaves every
//! list, search and topic, keeps its address, tags, links and history for its restore, and
//! loses its portal access and line-manager links.

use serde_json::{json, Value};
use shared::sweep::sweep;
use testkit::events::EventStream;
use testkit::{Caller, TestApi, TestResponse};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::invites::{accept, given_invited};
use crate::races::{landing, race_landing, racing_api, repeats, Held, Outcomes};
use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

fn admin() -> Caller {
    TestApi::admin("t1")
}

async fn archive(api: &TestApi, contact: &str) -> TestResponse {
    api.post(&admin(), &format!("{contact}/archive"), json!({})).await
}

async fn restore(api: &TestApi, contact: &str) -> TestResponse {
    api.post(&admin(), &format!("{contact}/restore"), json!({})).await
}

async fn client(api: &TestApi, id: &str) -> Value {
    api.get(&admin(), &format!("/clients/{id}")).await.json()
}

/// How long an archived contact is kept: from its `archived_at` to its `purge_at`.
fn kept_for(archived: &Value) -> Duration {
    let time = |name: &str| {
        let at = archived[name].as_str().unwrap_or_else(|| panic!("{name} in {archived}"));
        OffsetDateTime::parse(at, &Rfc3339).expect("RFC 3339")
    };
    time("purge_at") - time("archived_at")
}

fn ids(list: &Value) -> Vec<&str> {
    list["items"].as_array().expect("items").iter().filter_map(|c| c["id"].as_str()).collect()
}

/// Acme with a primary and Ada (who receives invoices), tagged VIP, linked to project p-1, with
/// a note. Returns Acme, Ada, her path and the tag.
async fn given_ada(api: &TestApi) -> (String, Value, String, String) {
    let acme = given_client(api, &admin(), "Acme").await;
    given_contact(api, &admin(), &acme, json!({ "last_name": "Primary", "email": unique_email("p") })).await;
    let body = json!({ "last_name": "Lovelace", "email": unique_email("ada"), "notifications": ["invoice"] });
    let ada = given_contact(api, &admin(), &acme, body).await;
    let path = contact_path(&acme, &ada);
    let tag =
        api.post(&admin(), "/tags", json!({ "name": "VIP" })).await.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(api.send(&admin(), "PUT", &format!("{path}/tags/{tag}"), &[], None).await.status, 204);
    assert_eq!(api.send(&admin(), "PUT", &format!("{path}/projects/p-1"), &[], None).await.status, 200);
    let note = api.post(&admin(), &format!("{path}/notes"), json!({ "kind": "note", "text": "Left" })).await;
    assert_eq!(note.status, 201, "{}", note.body);
    (acme, ada, path, tag)
}

#[tokio::test]
async fn an_archived_contact_leaves_every_list_search_and_topic_and_is_listed_as_archived() {
    // Given Ada at Acme, in a topic, a tag, a project and the search
    let api = TestApi::new().await;
    let (acme, ada, path, tag) = given_ada(&api).await;
    let id = ada["id"].as_str().unwrap();

    // When she is archived
    let res = archive(&api, &path).await;

    // Then she is answered as archived, to be erased in 30 days, and found by no list or search
    assert_eq!(res.status, 200, "{}", res.body);
    let archived = &res.json()["contact"];
    assert_eq!((&archived["id"], &archived["email"]), (&ada["id"], &ada["email"]));
    assert_eq!(kept_for(archived), Duration::days(30));
    assert_eq!(api.get(&admin(), &path).await.status, 404);
    for list in [
        format!("/clients/{acme}/contacts"),
        format!("/clients/{acme}/contacts?sort=name"),
        format!("/clients/{acme}/contacts?topic=invoice"),
        "/contacts".to_owned(),
        "/contacts?q=lovelace".to_owned(),
        format!("/tags/{tag}/contacts"),
        format!("/clients/{acme}/projects/p-1/contacts"),
    ] {
        let found = api.get(&admin(), &list).await;
        assert_eq!(found.status, 200, "{list}: {}", found.body);
        assert!(!ids(&found.json()).contains(&id), "{list} lists her: {}", found.body);
    }
    // but the archived list does, and the client counts her there
    let listed = api.get(&admin(), &format!("/clients/{acme}/contacts?archived=true")).await.json();
    assert_eq!(ids(&listed), [id], "{listed}");
    assert_eq!(listed["items"][0]["archived_by"], "user-of-t1", "{listed}");
    let counts = client(&api, &acme).await;
    assert_eq!((&counts["contact_count"], &counts["archived_count"]), (&json!(1), &json!(1)));
    assert_invariants(&api).await;
}

#[tokio::test]
async fn an_archived_contact_takes_no_change_and_keeps_its_address_claimed() {
    // Given Ada archived
    let api = TestApi::new().await;
    let (acme, ada, path, tag) = given_ada(&api).await;
    assert_eq!(archive(&api, &path).await.status, 200);

    // When anyone edits, tags, links, notes, invites or archives her again, then she is not found
    let refused = [
        api.patch(&admin(), &path, json!({ "job_title": "CTO" })).await,
        api.send(&admin(), "DELETE", &format!("{path}/tags/{tag}"), &[], None).await,
        api.send(&admin(), "PUT", &format!("{path}/projects/p-2"), &[], None).await,
        // her link is kept for her restore, yet linking her again is no change she takes
        api.send(&admin(), "PUT", &format!("{path}/projects/p-1"), &[], None).await,
        api.post(&admin(), &format!("{path}/notes"), json!({ "kind": "note", "text": "x" })).await,
        api.post(&admin(), &format!("{path}/invite"), json!({})).await,
        archive(&api, &path).await,
    ];
    for res in &refused {
        assert_eq!(res.status, 404, "{}", res.body);
    }
    // and her address stays hers: nobody else takes it meanwhile
    let body = json!({ "last_name": "Other", "email": ada["email"] });
    let taken = api.post(&admin(), &format!("/clients/{acme}/contacts"), body).await;
    assert_eq!((taken.status, taken.problem_code().as_str()), (409, "email-taken"), "{}", taken.body);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_restored_contact_comes_back_with_its_tags_links_topics_and_notes() {
    // Given Ada archived
    let api = TestApi::new().await;
    let (acme, ada, path, tag) = given_ada(&api).await;
    let id = ada["id"].as_str().unwrap();
    assert_eq!(archive(&api, &path).await.status, 200);

    // When she is restored
    let res = restore(&api, &path).await;

    // Then she is back as she was, in every list again, and the archived list is empty
    assert_eq!(res.status, 200, "{}", res.body);
    let back = res.json();
    assert_eq!(
        (&back["email"], &back["tag_ids"], &back["project_count"], &back["notifications"]),
        (&ada["email"], &json!([tag]), &json!(1), &json!(["invoice"]))
    );
    assert_eq!(api.get(&admin(), &path).await.json()["id"], ada["id"]);
    for list in [
        format!("/clients/{acme}/contacts?topic=invoice"),
        "/contacts?q=lovelace".to_owned(),
        format!("/tags/{tag}/contacts"),
        format!("/clients/{acme}/projects/p-1/contacts"),
    ] {
        assert_eq!(ids(&api.get(&admin(), &list).await.json()), [id], "{list}");
    }
    let notes = api.get(&admin(), &format!("{path}/activity")).await.json();
    assert!(notes["items"].as_array().unwrap().iter().any(|i| i["text"] == "Left"), "{notes}");
    assert_eq!(
        ids(&api.get(&admin(), &format!("/clients/{acme}/contacts?archived=true")).await.json()),
        Vec::<&str>::new()
    );
    let counts = client(&api, &acme).await;
    assert_eq!((&counts["contact_count"], &counts["archived_count"]), (&json!(2), &json!(0)));
    // and restoring her again finds no archived contact
    assert_eq!(restore(&api, &path).await.status, 404);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn archiving_ends_portal_access_and_a_restore_does_not_bring_it_back() {
    // Given Ada, an active portal user of Acme
    let api = TestApi::new().await;
    let (acme, ada, token) = given_invited(&api, &unique_email("ada")).await;
    assert_eq!(accept(&api, &token, "correct horse battery").await.status, 200);
    let path = contact_path(&acme, &ada);

    // When she is archived and restored
    let archived = archive(&api, &path).await;
    let restored = restore(&api, &path).await;

    // Then her access ended with the archive and stays ended: a new invitation is what gives it back
    assert_eq!(archived.json()["contact"]["portal"]["status"], "revoked", "{}", archived.body);
    assert_eq!(restored.json()["portal"]["status"], "revoked", "{}", restored.body);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn the_primary_is_archived_only_as_its_clients_last_contact_and_a_restore_may_lead_again() {
    // Given Acme with its primary and Ada
    let api = TestApi::new().await;
    let (acme, ada, ada_path, _) = given_ada(&api).await;
    let primary = client(&api, &acme).await["primary_contact_id"].as_str().unwrap().to_owned();
    let primary_path = format!("/clients/{acme}/contacts/{primary}");

    // When the primary would leave Ada behind, then it is refused
    let refused = archive(&api, &primary_path).await;
    assert_eq!(
        (refused.status, refused.problem_code().as_str()),
        (409, "primary-required"),
        "{}",
        refused.body
    );

    // When Ada is archived, then the primary alone, Acme has no contact and names no primary
    assert_eq!(archive(&api, &ada_path).await.status, 200);
    assert_eq!(archive(&api, &primary_path).await.status, 200);
    let empty = client(&api, &acme).await;
    assert_eq!(
        (&empty["contact_count"], &empty["archived_count"], &empty["primary_contact_id"]),
        (&json!(0), &json!(2), &Value::Null)
    );

    // When Ada is restored first, she leads Acme; the old primary joins her
    assert_eq!(restore(&api, &ada_path).await.json()["is_primary"], true);
    assert_eq!(restore(&api, &primary_path).await.json()["is_primary"], false);
    assert_eq!(client(&api, &acme).await["primary_contact_id"], ada["id"]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn archiving_cuts_line_manager_links_and_names_them() {
    // Given Ada reporting to Boss and managing Rex
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let boss =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Boss", "phone": "+12025550143" })).await;
    let ada = given_contact(
        &api,
        &admin(),
        &acme,
        json!({ "last_name": "Ada", "phone": "+12025550144", "line_manager_id": boss["id"] }),
    )
    .await;
    let rex = given_contact(
        &api,
        &admin(),
        &acme,
        json!({ "last_name": "Rex", "phone": "+12025550145", "line_manager_id": ada["id"] }),
    )
    .await;

    // When she is archived
    let res = archive(&api, &contact_path(&acme, &ada)).await;

    // Then both links are cut and named, and neither comes back with her
    assert_eq!(
        res.json()["cut"],
        json!({ "line_manager_id": boss["id"], "report_ids": [rex["id"]] }),
        "{}",
        res.body
    );
    assert_eq!(api.get(&admin(), &contact_path(&acme, &rex)).await.json()["line_manager_id"], Value::Null);
    let back = restore(&api, &contact_path(&acme, &ada)).await.json();
    assert_eq!((&back["line_manager_id"], &back["report_count"]), (&Value::Null, &Value::Null), "{back}");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn delete_erases_an_archived_contact_at_once_and_frees_its_address() {
    // Given Ada archived, and Acme which cannot be deleted while it keeps her
    let api = TestApi::new().await;
    let (acme, ada, path, _) = given_ada(&api).await;
    assert_eq!(archive(&api, &path).await.status, 200);
    let primary = client(&api, &acme).await["primary_contact_id"].as_str().unwrap().to_owned();
    assert_eq!(api.delete(&admin(), &format!("/clients/{acme}/contacts/{primary}")).await.status, 204);
    let kept = api.delete(&admin(), &format!("/clients/{acme}")).await;
    assert_eq!((kept.status, kept.problem_code().as_str()), (409, "client-has-contacts"), "{}", kept.body);

    // When she is deleted (a data-subject request)
    let res = api.delete(&admin(), &path).await;

    // Then she is gone, archived list and project included, her address is free, and so is Acme
    assert_eq!(res.status, 204, "{}", res.body);
    assert_eq!(api.delete(&admin(), &path).await.status, 404);
    assert_eq!(
        api.get(&admin(), &format!("/clients/{acme}/contacts?archived=true")).await.json()["items"],
        json!([])
    );
    let body = json!({ "last_name": "Other", "email": ada["email"] });
    assert_eq!(api.post(&admin(), &format!("/clients/{acme}/contacts"), body).await.status, 201);
    assert_eq!(client(&api, &acme).await["archived_count"], 0);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn the_sweep_erases_an_archived_contact_once_its_tenants_retention_is_over_and_not_before() {
    // Given a tenant keeping archived contacts 2 days, and Ada archived
    let api = TestApi::new().await;
    let set = api.patch(&admin(), "/settings", json!({ "archive_retention_days": 2 })).await;
    assert_eq!(set.status, 200, "{}", set.body);
    let (acme, ada, path, _) = given_ada(&api).await;
    let archived = archive(&api, &path).await.json();
    assert_eq!(kept_for(&archived["contact"]), Duration::days(2));

    // When the sweep runs a day later, then it leaves her
    api.clock.advance(Duration::days(1));
    let early = sweep(&api.app, None).await.unwrap();
    assert_eq!(early.purged, 0, "{early:?}");
    assert_eq!(
        ids(&api.get(&admin(), &format!("/clients/{acme}/contacts?archived=true")).await.json()),
        [ada["id"].as_str().unwrap()]
    );

    // When it runs after the retention, then she is erased, once, and her address is free
    api.clock.advance(Duration::days(1) + Duration::seconds(1));
    let due = sweep(&api.app, None).await.unwrap();
    let again = sweep(&api.app, None).await.unwrap();
    assert_eq!((due.purged, due.failed, again.purged), (1, 0, 0), "{due:?} {again:?}");
    assert_eq!(
        api.get(&admin(), &format!("/clients/{acme}/contacts?archived=true")).await.json()["items"],
        json!([])
    );
    assert_eq!(client(&api, &acme).await["archived_count"], 0);
    let body = json!({ "last_name": "Other", "email": ada["email"] });
    assert_eq!(api.post(&admin(), &format!("/clients/{acme}/contacts"), body).await.status, 201);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn archive_and_restore_publish_their_events_and_an_erasure_erases_the_history() {
    // Given Ada with a note, the stream drained
    let api = TestApi::new().await;
    let mut stream = EventStream::of(&api).await;
    let (_, ada, path, _) = given_ada(&api).await;
    stream.events().await;

    // When she is archived, restored, archived again and deleted
    assert_eq!(archive(&api, &path).await.status, 200);
    let archived = stream.events().await;
    assert_eq!(restore(&api, &path).await.status, 200);
    let restored = stream.events().await;
    assert_eq!(archive(&api, &path).await.status, 200);
    assert_eq!(api.delete(&admin(), &path).await.status, 204);
    let erased = stream.events().await;

    // Then each says so once, and no restore reads as a new contact or an archive as a deletion
    let kinds = |events: &[Value]| -> Vec<String> {
        events.iter().map(|e| e["detail-type"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(kinds(&archived), ["contact.archived"]);
    assert_eq!(archived[0]["detail"]["contact_id"], ada["id"]);
    assert_eq!(kinds(&restored), ["contact.restored"]);
    // and her history went with her erasure (her note's removal says so), not with her archive
    assert_eq!(kinds(&erased), ["contact.archived", "contact.deleted", "contact.note_deleted"]);
}

#[tokio::test]
async fn archive_and_restore_refuse_what_they_cannot_do() {
    // Given Ada at Acme, and another tenant's admin
    let api = TestApi::new().await;
    let (acme, _, path, _) = given_ada(&api).await;
    let stranger = TestApi::admin("t2");

    // Then another tenant finds nothing, a stale If-Match is 412, a current contact is not
    // restorable, and the archived list takes no other filter
    assert_eq!(api.post(&stranger, &format!("{path}/archive"), json!({})).await.status, 404);
    let stale = api
        .send(&admin(), "POST", &format!("{path}/archive"), &[("if-match", "\"v99\"")], Some("{}".to_owned()))
        .await;
    assert_eq!(stale.status, 412, "{}", stale.body);
    let current = restore(&api, &path).await;
    assert_eq!(
        (current.status, &current.json()["detail"]),
        (404, &json!("archived contact not found")),
        "{}",
        current.body
    );
    for bad in ["archived=true&topic=invoice", "archived=true&sort=name", "archived=yes"] {
        let res = api.get(&admin(), &format!("/clients/{acme}/contacts?{bad}")).await;
        assert_eq!(res.status, 400, "{bad}: {}", res.body);
    }
    assert_eq!(archive(&api, &path).await.status, 200);
    assert_eq!(api.post(&stranger, &format!("{path}/restore"), json!({})).await.status, 404);
    assert_invariants(&api).await;
}

const EDITED_THEN_ARCHIVED: &str = "the edit landed, then the archive planned again and kept it";
const ARCHIVED_FIRST: &str = "the archive landed, the edit found no contact";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_edit_landing_while_its_contact_is_archived_is_kept_or_refused_never_lost() {
    let (api, proxy) = racing_api().await;
    let mut outcomes = Outcomes::of("archive vs edit", &[EDITED_THEN_ARCHIVED, ARCHIVED_FIRST]);
    let acme = given_client(&api, &admin(), "Acme").await;
    given_contact(&api, &admin(), &acme, json!({ "last_name": "Primary", "phone": "+12025550143" })).await;
    for round in 0..repeats() {
        // Given Ada at Acme
        let ada =
            given_contact(&api, &admin(), &acme, json!({ "last_name": "Ada", "phone": "+12025550144" }))
                .await;
        let path = contact_path(&acme, &ada);

        // When her title changes as she is archived, both planned on the same item, the edit's
        // write landing first, last, or as it happens
        let order = landing(round, &[&[1, 0], &[0, 1]]);
        let held = Held { operations: &["TransactWriteItems", "UpdateItem"], skip: 0 };
        let run = race_landing(&proxy, held, order, 2, |i| {
            let (api, path) = (api.clone(), path.clone());
            async move {
                match i {
                    0 => archive(&api, &path).await,
                    _ => api.patch(&admin(), &path, json!({ "job_title": "CTO" })).await,
                }
            }
        })
        .await;

        // Then she is archived, with the new title exactly when the edit was answered 200
        let (archived, edited) = (&run.responses[0], &run.responses[1]);
        assert_eq!(archived.status, 200, "{}", archived.body);
        let kept = archived.json()["contact"]["job_title"] == "CTO";
        let outcome = match edited.status {
            200 if kept => EDITED_THEN_ARCHIVED,
            404 if !kept => ARCHIVED_FIRST,
            _ => panic!("edit {} {}, kept: {kept}", edited.status, edited.body),
        };
        outcomes.saw_in(outcome, order, &[(&[1, 0], EDITED_THEN_ARCHIVED), (&[0, 1], ARCHIVED_FIRST)]);
    }
    outcomes.assert_each_occurred();
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_persons_data_is_given_while_their_contact_is_archived() {
    // Given Ada archived, with her project link and tag
    let api = TestApi::new().await;
    let (_, ada, path, tag) = given_ada(&api).await;
    assert_eq!(archive(&api, &path).await.status, 200);

    // When an administrator asks for her data (a data-subject access request)
    let res = api.get(&admin(), &format!("{path}/export")).await;

    // Then it is all there: she, her link, her tag and her history
    assert_eq!(res.status, 200, "{}", res.body);
    let data = res.json();
    assert_eq!((&data["contact"]["id"], &data["contact"]["email"]), (&ada["id"], &ada["email"]));
    assert_eq!(data["project_links"][0]["project_id"], "p-1", "{data}");
    assert_eq!(data["tags"][0]["id"], tag.as_str(), "{data}");
    assert!(data["activity"].as_array().unwrap().iter().any(|a| a["text"] == "Left"), "{data}");
}

#[tokio::test]
async fn the_history_says_when_and_by_whom_a_contact_was_archived_and_restored() {
    // Given Ada with a note, the stream drained
    let api = TestApi::new().await;
    let mut stream = EventStream::of(&api).await;
    let (_, _, path, _) = given_ada(&api).await;
    stream.events().await;

    // When she is archived a second later, restored a second after, and the stream handled
    api.clock.advance(Duration::seconds(1));
    assert_eq!(archive(&api, &path).await.status, 200);
    api.clock.advance(Duration::seconds(1));
    assert_eq!(restore(&api, &path).await.status, 200);
    stream.events().await;

    // Then her history has both, newest first, by her archiver, next to her note
    let history = api.get(&admin(), &format!("{path}/activity")).await.json();
    let kinds: Vec<&str> =
        history["items"].as_array().unwrap().iter().filter_map(|i| i["kind"].as_str()).collect();
    assert_eq!(kinds, ["restored", "archived", "note"], "{history}");
    assert_eq!(history["items"][1]["actor"], "user-of-t1", "{history}");
    assert_invariants(&api).await;
}
