//! Merging two records of one person (`POST /contacts/merge`): the survivor takes the chosen
//! fields and everything the merged contact had (tags, projects, topics, reports, notes and
//! history), the merged contact goes with its address claim (or hands it over) and its portal
//! user, in one transaction; a dry run shows the result and writes nothing.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use testkit::events::EventStream;
use testkit::{Caller, TestApi, TestResponse};

use crate::invariants::s;
use crate::invites::{accept, given_invited};
use crate::portal_users::portal_user;
use crate::races::{landing, race_landing, racing_api, repeats, Held, Outcomes, HELD_TRANSACTIONS};
use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

fn admin() -> Caller {
    TestApi::admin("t1")
}

async fn merge(api: &TestApi, acme: &str, survivor: &Value, merged: &Value, extra: Value) -> TestResponse {
    let mut body = json!({ "client_id": acme, "survivor_id": survivor["id"], "merged_id": merged["id"] });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    api.post(&admin(), "/contacts/merge", body).await
}

async fn tag(api: &TestApi, path: &str, name: &str) -> String {
    let tag =
        api.post(&admin(), "/tags", json!({ "name": name })).await.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(api.send(&admin(), "PUT", &format!("{path}/tags/{tag}"), &[], None).await.status, 204);
    tag
}

async fn link(api: &TestApi, path: &str, project: &str) {
    assert_eq!(api.send(&admin(), "PUT", &format!("{path}/projects/{project}"), &[], None).await.status, 200);
}

fn ids(list: &Value) -> Vec<&str> {
    list["items"].as_array().expect("items").iter().filter_map(|c| c["id"].as_str()).collect()
}

/// Acme with Ada (the survivor, its primary, VIP, on project p-1, receiving invoices) and Ada
/// entered again as "A. Lovelace" (another address, a mobile, a title, tagged Board, on p-2,
/// receiving tickets). Returns Acme, the survivor and the duplicate.
async fn given_two_adas(api: &TestApi) -> (String, Value, Value) {
    let acme = given_client(api, &admin(), "Acme").await;
    let survivor = json!({ "first_name": "Ada", "last_name": "Lovelace", "email": unique_email("ada"),
        "notifications": ["invoice"] });
    let survivor = given_contact(api, &admin(), &acme, survivor).await;
    let duplicate = json!({ "first_name": "A.", "last_name": "Lovelace", "email": unique_email("ada2"),
        "mobile": "+447911123456", "job_title": "CFO", "notifications": ["ticket"] });
    let duplicate = given_contact(api, &admin(), &acme, duplicate).await;
    let (s, d) = (contact_path(&acme, &survivor), contact_path(&acme, &duplicate));
    tag(api, &s, "VIP").await;
    tag(api, &d, "Board").await;
    link(api, &s, "p-1").await;
    link(api, &d, "p-2").await;
    (acme, survivor, duplicate)
}

