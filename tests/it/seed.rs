//! `seed-demo`: demo data through the domain rules and the store, with the fixed ids the
//! sample events use, and nothing added twice.

use shared::domain::TenantId;
use testkit::seed::{seed_demo, SeedReport, DEMO_CLIENT, DEMO_CONTACT, DEMO_INVITATION_TOKEN};
use testkit::TestApi;

use crate::support::assert_invariants;

#[tokio::test]
async fn seeding_twice_adds_the_demo_data_once() {
    let api = TestApi::new().await;
    let demo = TenantId::parse("demo").unwrap();

    let first = seed_demo(&api.app, &demo).await.unwrap();
    let second = seed_demo(&api.app, &demo).await.unwrap();

    assert_eq!((first.clients_created, first.contacts_created, first.contacts_skipped), (3, 6, 0));
    assert_eq!(first.invitations_created, 1, "the demo contact is invited with the demo token");
    assert_eq!(first.notes_created, 2, "and has two notes");
    assert_eq!(first.tags_created, 1, "the demo tag is made with it");
    assert_eq!(second, SeedReport::default());
    let reader = TestApi::reader("demo");
    let clients = api.get(&reader, "/clients").await.json();
    assert_eq!(clients["items"].as_array().unwrap().len(), 3);
    let acme = api.get(&reader, &format!("/clients/{DEMO_CLIENT}")).await.json();
    assert_eq!(
        (acme["name"].as_str(), acme["primary_contact_id"].as_str()),
        (Some("Acme Ltd"), Some(DEMO_CONTACT))
    );
    let recipients = api.get(&reader, &format!("/clients/{DEMO_CLIENT}/contacts?topic=invoice")).await.json();
    let names: Vec<&str> =
        recipients["items"].as_array().unwrap().iter().map(|c| c["last_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Lovelace", "Hopper"]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn the_sample_invitation_event_can_invite_the_seeded_contact() {
    let api = TestApi::new().await;
    seed_demo(&api.app, &TenantId::parse("demo").unwrap()).await.unwrap();

    let res = api
        .post(
            &TestApi::admin("demo"),
            &format!("/clients/{DEMO_CLIENT}/contacts/{DEMO_CONTACT}/invite"),
            serde_json::json!({}),
        )
        .await;

    assert_eq!(res.status, 202, "{}", res.body);
}

#[tokio::test]
async fn the_seeded_invitation_is_accepted_with_the_demo_token_once() {
    let api = TestApi::new().await;
    seed_demo(&api.app, &TenantId::parse("demo").unwrap()).await.unwrap();
    let accept =
        serde_json::json!({ "token": DEMO_INVITATION_TOKEN, "password": "a long and private passphrase" });

    let first = api.post(&testkit::Caller::Anonymous, "/invites/accept", accept.clone()).await;
    let again = api.post(&testkit::Caller::Anonymous, "/invites/accept", accept).await;

    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(again.status, 410, "{}", again.body);
    assert_invariants(&api).await;
}
