//! The invariant checker's rules about what ties a contact to other items: its email marker,
//! its client's primary, its invitation (see `invariants` for how the table is broken).

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use testkit::invariants::Rule;
use testkit::TestApi;

use crate::invariants::{admin, broken_rules, contact_key, delete_raw, put_raw, s, update_raw};
use crate::invites::{accept, given_invited};
use crate::support::{given_client, given_contact, unique_email};

#[tokio::test]
async fn an_invitation_not_keyed_by_a_token_hash_is_a_violation() {
    let api = TestApi::new().await;
    put_raw(
        &api,
        &[
            ("PK", s("INVITE#the-token-itself")),
            ("SK", s("INVITE")),
            ("entity", s("invite")),
            ("tenant_id", s("t1")),
            ("client_id", s("01J00000000000000000000000")),
            ("contact_id", s("01J00000000000000000000001")),
            ("valid_until", AttributeValue::N("1800000000".into())),
            ("expires_at", AttributeValue::N((1_800_000_000 + 7 * 24 * 3600).to_string())),
        ],
    )
    .await;

    assert_eq!(broken_rules(api).await, [Rule::Invitation]);
}

#[tokio::test]
async fn an_invitation_naming_another_client_than_its_contacts_is_a_violation() {
    // Given Ada invited through the service, and a copy of her invitation under another hash
    // that names another client
    let api = TestApi::new().await;
    given_invited(&api, &unique_email("ada")).await;
    let items = api.scan().await;
    let invite =
        items.iter().find(|i| i["PK"].as_s().is_ok_and(|pk| pk.starts_with("INVITE#"))).expect("invitation");
    let mut copy = invite.clone();
    copy.insert("PK".into(), s(&format!("INVITE#{}", "0".repeat(64))));
    copy.insert("client_id".into(), s("01J00000000000000000000000"));
    let copy: Vec<(&str, AttributeValue)> = copy.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    put_raw(&api, &copy).await;

    // Then the copy names a client its contact is not under
    assert_eq!(broken_rules(api).await, [Rule::Invitation]);
}

#[tokio::test]
async fn an_accepted_invitation_whose_contact_was_never_activated_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, ada, token) = given_invited(&api, &unique_email("ada")).await;
    assert_eq!(accept(&api, &token, "correct horse battery staple").await.status, 200);
    let (pk, sk) = contact_key(&acme, &ada);
    update_raw(&api, (&pk, &sk), "REMOVE activated_at", &[]).await;

    assert_eq!(broken_rules(api).await, [Rule::Invitation]);
}

/// A contact with `email` (through the service), whose marker is then replaced by one keyed
/// `marker_key` that is right in every attribute: only its key is wrong.
async fn given_contact_with_marker_at(api: &TestApi, email: &str, marker_key: &str) {
    let acme = given_client(api, &admin(), "Acme").await;
    let ada = given_contact(api, &admin(), &acme, json!({ "last_name": "Ada", "email": email })).await;
    delete_raw(api, (&format!("TENANT#t1#EMAIL#{email}"), "EMAIL")).await;
    let marker = [
        ("PK", s(&format!("TENANT#t1#EMAIL#{marker_key}"))),
        ("SK", s("EMAIL")),
        ("entity", s("email")),
        ("contact_id", ada["id"].clone().as_str().map(s).expect("id")),
        ("client_id", s(&acme)),
        ("email", s(email)),
    ];
    put_raw(api, &marker).await;
}

#[tokio::test]
async fn a_marker_keyed_by_an_address_not_trimmed_and_lower_cased_is_a_violation() {
    for careless in ["Ada@X.test", " ada@x.test "] {
        let api = TestApi::new().await;
        given_contact_with_marker_at(&api, "ada@x.test", careless).await;

        assert_eq!(broken_rules(api).await, [Rule::MarkerKey, Rule::MissingMarker], "{careless:?}");
    }
}

#[tokio::test]
async fn a_stray_marker_cannot_stand_in_for_a_missing_one() {
    let api = TestApi::new().await;
    given_contact_with_marker_at(&api, "ada@x.test", "zed@x.test").await;

    assert_eq!(broken_rules(api).await, [Rule::MarkerKey, Rule::MissingMarker]);
}

