//! Races on project links: `project_count` stays exact, the bound holds, one project is linked
//! once, and no link outlives its contact.

use serde_json::json;
use testkit::TestApi;

use super::{
    delete_vs_change, given_client_with, landing, race, race_landing, racing_api, repeats, Outcomes,
    CHANGED_THEN_DELETED, DELETED_FIRST, DELETE_VS_CHANGE, HELD_TRANSACTIONS, TRANSACTIONS,
};
use crate::projects::link;
use crate::support::assert_invariants;

fn link_items_of(items: &[testkit::invariants::Item], contact_path: &str) -> usize {
    let id = contact_path.rsplit('/').next().unwrap();
    items
        .iter()
        .filter(|i| i["SK"].as_s().is_ok_and(|sk| sk.starts_with("PROJECT#") && sk.ends_with(id)))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_links_of_new_projects_stop_exactly_at_thirty() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    for round in 0..repeats() {
        // Given a contact linked to 28 projects
        let (_, paths) = given_client_with(&api, &[format!("p{round}@x.test")]).await;
        let path = paths[0].clone();
        for i in 0..28 {
            assert_eq!(link(&api, &admin, &path, &format!("P{i}")).await.status, 200);
        }

        // When four new projects are linked at the same moment
        let run = race(&proxy, TRANSACTIONS, 4, |i| {
            let (api, admin, path) = (api.clone(), admin.clone(), path.clone());
            async move { link(&api, &admin, &path, &format!("new-{i}")).await }
        })
        .await;

        // Then two fit, the contact's condition refuses the other two, and 30 are counted
        run.assert_overlapped(4);
        let statuses = run.statuses();
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 2, "{statuses:?}");
        assert!(run
            .responses
            .iter()
            .filter(|r| r.status != 200)
            .all(|r| r.problem_code() == "too-many-projects"));
        assert_eq!((run.committed(), run.failed_conditions()), (2, 2), "{:?}", run.calls);
        assert_eq!(api.get(&admin, &path).await.json()["project_count"], 30);
    }
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_links_of_one_project_make_one_link_and_answer_it_alike() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    for round in 0..repeats() {
        // Given a contact without projects
        let (_, paths) = given_client_with(&api, &[format!("p{round}@x.test")]).await;
        let path = paths[0].clone();

        // When six links of one project write at the same moment
        let run = race(&proxy, TRANSACTIONS, 6, |_| {
            let (api, admin, path) = (api.clone(), admin.clone(), path.clone());
            async move { link(&api, &admin, &path, "P-1").await }
        })
        .await;

        // Then one link is made, the link item's condition answers the others with it
        run.assert_overlapped(6);
        assert!(run.statuses().iter().all(|s| *s == 200), "{:?}", run.statuses());
        let first = run.responses[0].json();
        assert!(run.responses.iter().all(|r| r.json() == first), "{:?}", run.statuses());
        assert_eq!((run.committed(), run.failed_conditions()), (1, 5), "{:?}", run.calls);
        assert_eq!(api.get(&admin, &path).await.json()["project_count"], 1);
    }
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn links_and_unlinks_at_once_keep_the_count_exact() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    for round in 0..repeats() {
        // Given a contact linked to P0..P3
        let (_, paths) = given_client_with(&api, &[format!("p{round}@x.test")]).await;
        let path = paths[0].clone();
        for i in 0..4 {
            link(&api, &admin, &path, &format!("P{i}")).await;
        }

        // When P0..P3 are unlinked as Q0..Q3 are linked, all at once
        let run = race(&proxy, TRANSACTIONS, 8, |i| {
            let (api, admin, path) = (api.clone(), admin.clone(), path.clone());
            async move {
                match i % 2 {
                    0 => api.delete(&admin, &format!("{path}/projects/P{}", i / 2)).await,
                    _ => link(&api, &admin, &path, &format!("Q{}", i / 2)).await,
                }
            }
        })
        .await;

        // Then every one landed, and the contact counts exactly Q0..Q3
        run.assert_overlapped(8);
        assert!(run.statuses().iter().all(|s| [200, 204].contains(s)), "{:?}", run.statuses());
        let listed = api.get(&admin, &format!("{path}/projects")).await.json();
        let ids: Vec<&str> =
            listed["items"].as_array().unwrap().iter().map(|l| l["project_id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["Q0", "Q1", "Q2", "Q3"]);
        assert_eq!(api.get(&admin, &path).await.json()["project_count"], 4);
    }
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_link_racing_its_contacts_deletion_never_outlives_it() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    let mut outcomes = Outcomes::of("delete vs link", &[CHANGED_THEN_DELETED, DELETED_FIRST]);
    for round in 0..repeats() {
        // Given a contact (not the primary) linked to one project
        let (acme, paths) =
            given_client_with(&api, &[format!("p{round}@x.test"), format!("n{round}@x.test")]).await;
        let path = paths[1].clone();
        link(&api, &admin, &path, "P-old").await;

        // When it is deleted as it is linked to another project, both planned on the same
        // contact, the delete's write landing first, last, or as it happens
        let order = landing(round, &[&[0, 1], &[1, 0]]);
        let run = race_landing(&proxy, HELD_TRANSACTIONS, order, 2, |i| {
            let (api, admin, path) = (api.clone(), admin.clone(), path.clone());
            async move {
                match i {
                    0 => api.delete(&admin, &path).await,
                    _ => link(&api, &admin, &path, "P-new").await,
                }
            }
        })
        .await;

        // Then the deletion wins whole: a link that landed first went with it (the delete's
        // `project_count` condition refused its plan, and it planned again)
        outcomes.saw_in(delete_vs_change(&run), order, &DELETE_VS_CHANGE);
        assert_eq!(link_items_of(&api.scan().await, &path), 0);
        let contacts = api.get(&admin, &format!("/clients/{acme}/projects/P-new/contacts")).await.json();
        assert_eq!(contacts["items"], json!([]));
    }
    outcomes.assert_each_occurred();
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_link_racing_a_conditional_delete_does_not_make_its_etag_stale() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    let mut outcomes = Outcomes::of("conditional delete vs link", &[CHANGED_THEN_DELETED, DELETED_FIRST]);
    for round in 0..repeats() {
        // Given a contact (not the primary) and its ETag
        let (_, paths) =
            given_client_with(&api, &[format!("p{round}@x.test"), format!("n{round}@x.test")]).await;
        let path = paths[1].clone();
        let etag = api.get(&admin, &path).await.header("etag").unwrap().to_owned();

        // When it is deleted with that ETag as it is linked to a project, the delete's write
        // landing first, last, or as it happens
        let order = landing(round, &[&[0, 1], &[1, 0]]);
        let run = race_landing(&proxy, HELD_TRANSACTIONS, order, 2, |i| {
            let (api, admin, path, etag) = (api.clone(), admin.clone(), path.clone(), etag.clone());
            async move {
                match i {
                    0 => api.send(&admin, "DELETE", &path, &[("if-match", &etag)], None).await,
                    _ => link(&api, &admin, &path, "P-new").await,
                }
            }
        })
        .await;

        // Then the delete succeeds either way: a link moves no version, so the ETag held
        outcomes.saw_in(delete_vs_change(&run), order, &DELETE_VS_CHANGE);
        assert_eq!(link_items_of(&api.scan().await, &path), 0);
    }
    outcomes.assert_each_occurred();
    assert_invariants(&api).await;
}
