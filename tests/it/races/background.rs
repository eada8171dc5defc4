//! Races of the work that runs beside the API: two sweeps at once, a file import against API
//! adds of the same addresses, SES's bounce against an edit.

use serde_json::json;
use shared::domain::dates::Clock;
use shared::sweep::sweep;

use super::{given_client_with, race, racing_api, repeats, Gate, TRANSACTIONS};
use crate::support::{
    assert_invariants, contact_path, given_client, given_contact, given_invited_with, later, ses_event,
    unique_email, SentEmail,
};
use shared::feedback::{record, Recorded};
use testkit::mail::messages_to;
use testkit::{TestApi, TestResponse};

const ENDED: &str = "Your client portal access has ended";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_sweeps_at_once_act_on_each_contact_once() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    for _ in 0..repeats() {
        // Given two invited contacts whose support ended yesterday
        let acme = given_client(&api, &admin, "Acme").await;
        let end = api.clock.now().date().to_string();
        let mut emails = Vec::new();
        for i in 0..2 {
            let email = unique_email(&format!("sweep{i}"));
            let body = json!({ "last_name": "L", "email": email, "portal": { "support_end": end } });
            let c = given_contact(&api, &admin, &acme, body).await;
            let invited = api.post(&admin, &format!("{}/invite", contact_path(&acme, &c)), json!({})).await;
            assert_eq!(invited.status, 202, "{}", invited.body);
            emails.push(email);
        }
        api.clock.advance(time::Duration::days(2));

        // When two sweeps claim both contacts at the same moment (each claims its due contacts
        // side by side, so the gate holds all four claims)
        proxy.take_calls();
        proxy.hold_until_all_arrive(&["UpdateItem"], 4);
        let (a, b) = (api.clone(), api.clone());
        let first = tokio::spawn(async move { sweep(&a.app, None).await.unwrap() });
        let second = tokio::spawn(async move { sweep(&b.app, None).await.unwrap() });
        let (first, second) = (first.await.unwrap(), second.await.unwrap());

        // Then one claim wins, and each contact is revoked and told once
        assert!(proxy.gate_report().released_together(4), "{:?}", proxy.gate_report());
        let refused = proxy
            .take_calls()
            .iter()
            .filter(|c| {
                c.operation == "UpdateItem" && c.error.as_deref() == Some("ConditionalCheckFailedException")
            })
            .count();
        assert_eq!(refused, 2, "each contact's losing claim was refused by its condition");
        assert_eq!(first.revoked + second.revoked, 2, "{first:?} {second:?}");
        for email in &emails {
            let mail = messages_to(email).await;
            assert_eq!(mail.iter().filter(|m| m["subject"] == ENDED).count(), 1, "{email}");
        }
    }
    assert_invariants(&api).await;
}

async fn import(api: &TestApi, client: &str, csv: String) -> TestResponse {
    let path = format!("/clients/{client}/contacts/import");
    api.send(&TestApi::admin("t1"), "POST", &path, &[("content-type", "text/csv")], Some(csv)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_file_racing_api_adds_of_the_same_emails_yields_one_contact_per_address() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    for round in 0..repeats() {
        // Given a client with a contact, a file of 10 addresses, and API adds of the same ones
        let (acme, _) = given_client_with(&api, &[format!("p{round}@x.test")]).await;
        let address = |i: usize| format!("race{round}-{i}@x.test");
        let csv: String = (0..10).map(|i| format!("R{i},{}\n", address(i))).collect();

        // When the file's first batch and the first API add write at the same moment
        let run = race(&proxy, Gate { size: Some(2), ..TRANSACTIONS }, 2, |side| {
            let (api, admin, acme, csv) = (api.clone(), admin.clone(), acme.clone(), csv.clone());
            async move {
                if side == 0 {
                    return import(&api, &acme, format!("last_name,email\n{csv}")).await;
                }
                let mut last = None;
                for i in (0..10).rev() {
                    let body = json!({ "last_name": "Api", "email": format!("race{round}-{i}@x.test") });
                    last = Some(api.post(&admin, &format!("/clients/{acme}/contacts"), body).await);
                }
                last.expect("ten adds")
            }
        })
        .await;

        // Then every address belongs to exactly one contact, created by one side
        run.assert_overlapped(2);
        assert_eq!(run.responses[0].status, 200, "{}", run.responses[0].body);
        let list = api.get(&admin, &format!("/clients/{acme}/contacts?limit=100")).await.json();
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 11, "one contact per address: {list}");
        for i in 0..10 {
            assert_eq!(items.iter().filter(|c| c["email"] == address(i).as_str()).count(), 1);
        }
    }
    assert_invariants(&api).await;
}

