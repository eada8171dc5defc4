//! Moving a contact to another client of its tenant (`POST .../contacts/{id}/move`): it keeps its
//! id, address, tags, notes and history; the primary rule holds on both sides; what belonged to
//! the old client (project links, line-manager links, portal access) is cut and named.

use serde_json::{json, Value};
use testkit::events::EventStream;
use testkit::{Caller, TestApi, TestResponse};

use crate::invites::{accept, given_invited};
use crate::races::{
    landing, race, race_landing, racing_api, repeats, Outcomes, HELD_TRANSACTIONS, TRANSACTIONS,
};
use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

fn admin() -> Caller {
    TestApi::admin("t1")
}

async fn move_to(api: &TestApi, contact: &str, client: &str) -> TestResponse {
    api.post(&admin(), &format!("{contact}/move"), json!({ "client_id": client })).await
}

async fn client(api: &TestApi, id: &str) -> Value {
    api.get(&admin(), &format!("/clients/{id}")).await.json()
}

/// Acme with a primary and Ada (not primary), and Globex with a primary of its own.
async fn given_two_clients(api: &TestApi) -> (String, Value, String) {
    let (acme, globex) =
        (given_client(api, &admin(), "Acme").await, given_client(api, &admin(), "Globex").await);
    given_contact(api, &admin(), &acme, json!({ "last_name": "Primary", "email": unique_email("p") })).await;
    given_contact(api, &admin(), &globex, json!({ "last_name": "Gee", "email": unique_email("g") })).await;
    let ada =
        given_contact(api, &admin(), &acme, json!({ "last_name": "Lovelace", "email": unique_email("ada") }))
            .await;
    (acme, ada, globex)
}