#[tokio::test]
async fn a_marker_that_names_no_client_is_a_violation() {
    // Given a contact whose marker then loses its client_id (every claim the service writes
    // names the contact's client: `store::email_claims`)
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    given_contact(&api, &admin(), &acme, json!({ "last_name": "Ada", "email": "ada@x.test" })).await;
    update_raw(&api, ("TENANT#t1#EMAIL#ada@x.test", "EMAIL"), "REMOVE client_id", &[]).await;

    // Then the check names the marker's owner
    assert_eq!(broken_rules(api).await, [Rule::MarkerOwner]);
}

#[tokio::test]
async fn two_contacts_whose_addresses_differ_only_in_case_are_a_violation() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    given_contact(&api, &admin(), &acme, json!({ "last_name": "Ada", "email": "ada@x.test" })).await;
    let bob =
        given_contact(&api, &admin(), &acme, json!({ "last_name": "Bob", "email": "bob@x.test" })).await;
    let (pk, sk) = contact_key(&acme, &bob);
    update_raw(&api, (&pk, &sk), "SET email = :ada", &[(":ada", s("ADA@x.test"))]).await;
    delete_raw(&api, ("TENANT#t1#EMAIL#bob@x.test", "EMAIL")).await;

    // The raw change also leaves Bob's search items behind (one stray, one missing).
    let rules = [Rule::MissingMarker, Rule::DuplicateEmail, Rule::IndexItems, Rule::IndexItems];
    assert_eq!(broken_rules(api).await, rules);
}

#[tokio::test]
async fn a_client_without_contacts_that_names_a_primary_is_a_violation() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &admin(), "Acme").await;
    let values = [(":p", s("01J00000000000000000000000"))];
    update_raw(&api, ("TENANT#t1", &format!("CLIENT#{acme}")), "SET primary_contact_id = :p", &values).await;

    assert_eq!(broken_rules(api).await, [Rule::Primary]);
}

/// A client with a primary contact (Ada) and another (Bob), through the service.
async fn given_two_contacts(api: &TestApi) -> (String, serde_json::Value) {
    let acme = given_client(api, &admin(), "Acme").await;
    given_contact(api, &admin(), &acme, json!({ "last_name": "Ada", "email": "ada@x.test" })).await;
    let bob = given_contact(api, &admin(), &acme, json!({ "last_name": "Bob", "email": "bob@x.test" })).await;
    (acme, bob)
}

#[tokio::test]
async fn a_second_contact_flagged_primary_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, bob) = given_two_contacts(&api).await;
    let (pk, sk) = contact_key(&acme, &bob);
    update_raw(&api, (&pk, &sk), "SET is_primary = :yes", &[(":yes", AttributeValue::Bool(true))]).await;

    assert_eq!(broken_rules(api).await, [Rule::Primary]);
}

#[tokio::test]
async fn a_client_naming_another_contact_than_the_flagged_primary_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, bob) = given_two_contacts(&api).await;
    let values = [(":p", bob["id"].as_str().map(s).expect("id"))];
    update_raw(&api, ("TENANT#t1", &format!("CLIENT#{acme}")), "SET primary_contact_id = :p", &values).await;

    assert_eq!(broken_rules(api).await, [Rule::Primary]);
}

#[tokio::test]
async fn an_invited_contact_that_holds_no_invitation_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, ada, _) = given_invited(&api, &unique_email("ada")).await;
    let (pk, sk) = contact_key(&acme, &ada);
    update_raw(&api, (&pk, &sk), "REMOVE invite_hash", &[]).await;

    assert_eq!(broken_rules(api).await, [Rule::PendingInvitation]);
}

#[tokio::test]
async fn an_invitation_holding_an_address_is_a_violation() {
    // The address is the contact's alone: a copy would outlive the contact's deletion.
    let api = TestApi::new().await;
    let (_, ada, _) = given_invited(&api, &unique_email("ada")).await;
    let invitation = api
        .scan()
        .await
        .into_iter()
        .find(|i| {
            i.get("contact_id") == Some(&s(ada["id"].as_str().unwrap()))
                && i.get("entity") == Some(&s("invite"))
        })
        .expect("the invitation");
    let pk = invitation["PK"].as_s().expect("PK").clone();
    update_raw(&api, (&pk, "INVITE"), "SET email = :copy", &[(":copy", s("ada@x.test"))]).await;

    assert_eq!(broken_rules(api).await, [Rule::Invitation]);
}