#[tokio::test]
async fn a_dry_run_shows_the_survivor_as_merged_and_changes_nothing() {
    // Given two records of Ada
    let api = TestApi::new().await;
    let (acme, survivor, duplicate) = given_two_adas(&api).await;

    // When a merge is asked for as a dry run
    let res = merge(&api, &acme, &survivor, &duplicate, json!({ "dry_run": true })).await;

    // Then it shows the survivor as it would be, and both records are as they were
    assert_eq!(res.status, 200, "{}", res.body);
    let shown = res.json();
    assert_eq!(shown["dry_run"], true);
    assert_eq!(
        (&shown["contact"]["job_title"], &shown["contact"]["mobile"]),
        (&json!("CFO"), &duplicate["mobile"])
    );
    assert_eq!(shown["contact"]["tag_ids"].as_array().unwrap().len(), 2, "{shown}");
    assert_eq!(shown["gained"]["project_ids"], json!(["p-2"]));
    let path = contact_path(&acme, &survivor);
    assert_eq!(api.get(&admin(), &path).await.json()["job_title"], Value::Null);
    assert_eq!(api.get(&admin(), &contact_path(&acme, &duplicate)).await.status, 200);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_merge_gives_the_survivor_the_fields_tags_projects_and_topics_of_the_merged_contact() {
    // Given two records of Ada
    let api = TestApi::new().await;
    let (acme, survivor, duplicate) = given_two_adas(&api).await;

    // When the duplicate is merged into the survivor, taking its first name
    let res =
        merge(&api, &acme, &survivor, &duplicate, json!({ "fields": { "first_name": "merged" } })).await;

    // Then the survivor has the chosen name, its own address, what it lacked, and both's links
    assert_eq!(res.status, 200, "{}", res.body);
    let path = contact_path(&acme, &survivor);
    let ada = api.get(&admin(), &path).await.json();
    assert_eq!((&ada["first_name"], &ada["email"]), (&json!("A."), &survivor["email"]));
    assert_eq!((&ada["job_title"], &ada["mobile"]), (&json!("CFO"), &duplicate["mobile"]));
    assert_eq!(ada["notifications"], json!(["invoice", "ticket"]));
    assert_eq!(ada["tag_ids"].as_array().unwrap().len(), 2, "{ada}");
    let projects = api.get(&admin(), &format!("{path}/projects")).await.json();
    let linked: Vec<&str> =
        projects["items"].as_array().unwrap().iter().filter_map(|p| p["project_id"].as_str()).collect();
    assert_eq!(linked, ["p-1", "p-2"], "{projects}");
    // and the duplicate is gone from everywhere, the client counting one contact
    assert_eq!(api.get(&admin(), &contact_path(&acme, &duplicate)).await.status, 404);
    let listed = api.get(&admin(), &format!("/clients/{acme}/contacts")).await.json();
    assert_eq!(ids(&listed), [survivor["id"].as_str().unwrap()], "{listed}");
    let p2 = api.get(&admin(), &format!("/clients/{acme}/projects/p-2/contacts")).await.json();
    assert_eq!(ids(&p2), [survivor["id"].as_str().unwrap()], "{p2}");
    assert_eq!(api.get(&admin(), &format!("/clients/{acme}")).await.json()["contact_count"], 1);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn the_merged_address_goes_to_the_survivor_when_chosen_and_the_survivors_is_freed() {
    // Given two records of Ada
    let api = TestApi::new().await;
    let (acme, survivor, duplicate) = given_two_adas(&api).await;

    // When the merge takes the duplicate's address
    let res = merge(&api, &acme, &survivor, &duplicate, json!({ "fields": { "email": "merged" } })).await;

    // Then the survivor holds it, nobody else may take it, and its old address is free
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["contact"]["email"], duplicate["email"]);
    let taken = api
        .post(
            &admin(),
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "X", "email": duplicate["email"] }),
        )
        .await;
    assert_eq!((taken.status, taken.problem_code().as_str()), (409, "email-taken"), "{}", taken.body);
    let free = api
        .post(
            &admin(),
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "Y", "email": survivor["email"] }),
        )
        .await;
    assert_eq!(free.status, 201, "{}", free.body);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn the_merged_address_is_freed_when_the_survivors_is_kept() {
    // Given two records of Ada
    let api = TestApi::new().await;
    let (acme, survivor, duplicate) = given_two_adas(&api).await;

    // When they are merged by default
    assert_eq!(merge(&api, &acme, &survivor, &duplicate, json!({})).await.status, 200);

    // Then the duplicate's address may be used again
    let free = api
        .post(
            &admin(),
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "Y", "email": duplicate["email"] }),
        )
        .await;
    assert_eq!(free.status, 201, "{}", free.body);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_merged_primary_hands_the_role_to_the_survivor() {
    // Given Acme's primary and a second record of the same person
    let api = TestApi::new().await;
    let (acme, primary, duplicate) = given_two_adas(&api).await;
    assert_eq!(primary["is_primary"], true);

    // When the primary is the one merged away
    let res = merge(&api, &acme, &duplicate, &primary, json!({})).await;

    // Then the survivor is the client's primary
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["contact"]["is_primary"], true);
    let client = api.get(&admin(), &format!("/clients/{acme}")).await.json();
    assert_eq!(client["primary_contact_id"], duplicate["id"], "{client}");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn the_merged_contacts_reports_go_to_the_survivor_which_takes_its_manager() {
    // Given a manager of the duplicate, and a report of the duplicate
    let api = TestApi::new().await;
    let (acme, survivor, duplicate) = given_two_adas(&api).await;
    let manager =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Boss", "phone": "+12025550143" })).await;
    let d = contact_path(&acme, &duplicate);
    let patched = api.patch(&admin(), &d, json!({ "line_manager_id": manager["id"] })).await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let report =
        json!({ "last_name": "Report", "phone": "+12025550144", "line_manager_id": duplicate["id"] });
    let report = given_contact(&api, &admin(), &acme, report).await;

    // When the duplicate is merged into the survivor
    let res = merge(&api, &acme, &survivor, &duplicate, json!({})).await;

    // Then the report reports to the survivor, which reports to the duplicate's manager
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["gained"]["report_ids"], json!([report["id"]]));
    assert_eq!(res.json()["contact"]["line_manager_id"], manager["id"]);
    let report_now = api.get(&admin(), &contact_path(&acme, &report)).await.json();
    assert_eq!(report_now["line_manager_id"], survivor["id"], "{report_now}");
    // (the checker holds every manager's count and ids to the links)
    assert_invariants(&api).await;
}