#[tokio::test]
async fn a_moved_contact_keeps_its_id_address_tags_and_notes_under_its_new_client() {
    // Given Ada at Acme, tagged, with a note
    let api = TestApi::new().await;
    let (acme, ada, globex) = given_two_clients(&api).await;
    let old = contact_path(&acme, &ada);
    let tag =
        api.post(&admin(), "/tags", json!({ "name": "VIP" })).await.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(api.send(&admin(), "PUT", &format!("{old}/tags/{tag}"), &[], None).await.status, 204);
    let note = api
        .post(&admin(), &format!("{old}/notes"), json!({ "kind": "note", "text": "Met at the fair" }))
        .await;
    assert_eq!(note.status, 201, "{}", note.body);

    // When she moves to Globex
    let res = move_to(&api, &old, &globex).await;

    // Then she is Globex's, with her id, address and tag, and Acme's path finds nothing
    assert_eq!(res.status, 200, "{}", res.body);
    let moved = res.json();
    assert_eq!(
        (moved["from_client_id"].as_str(), moved["contact"]["client_id"].as_str()),
        (Some(acme.as_str()), Some(globex.as_str()))
    );
    assert_eq!(moved["contact"]["is_primary"], false);
    let new = contact_path(&globex, &ada);
    let now = api.get(&admin(), &new).await.json();
    assert_eq!((&now["id"], &now["email"], &now["tag_ids"]), (&ada["id"], &ada["email"], &json!([tag])));
    assert_eq!(api.get(&admin(), &old).await.status, 404);
    assert_eq!(
        (
            client(&api, &acme).await["contact_count"].clone(),
            client(&api, &globex).await["contact_count"].clone()
        ),
        (json!(1), json!(2))
    );
    // her address finds her at Globex, her tag lists her there, and her note is edited there
    let found =
        api.get(&admin(), &format!("/contacts?email={}", ada["email"].as_str().unwrap())).await.json();
    assert_eq!(found["items"][0]["client_id"], globex.as_str(), "{found}");
    let tagged = api.get(&admin(), &format!("/tags/{tag}/contacts")).await.json();
    assert_eq!(tagged["items"][0]["client_id"], globex.as_str(), "{tagged}");
    let note_path = format!("{new}/notes/{}", note.json()["id"].as_str().unwrap());
    assert_eq!(
        api.patch(&admin(), &note_path, json!({ "text": "Met at the fair, twice" })).await.status,
        200
    );
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_primary_leaves_only_as_its_clients_last_contact_and_leads_a_client_it_is_the_first_of() {
    // Given Acme with a primary and Ada, and Initech without contacts
    let api = TestApi::new().await;
    let (acme, ada, globex) = given_two_clients(&api).await;
    let initech = given_client(&api, &admin(), "Initech").await;
    let primary = client(&api, &acme).await["primary_contact_id"].as_str().unwrap().to_owned();
    let primary_path = format!("/clients/{acme}/contacts/{primary}");

    // When the primary would leave Ada behind, then it is refused
    let refused = move_to(&api, &primary_path, &globex).await;
    assert_eq!(
        (refused.status, refused.problem_code().as_str()),
        (409, "primary-required"),
        "{}",
        refused.body
    );

    // When Ada moves to Initech, she is its first contact, so its primary
    let res = move_to(&api, &contact_path(&acme, &ada), &initech).await;
    assert_eq!(res.json()["contact"]["is_primary"], true, "{}", res.body);
    assert_eq!(client(&api, &initech).await["primary_contact_id"], ada["id"]);

    // When Acme's primary, now alone, moves to Globex, Acme is left empty and Globex keeps its primary
    let res = move_to(&api, &primary_path, &globex).await;
    assert_eq!((res.status, &res.json()["contact"]["is_primary"]), (200, &json!(false)), "{}", res.body);
    let acme_now = client(&api, &acme).await;
    assert_eq!((&acme_now["contact_count"], &acme_now["primary_contact_id"]), (&json!(0), &Value::Null));
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_move_cuts_the_old_clients_project_and_line_manager_links_and_names_them() {
    // Given Ada at Acme reporting to Boss, managing Rex, and linked to a project
    let api = TestApi::new().await;
    let (acme, _, globex) = given_two_clients(&api).await;
    let boss =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Boss", "phone": "+12025550143" })).await;
    let body = json!({ "last_name": "Lovelace", "phone": "+12025550144", "line_manager_id": boss["id"] });
    let ada = given_contact(&api, &admin(), &acme, body).await;
    let body = json!({ "last_name": "Rex", "phone": "+12025550145", "line_manager_id": ada["id"] });
    let rex = given_contact(&api, &admin(), &acme, body).await;
    let old = contact_path(&acme, &ada);
    assert_eq!(api.send(&admin(), "PUT", &format!("{old}/projects/p-1"), &[], None).await.status, 200);

    // When she moves to Globex
    let res = move_to(&api, &old, &globex).await;

    // Then the response names every link cut, and none is left on either side
    assert_eq!(res.status, 200, "{}", res.body);
    let moved = res.json();
    assert_eq!(
        moved["cut"],
        json!({ "project_ids": ["p-1"], "line_manager_id": boss["id"], "report_ids": [rex["id"]] })
    );
    assert_eq!(
        (&moved["contact"]["line_manager_id"], &moved["contact"]["project_count"]),
        (&Value::Null, &json!(0))
    );
    assert_eq!(api.get(&admin(), &contact_path(&acme, &rex)).await.json()["line_manager_id"], Value::Null);
    let project = api.get(&admin(), &format!("/clients/{acme}/projects/p-1/contacts")).await.json();
    assert_eq!(project["items"], json!([]), "{project}");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_move_ends_portal_access_granted_for_the_old_client_and_its_invitation() {
    // Given Ada invited to Acme's portal, and Globex
    let api = TestApi::new().await;
    let (acme, ada, token) = given_invited(&api, &unique_email("ada")).await;
    let globex = given_client(&api, &admin(), "Globex").await;

    // When she moves to Globex
    let res = move_to(&api, &contact_path(&acme, &ada), &globex).await;

    // Then her invitation is withdrawn: she is not invited, and its link opens nothing
    assert_eq!(res.json()["contact"]["portal"]["status"], "none", "{}", res.body);
    let accepted = accept(&api, &token, "a long and private passphrase").await;
    assert_eq!(accepted.status, 410, "{}", accepted.body);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_move_names_another_client_of_the_callers_tenant_or_is_refused() {
    // Given Ada at Acme, and a client of another tenant
    let api = TestApi::new().await;
    let (acme, ada, globex) = given_two_clients(&api).await;
    let elsewhere = given_client(&api, &TestApi::admin("t2"), "Elsewhere").await;
    let path = contact_path(&acme, &ada);

    // When the target is her own client, another tenant's, none, or not an id; then 422 on client_id
    for body in [
        json!({ "client_id": acme }),
        json!({ "client_id": elsewhere }),
        json!({ "client_id": "01JDEM0C11ENT0000000000009" }),
        json!({ "client_id": "acme" }),
        json!({}),
    ] {
        let res = api.post(&admin(), &format!("{path}/move"), body.clone()).await;
        assert_eq!(res.status, 422, "{body}: {}", res.body);
        assert_eq!(res.json()["errors"][0]["field"], "client_id", "{body}: {}", res.body);
    }
    // another tenant cannot move her, and a stale If-Match moves nothing
    let t2 =
        api.post(&TestApi::admin("t2"), &format!("{path}/move"), json!({ "client_id": elsewhere })).await;
    assert_eq!(t2.status, 404, "{}", t2.body);
    let stale = api
        .send(
            &admin(),
            "POST",
            &format!("{path}/move"),
            &[("if-match", "\"v99\""), ("content-type", "application/json")],
            Some(json!({ "client_id": globex }).to_string()),
        )
        .await;
    assert_eq!(stale.status, 412, "{}", stale.body);
    assert_eq!(api.get(&admin(), &path).await.status, 200);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_move_publishes_contact_moved_and_its_history_follows_it() {
    // Given Ada at Acme with a note, the stream drained
    let api = TestApi::new().await;
    let mut stream = EventStream::of(&api).await;
    let (acme, ada, globex) = given_two_clients(&api).await;
    let old = contact_path(&acme, &ada);
    let note = api
        .post(&admin(), &format!("{old}/notes"), json!({ "kind": "note", "text": "Met at the fair" }))
        .await;
    assert_eq!(note.status, 201, "{}", note.body);
    stream.events().await;

    // When she moves to Globex and the stream is handled (her old item's removal with it)
    assert_eq!(move_to(&api, &old, &globex).await.status, 200);
    let events = stream.events().await;

    // Then one event says so: neither a deletion nor a new contact
    let kinds: Vec<&str> = events.iter().map(|e| e["detail-type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["contact.moved"]);
    let detail = &events[0]["detail"];
    assert_eq!((detail["client_id"].as_str(), &detail["contact_id"]), (Some(globex.as_str()), &ada["id"]));
    assert_eq!(detail["data"], json!({ "from_client_id": acme, "to_client_id": globex }));
    // and her history, note included, is hers at Globex, with the move in it
    let history = api.get(&admin(), &format!("{}/activity", contact_path(&globex, &ada))).await.json();
    let items = history["items"].as_array().expect("items");
    assert!(items.iter().any(|i| i["note_id"] == note.json()["id"]), "{history}");
    assert!(items.iter().any(|i| i["fields"] == json!(["client_id"])), "{history}");
}

#[tokio::test]
async fn a_move_whose_history_re_point_fails_after_the_commit_answers_the_move_and_the_stream_finishes_it() {
    // Given Ada at Acme with a note, and DynamoDB failing every attempt of the next query (the
    // history's, after the move's transaction)
    let (api, proxy) = TestApi::behind_proxy().await;
    let mut stream = EventStream::of(&api).await;
    let (acme, ada, globex) = given_two_clients(&api).await;
    let old = contact_path(&acme, &ada);
    let note = json!({ "kind": "note", "text": "Met at the fair" });
    assert_eq!(api.post(&admin(), &format!("{old}/notes"), note).await.status, 201);
    stream.events().await;
    for _ in 0..proxy.sdk_attempts().await {
        proxy.fail_next("Query", testkit::proxy::dynamo::Fault::InternalError);
    }

    // When she moves to Globex
    let res = move_to(&api, &old, &globex).await;

    // Then the move is answered as done, and the stream points her history at Globex after it
    assert_eq!(res.status, 200, "{}", res.body);
    stream.events().await;
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_move_racing_a_first_add_to_an_empty_client_leaves_it_exactly_one_primary() {
    let (api, proxy) = racing_api().await;
    for round in 0..repeats() {
        // Given Ada at Acme and Initech without contacts
        let (acme, ada, _) = given_two_clients(&api).await;
        let initech = given_client(&api, &admin(), "Initech").await;
        let path = contact_path(&acme, &ada);

        // When her move there and its first add write at the same moment
        let run = race(&proxy, TRANSACTIONS, 2, |i| {
            let (api, path, initech) = (api.clone(), path.clone(), initech.clone());
            async move {
                match i {
                    0 => move_to(&api, &path, &initech).await,
                    _ => {
                        let body =
                            json!({ "last_name": "First", "email": unique_email(&format!("first{round}")) });
                        api.post(&admin(), &format!("/clients/{initech}/contacts"), body).await
                    }
                }
            }
        })
        .await;

        // Then both land, and exactly one of them leads Initech
        run.assert_overlapped(2);
        assert_eq!(
            run.statuses(),
            [200, 201],
            "{:?}",
            run.responses.iter().map(|r| &r.body).collect::<Vec<_>>()
        );
        let moved = run.responses[0].json()["contact"]["is_primary"].clone();
        let added = run.responses[1].json()["is_primary"].clone();
        assert_eq!([&moved, &added].iter().filter(|p| ***p == json!(true)).count(), 1, "{moved} {added}");
        let led = client(&api, &initech).await;
        assert_eq!(led["contact_count"], 2);
        let primary = if moved == json!(true) { &ada["id"] } else { &run.responses[1].json()["id"] };
        assert_eq!(&led["primary_contact_id"], primary);
    }
    assert_invariants(&api).await;
}

const TAGGED_THEN_MOVED: &str = "the tag landed, then the move planned again and took it along";
const MOVED_FIRST: &str = "the move landed, the tag found no contact at the old client";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tag_landing_while_its_contact_moves_is_carried_along_or_refused_never_lost() {
    let (api, proxy) = racing_api().await;
    let tag =
        api.post(&admin(), "/tags", json!({ "name": "VIP" })).await.json()["id"].as_str().unwrap().to_owned();
    let mut outcomes = Outcomes::of("move vs tag", &[TAGGED_THEN_MOVED, MOVED_FIRST]);
    for round in 0..repeats() {
        // Given Ada at Acme and Globex
        let (acme, ada, globex) = given_two_clients(&api).await;
        let path = contact_path(&acme, &ada);

        // When she is tagged as she moves, both planned on the same item, the tag's write landing
        // first, last, or as it happens
        let order = landing(round, &[&[1, 0], &[0, 1]]);
        let run = race_landing(&proxy, HELD_TRANSACTIONS, order, 2, |i| {
            let (api, path, globex, tag) = (api.clone(), path.clone(), globex.clone(), tag.clone());
            async move {
                match i {
                    0 => move_to(&api, &path, &globex).await,
                    _ => api.send(&admin(), "PUT", &format!("{path}/tags/{tag}"), &[], None).await,
                }
            }
        })
        .await;

        // Then she is Globex's, carrying the tag exactly when the tag was answered 204
        let (moved, tagged) = (&run.responses[0], &run.responses[1]);
        assert_eq!(moved.status, 200, "{}", moved.body);
        let carried = api.get(&admin(), &contact_path(&globex, &ada)).await.json()["tag_ids"] == json!([tag]);
        let outcome = match tagged.status {
            204 if carried => TAGGED_THEN_MOVED,
            404 if !carried => MOVED_FIRST,
            _ => panic!("tag {} {}, carried: {carried}", tagged.status, tagged.body),
        };
        outcomes.saw_in(outcome, order, &[(&[1, 0], TAGGED_THEN_MOVED), (&[0, 1], MOVED_FIRST)]);
    }
    outcomes.assert_each_occurred();
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_move_whose_writes_outgrow_one_transaction_is_409_and_changes_nothing() {
    // Given Ada at Acme with 30 projects, 20 tags and 25 reports: more than 100 writes to move
    let api = TestApi::new().await;
    let (acme, ada, globex) = given_two_clients(&api).await;
    let path = contact_path(&acme, &ada);
    for p in 0..30 {
        assert_eq!(api.send(&admin(), "PUT", &format!("{path}/projects/p-{p}"), &[], None).await.status, 200);
    }
    for t in 0..20 {
        let tag = api.post(&admin(), "/tags", json!({ "name": format!("T{t}") })).await.json();
        let tagging = format!("{path}/tags/{}", tag["id"].as_str().unwrap());
        assert_eq!(api.send(&admin(), "PUT", &tagging, &[], None).await.status, 204);
    }
    for r in 0..25 {
        let body =
            json!({ "last_name": format!("R{r}"), "phone": "+12025550143", "line_manager_id": ada["id"] });
        given_contact(&api, &admin(), &acme, body).await;
    }
    let before = api.get(&admin(), &path).await.json();

    // When she is moved
    let res = move_to(&api, &path, &globex).await;

    // Then it is refused whole, naming what to do, and she is as she was
    assert_eq!((res.status, res.problem_code().as_str()), (409, "move-too-large"), "{}", res.body);
    assert!(res.json()["detail"].as_str().is_some_and(|d| d.contains("unlink")), "{}", res.body);
    assert_eq!(api.get(&admin(), &path).await.json(), before);
    assert_eq!(client(&api, &globex).await["contact_count"], 1);
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_move_with_a_current_if_match_is_not_made_stale_by_a_tag_landing_first() {
    let (api, proxy) = racing_api().await;
    let tag =
        api.post(&admin(), "/tags", json!({ "name": "VIP" })).await.json()["id"].as_str().unwrap().to_owned();
    // Given Ada at Acme, read at her current version, and Globex
    let (acme, ada, globex) = given_two_clients(&api).await;
    let path = contact_path(&acme, &ada);
    let etag = api.get(&admin(), &path).await.header("etag").expect("an ETag").to_owned();

    // When she is tagged as she moves with that ETag, the tag landing first (a tag moves no
    // version, so the ETag is still hers)
    let run = race_landing(&proxy, HELD_TRANSACTIONS, Some(&[1, 0]), 2, |i| {
        let (api, path, globex, tag, etag) =
            (api.clone(), path.clone(), globex.clone(), tag.clone(), etag.clone());
        async move {
            match i {
                0 => {
                    let headers = [("if-match", etag.as_str()), ("content-type", "application/json")];
                    let body = json!({ "client_id": globex }).to_string();
                    api.send(&admin(), "POST", &format!("{path}/move"), &headers, Some(body)).await
                }
                _ => api.send(&admin(), "PUT", &format!("{path}/tags/{tag}"), &[], None).await,
            }
        }
    })
    .await;

    // Then the move plans again and lands, carrying the tag
    assert_eq!(run.responses[1].status, 204, "{}", run.responses[1].body);
    assert_eq!(run.responses[0].status, 200, "{}", run.responses[0].body);
    assert_eq!(api.get(&admin(), &contact_path(&globex, &ada)).await.json()["tag_ids"], json!([tag]));
    assert_invariants(&api).await;
}