const ENDS_SOON: &str = "Your client portal access ends soon";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_edit_racing_the_sweeps_reminder_never_brings_the_reminder_back() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    for _ in 0..repeats() {
        // Given an invited contact whose reminder is due (support ends in 10 days)
        let acme = given_client(&api, &admin, "Acme").await;
        let email = unique_email("remind-race");
        let end = (api.clock.now().date() + time::Duration::days(10)).to_string();
        let contact = given_invited_with(&api, &acme, &email, json!({ "support_end": end })).await;
        let path = contact_path(&acme, &contact);

        // When an edit of the contact and the sweep's claim of the reminder write at once, both
        // planned from the contact as it was before the reminder
        proxy.take_calls();
        proxy.hold_until_all_arrive(&["UpdateItem"], 2);
        let (a, b) = (api.clone(), api.clone());
        let run = tokio::spawn(async move { sweep(&a.app, None).await.unwrap() });
        let edit = tokio::spawn(async move {
            b.patch(&TestApi::admin("t1"), &contact_path(&acme, &contact), json!({ "job_title": "CFO" }))
                .await
        });
        let (report, edited) = (run.await.unwrap(), edit.await.unwrap());

        // Then both land, the index holds the revocation as the next action (the invariant
        // check), and a later run sends no second reminder
        assert!(proxy.gate_report().released_together(2), "{:?}", proxy.gate_report());
        assert_eq!(edited.status, 200, "{}", edited.body);
        assert_eq!(report.reminded, 1, "{report:?}");
        assert_invariants(&api).await;
        sweep(&api.app, None).await.unwrap();
        let reminders = messages_to(&email).await.iter().filter(|m| m["subject"] == ENDS_SOON).count();
        assert_eq!(reminders, 1, "{email}");
        assert_eq!(api.get(&admin, &path).await.json()["job_title"], "CFO");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_edit_racing_a_bounces_status_update_keeps_both() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    for _ in 0..repeats() {
        // Given a contact and SES's permanent bounce of an email to it
        let acme = given_client(&api, &admin, "Acme").await;
        let body = json!({ "last_name": "L", "email": unique_email("bounce-race") });
        let contact = given_contact(&api, &admin, &acme, body).await;
        let sent = SentEmail {
            tenant: "t1".into(),
            client: acme.clone(),
            contact: contact["id"].as_str().unwrap().to_owned(),
            address: contact["email"].as_str().unwrap().to_owned(),
            message_id: "race-message".into(),
        };
        let event = ses_event("record-email-event", &sent, &later(&api, 1));
        let path = contact_path(&acme, &contact);

        // When the bounce's status update and an edit of the contact write at once, both
        // planned from the contact as it was
        proxy.take_calls();
        proxy.hold_until_all_arrive(&["UpdateItem"], 2);
        let (a, b, edit_path) = (api.clone(), api.clone(), path.clone());
        let bounce = tokio::spawn(async move { record(&a.app.feedback(), event).await.unwrap() });
        let edit = tokio::spawn(async move {
            b.patch(&TestApi::admin("t1"), &edit_path, json!({ "job_title": "CFO" })).await
        });
        let (recorded, edited) = (bounce.await.unwrap(), edit.await.unwrap());

        // Then the loser planned again from the winner's write: both changes are there
        assert!(proxy.gate_report().released_together(2), "{:?}", proxy.gate_report());
        assert_eq!(edited.status, 200, "{}", edited.body);
        assert!(matches!(recorded, Recorded::Recorded { status: Some("bouncing"), .. }), "{recorded:?}");
        let now = api.get(&admin, &path).await.json();
        assert_eq!(
            (now["job_title"].as_str(), now["email_status"].as_str()),
            (Some("CFO"), Some("bouncing"))
        );
        assert_eq!(now["version"], contact["version"].as_u64().unwrap() + 2);
    }
}