#[tokio::test]
async fn the_merged_history_and_notes_move_to_the_survivor_and_the_stream_says_contact_merged() {
    // Given a note on the duplicate, the stream drained
    let api = TestApi::new().await;
    let mut stream = EventStream::of(&api).await;
    let (acme, survivor, duplicate) = given_two_adas(&api).await;
    let d = contact_path(&acme, &duplicate);
    let note =
        api.post(&admin(), &format!("{d}/notes"), json!({ "kind": "note", "text": "Met at the fair" })).await;
    assert_eq!(note.status, 201, "{}", note.body);
    stream.events().await;

    // When it is merged into the survivor
    assert_eq!(merge(&api, &acme, &survivor, &duplicate, json!({})).await.status, 200);
    let events = stream.events().await;

    // Then the survivor's history holds the note, and the stream says merged, not deleted
    let path = contact_path(&acme, &survivor);
    let history = api.get(&admin(), &format!("{path}/activity")).await.json();
    let notes: Vec<&str> =
        history["items"].as_array().unwrap().iter().filter_map(|i| i["text"].as_str()).collect();
    assert_eq!(notes, ["Met at the fair"], "{history}");
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["detail-type"].as_str()).collect();
    assert!(kinds.contains(&"contact.merged"), "{kinds:?}");
    for never in ["contact.deleted", "contact.note_added", "contact.note_deleted"] {
        assert!(!kinds.contains(&never), "{never} in {kinds:?}");
    }
    let merged = events.iter().find(|e| e["detail-type"] == "contact.merged").unwrap();
    assert_eq!(merged["detail"]["contact_id"], survivor["id"]);
    assert_eq!(merged["detail"]["data"]["merged_contact_id"], duplicate["id"]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn the_merged_contacts_portal_user_is_removed() {
    // Given Ada, an active portal user of Acme, and a second record of her
    let api = TestApi::new().await;
    let email = unique_email("portal-merged");
    let (acme, ada, token) = given_invited(&api, &email).await;
    assert_eq!(accept(&api, &token, "correct horse battery").await.status, 200);
    let survivor =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Lovelace", "phone": "+12025550145" }))
            .await;

    // When the portal user's record is merged into the other
    let res = merge(&api, &acme, &survivor, &ada, json!({})).await;

    // Then the survivor takes her address without the access, and her user is gone
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["contact"]["email"], json!(email));
    assert_eq!(res.json()["contact"]["portal"]["status"], "none");
    assert!(portal_user("t1", &email).await.is_none());
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_merge_refuses_what_it_cannot_do() {
    // Given two records of Ada
    let api = TestApi::new().await;
    let (acme, survivor, duplicate) = given_two_adas(&api).await;
    let body = json!({ "client_id": acme, "survivor_id": survivor["id"], "merged_id": duplicate["id"] });

    // Then another tenant finds neither, a reader may not merge, a stale version is 412, a
    // contact merged into itself or an unknown field is 422
    let stranger = api.post(&TestApi::admin("t2"), "/contacts/merge", body.clone()).await;
    assert_eq!(
        (stranger.status, stranger.problem_code().as_str()),
        (422, "validation-failed"),
        "{}",
        stranger.body
    );
    assert_eq!(api.post(&TestApi::reader("t1"), "/contacts/merge", body.clone()).await.status, 403);
    let stale = merge(&api, &acme, &survivor, &duplicate, json!({ "merged_version": 99 })).await;
    assert_eq!(stale.status, 412, "{}", stale.body);
    let itself = merge(&api, &acme, &survivor, &survivor, json!({})).await;
    assert_eq!(itself.status, 422, "{}", itself.body);
    let unknown =
        merge(&api, &acme, &survivor, &duplicate, json!({ "fields": { "tag_ids": "merged" } })).await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    // and nothing was merged
    assert_eq!(api.get(&admin(), &contact_path(&acme, &duplicate)).await.status, 200);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_merge_of_more_than_one_transactions_writes_is_refused_whole() {
    // Given a duplicate on 30 projects with 20 tags: 100 link and membership writes alone
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let survivor =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "L", "email": unique_email("s") })).await;
    let duplicate =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "L", "email": unique_email("d") })).await;
    let d = contact_path(&acme, &duplicate);
    for i in 0..30 {
        link(&api, &d, &format!("p-{i}")).await;
    }
    for i in 0..20 {
        tag(&api, &d, &format!("Big {i}")).await;
    }

    // When it is merged
    let res = merge(&api, &acme, &survivor, &duplicate, json!({})).await;

    // Then nothing is merged, and the answer says why
    assert_eq!((res.status, res.problem_code().as_str()), (409, "merge-too-large"), "{}", res.body);
    assert_eq!(api.get(&admin(), &d).await.status, 200);
    assert_eq!(api.get(&admin(), &contact_path(&acme, &survivor)).await.json()["tag_ids"], json!([]));
    assert_invariants(&api).await;
}

const MERGED_FIRST: &str = "the merge landed, then the delete planned again";
const DELETED_FIRST: &str = "the delete landed, the merge found no such contact";

/// Races a merge of two fresh records against the deletion of the one `deleted` picks, in
/// both landing orders and free; asserts each answer pair is one of the two outcomes and the
/// table whole after every round.
async fn merge_racing_a_delete(deleted: fn(&Value, &Value) -> Value, after_merge: u16) {
    let (api, proxy) = racing_api().await;
    let mut outcomes = Outcomes::of("merge vs delete", &[MERGED_FIRST, DELETED_FIRST]);
    let acme = given_client(&api, &admin(), "Acme").await;
    given_contact(&api, &admin(), &acme, json!({ "last_name": "Primary", "phone": "+12025550142" })).await;
    for round in 0..repeats() {
        // Given two records of one person
        let survivor =
            given_contact(&api, &admin(), &acme, json!({ "last_name": "S", "phone": "+12025550143" })).await;
        let duplicate =
            given_contact(&api, &admin(), &acme, json!({ "last_name": "D", "phone": "+12025550144" })).await;
        let gone = contact_path(&acme, &deleted(&survivor, &duplicate));

        // When they are merged as one of them is deleted, landing in either order or freely
        let order = landing(round, &[&[0, 1], &[1, 0]]);
        let run = race_landing(&proxy, HELD_TRANSACTIONS, order, 2, |i| {
            let (api, acme, survivor, duplicate, gone) =
                (api.clone(), acme.clone(), survivor.clone(), duplicate.clone(), gone.clone());
            async move {
                match i {
                    0 => merge(&api, &acme, &survivor, &duplicate, json!({})).await,
                    _ => api.delete(&admin(), &gone).await,
                }
            }
        })
        .await;

        // Then either the merge landed and the delete found what it left, or the delete
        // landed and the merge refused the missing contact: never a half-merged pair
        let (merged, deletion) = (&run.responses[0], &run.responses[1]);
        let outcome = match (merged.status, deletion.status) {
            (200, status) if status == after_merge => MERGED_FIRST,
            (422, 204) => DELETED_FIRST,
            other => panic!("merge {} {} / delete {:?}", merged.body, deletion.body, other),
        };
        outcomes.saw_in(outcome, order, &[(&[0, 1], MERGED_FIRST), (&[1, 0], DELETED_FIRST)]);
        assert_invariants(&api).await;
    }
    outcomes.assert_each_occurred();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_merge_racing_the_deletion_of_the_merged_contact_is_whole_or_refused() {
    // (the delete of a contact merged away finds none)
    merge_racing_a_delete(|_, duplicate| duplicate.clone(), 404).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_merge_racing_the_deletion_of_the_survivor_is_whole_or_refused() {
    // (the delete of the survivor plans again and deletes it as merged)
    merge_racing_a_delete(|survivor, _| survivor.clone(), 204).await;
}

#[tokio::test]
async fn a_survivor_whose_address_changes_loses_its_portal_access_and_the_sweeps_keys() {
    // Given Ada, an active portal user whose support ends one day, and a second record of her
    let api = TestApi::new().await;
    let (acme, ada, token) = given_invited(&api, &unique_email("portal-survivor")).await;
    assert_eq!(accept(&api, &token, "correct horse battery").await.status, 200);
    let path = contact_path(&acme, &ada);
    let window = api.patch(&admin(), &path, json!({ "portal": { "support_end": "2099-12-31" } })).await;
    assert_eq!(window.status, 200, "{}", window.body);
    let other = json!({ "last_name": "Lovelace", "email": unique_email("ada-home") });
    let duplicate = given_contact(&api, &admin(), &acme, other).await;

    // When the duplicate is merged into her, its address winning
    let res = merge(&api, &acme, &ada, &duplicate, json!({ "fields": { "email": "merged" } })).await;

    // Then her access ended as on a change of address, and nothing is left for the sweep to do
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["contact"]["portal"]["status"], "revoked", "{}", res.body);
    assert!(portal_user("t1", ada["email"].as_str().unwrap()).await.is_none());
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_merge_racing_an_edit_of_a_report_of_the_merged_contact_keeps_both() {
    let (api, proxy) = racing_api().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    given_contact(&api, &admin(), &acme, json!({ "last_name": "Primary", "phone": "+12025550142" })).await;
    for round in 0..repeats() {
        // Given two records of one person, the second managing Rita
        let survivor =
            given_contact(&api, &admin(), &acme, json!({ "last_name": "S", "phone": "+12025550143" })).await;
        let duplicate =
            given_contact(&api, &admin(), &acme, json!({ "last_name": "D", "phone": "+12025550144" })).await;
        let rita =
            json!({ "last_name": "Rita", "phone": "+12025550145", "line_manager_id": duplicate["id"] });
        let rita = contact_path(&acme, &given_contact(&api, &admin(), &acme, rita).await);

        // When they are merged as Rita's title changes, landing in either order or freely
        let order = landing(round, &[&[0, 1], &[1, 0]]);
        let held = Held { operations: &["TransactWriteItems", "UpdateItem"], skip: 0 };
        let run = race_landing(&proxy, held, order, 2, |i| {
            let (api, acme, survivor, duplicate, rita) =
                (api.clone(), acme.clone(), survivor.clone(), duplicate.clone(), rita.clone());
            async move {
                match i {
                    0 => merge(&api, &acme, &survivor, &duplicate, json!({})).await,
                    _ => api.patch(&admin(), &rita, json!({ "job_title": "CTO" })).await,
                }
            }
        })
        .await;

        // Then both land: Rita keeps her new title and reports to the survivor
        assert_eq!(run.responses[0].status, 200, "merge: {}", run.responses[0].body);
        assert_eq!(run.responses[1].status, 200, "edit: {}", run.responses[1].body);
        let now = api.get(&admin(), &rita).await.json();
        assert_eq!((&now["job_title"], &now["line_manager_id"]), (&json!("CTO"), &survivor["id"]), "{now}");
    }
    assert_invariants(&api).await;
}

#[tokio::test]
async fn reports_of_items_from_before_report_ids_were_kept_are_counted_right_by_a_merge() {
    // Given a survivor managing Rex and a duplicate managing Rita, under a manager Max who also
    // manages Mo; the survivor's and Max's items from before they kept their reports' ids
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    given_contact(&api, &admin(), &acme, json!({ "last_name": "Primary", "phone": "+12025550140" })).await;
    let max =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Max", "phone": "+12025550142" })).await;
    given_contact(
        &api,
        &admin(),
        &acme,
        json!({ "last_name": "Mo", "phone": "+12025550141", "line_manager_id": max["id"] }),
    )
    .await;
    let survivor =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "S", "phone": "+12025550143" })).await;
    let duplicate = json!({ "last_name": "D", "phone": "+12025550144", "line_manager_id": max["id"] });
    let duplicate = given_contact(&api, &admin(), &acme, duplicate).await;
    for (name, manager) in [("Rex", &survivor), ("Rita", &duplicate)] {
        let report = json!({ "last_name": name, "phone": "+12025550145", "line_manager_id": manager["id"] });
        given_contact(&api, &admin(), &acme, report).await;
    }
    for old in [&survivor, &max] {
        let key = (format!("TENANT#t1#CLIENT#{acme}"), format!("CONTACT#{}", old["id"].as_str().unwrap()));
        crate::invariants::update_raw(&api, (&key.0, &key.1), "REMOVE report_ids", &[]).await;
    }

    // When the duplicate is merged into the survivor
    let res = merge(&api, &acme, &survivor, &duplicate, json!({})).await;

    // Then the survivor counts and lists Rex and Rita, and Max counts Mo and the survivor, which
    // took the duplicate's manager (one off would refuse Max's deletion for ever)
    assert_eq!(res.status, 200, "{}", res.body);
    let items = api.scan().await;
    let item = |contact: &Value| {
        let id = s(contact["id"].as_str().unwrap());
        items
            .iter()
            .find(|i| i.get("id") == Some(&id) && i.get("entity") == Some(&s("contact")))
            .unwrap()
            .clone()
    };
    let (survivor_item, max_item) = (item(&survivor), item(&max));
    assert_eq!(survivor_item["report_count"], AttributeValue::N("2".into()), "{survivor_item:?}");
    assert_eq!(survivor_item["report_ids"].as_ss().map(Vec::len), Ok(2), "{survivor_item:?}");
    assert_eq!(max_item["report_count"], AttributeValue::N("2".into()), "{max_item:?}");
    // and Max's deletion, which reads its reports by its count, unlinks both and leaves the
    // table whole
    assert_eq!(api.delete(&admin(), &contact_path(&acme, &max)).await.status, 204);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_merge_whose_history_move_fails_after_the_commit_answers_the_merge_and_the_stream_finishes_it() {
    // Given two records of Ada, the duplicate with a note, and DynamoDB failing every attempt
    // of the next query (the history's, after the merge's transaction)
    let (api, proxy) = TestApi::behind_proxy().await;
    let mut stream = EventStream::of(&api).await;
    let (acme, survivor, duplicate) = given_two_adas(&api).await;
    let note = json!({ "kind": "note", "text": "Met at the fair" });
    let noted = api.post(&admin(), &format!("{}/notes", contact_path(&acme, &duplicate)), note).await;
    assert_eq!(noted.status, 201, "{}", noted.body);
    stream.events().await;
    for _ in 0..proxy.sdk_attempts().await {
        proxy.fail_next("Query", testkit::proxy::dynamo::Fault::InternalError);
    }

    // When the duplicate is merged
    let res = merge(&api, &acme, &survivor, &duplicate, json!({})).await;

    // Then the merge is answered as done, and the stream moves the note after it
    assert_eq!(res.status, 200, "{}", res.body);
    stream.events().await;
    let history = api.get(&admin(), &format!("{}/activity", contact_path(&acme, &survivor))).await.json();
    let notes: Vec<&str> =
        history["items"].as_array().unwrap().iter().filter_map(|i| i["text"].as_str()).collect();
    assert_eq!(notes, ["Met at the fair"], "{history}");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_tag_being_deleted_is_not_handed_to_the_survivor() {
    // Given two records of Ada, the duplicate's tag Board marked as being deleted (a deletion
    // that has not reached its members yet)
    let api = TestApi::new().await;
    let (acme, survivor, duplicate) = given_two_adas(&api).await;
    let board = api.get(&admin(), &contact_path(&acme, &duplicate)).await.json()["tag_ids"][0].clone();
    let board = board.as_str().expect("the duplicate's tag").to_owned();
    let key = ("TENANT#t1".to_owned(), format!("TAG#{board}"));
    crate::invariants::update_raw(
        &api,
        (&key.0, &key.1),
        "SET deleting = :t",
        &[(":t", AttributeValue::Bool(true))],
    )
    .await;

    // When the duplicate is merged into the survivor
    let res = merge(&api, &acme, &survivor, &duplicate, json!({})).await;

    // Then the survivor does not take the tag (tagging would refuse it), and the tag's
    // deletion then finishes with no member left behind
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["gained"]["tag_ids"], json!([]), "{}", res.body);
    assert!(!res.json()["contact"]["tag_ids"].as_array().unwrap().contains(&json!(board)), "{}", res.body);
    assert_eq!(api.delete(&admin(), &format!("/tags/{board}")).await.status, 204);
    assert_invariants(&api).await;
}
