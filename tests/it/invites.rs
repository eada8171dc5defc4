//! Portal invitations through the SES emulator: the email, the link, single use, expiry,
//! resend, invalidation, and the race between two accepts (`invites_conditions`: when an
//! invitation can be sent and accepted).

use serde_json::{json, Value};
use testkit::mail::{invite_token, messages_to};
use testkit::TestApi;

use crate::portal_users::sign_in;
use crate::races::{landing, race_landing, racing_api, repeats, Held, Outcomes};
use crate::support::{assert_invariants, contact_path, given_client, given_contact, unique_email};

pub(crate) async fn given_invited(api: &TestApi, email: &str) -> (String, Value, String) {
    let admin = TestApi::admin("t1");
    let acme = given_client(api, &admin, "Acme & Sons").await;
    let c = given_contact(
        api,
        &admin,
        &acme,
        json!({ "first_name": "Ada", "last_name": "Lovelace", "email": email }),
    )
    .await;
    let res = api.post(&admin, &format!("{}/invite", contact_path(&acme, &c)), json!({})).await;
    assert_eq!(res.status, 202, "{}", res.body);
    let mail = messages_to(email).await;
    let token =
        invite_token(mail.last().expect("an invitation")["body"]["text"].as_str().unwrap()).expect("a link");
    (acme, c, token)
}

pub(crate) async fn accept(api: &TestApi, token: &str, password: &str) -> testkit::TestResponse {
    api.post(&testkit::Caller::Anonymous, "/invites/accept", json!({ "token": token, "password": password }))
        .await
}

#[tokio::test]
async fn an_invitation_email_carries_a_working_link_in_both_parts() {
    let api = TestApi::new().await;
    let email = unique_email("ada");

    let (acme, c, token) = given_invited(&api, &email).await;

    let mail = messages_to(&email).await;
    assert_eq!(mail.len(), 1);
    let m = &mail[0];
    assert_eq!(m["from"], "no-reply@acme-services.test");
    assert_eq!(m["subject"], "Your client portal invitation from Acme Services");
    let (text, html) = (m["body"]["text"].as_str().unwrap(), m["body"]["html"].as_str().unwrap());
    // The tenant in the query (the portal signs in with it), the token in the fragment.
    let link = format!("https://portal.test/accept-invite?tenant=t1#token={token}");
    assert!(!text.contains("?token=") && !html.contains("?token="), "never in the query string: {text}");
    assert!(text.contains(&link) && text.contains("Ada Lovelace") && text.contains("Acme & Sons"), "{text}");
    assert!(html.contains(&link) && html.contains("Acme &amp; Sons"), "HTML escapes names: {html}");
    assert!(token.len() >= 22, "at least 128 bits");
    let after = api.get(&TestApi::admin("t1"), &contact_path(&acme, &c)).await.json();
    assert_eq!(after["portal"]["status"], "invited");
    assert!(after["portal"]["invited_at"].is_string());
}

#[tokio::test]
async fn without_a_portal_url_links_lead_to_the_pages_on_the_domain_the_api_was_called_on() {
    // Given a deployment that names no portal of its own (template.yaml's PortalUrl left empty)
    let api = TestApi::new().await.with_portal_url("");
    let admin = TestApi::admin("t1");
    let email = unique_email("grace");
    let acme = given_client(&api, &admin, "Acme & Sons").await;
    let c = given_contact(
        &api,
        &admin,
        &acme,
        json!({ "first_name": "Grace", "last_name": "Hopper", "email": email }),
    )
    .await;

    // When an administrator invites the contact through the API's domain
    let host = ("host", "abc123.execute-api.eu-west-1.amazonaws.com");
    let path = format!("{}/invite", contact_path(&acme, &c));
    let res = api.send(&admin, "POST", &path, &[host], None).await;

    // Then the link leads to the portal pages the stack serves there, naming the tenant
    assert_eq!(res.status, 202, "{}", res.body);
    let text = messages_to(&email).await[0]["body"]["text"].as_str().unwrap().to_owned();
    let page = "https://abc123.execute-api.eu-west-1.amazonaws.com/portal/accept-invite?tenant=t1#token=";
    assert!(text.contains(page), "{text}");
}

#[tokio::test]
async fn only_the_tokens_hash_is_stored() {
    let api = TestApi::new().await;
    let (_, _, token) = given_invited(&api, &unique_email("hash")).await;

    let items = format!("{:?}", api.scan().await);

    assert!(!items.contains(&token), "the raw token is nowhere in the table");
}

#[tokio::test]
async fn accepting_activates_the_contact_once() {
    let api = TestApi::new().await;
    let (acme, c, token) = given_invited(&api, &unique_email("once")).await;

    let first = accept(&api, &token, "correct horse battery staple").await;
    let second = accept(&api, &token, "correct horse battery staple").await;

    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(second.status, 410);
    assert_eq!(second.problem_code(), "gone");
    let after = api.get(&TestApi::admin("t1"), &contact_path(&acme, &c)).await.json();
    assert_eq!(after["portal"]["status"], "active");
    assert!(after["portal"]["activated_at"].is_string());
    let body = api.get(&TestApi::admin("t1"), &contact_path(&acme, &c)).await.body;
    assert!(!body.contains("password"), "no endpoint returns the password");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn an_unknown_token_is_404_and_a_weak_password_422() {
    let api = TestApi::new().await;
    let email = unique_email("weak");
    let (_, _, token) = given_invited(&api, &email).await;

    assert_eq!(accept(&api, "no-such-token", "correct horse battery staple").await.status, 404);
    let short = accept(&api, &token, "short").await;
    let same_as_email = accept(&api, &token, &email.to_uppercase()).await;

    assert_eq!(short.status, 422);
    assert_eq!(short.json()["errors"][0]["field"], "password");
    assert_eq!(same_as_email.status, 422);
    assert_eq!(accept(&api, &token, "correct horse battery staple").await.status, 200, "still usable");
}

#[tokio::test]
async fn a_password_outside_the_pools_policy_is_422_whatever_the_token() {
    // Given a token already used, and one that never existed
    let api = TestApi::new().await;
    let (_, _, token) = given_invited(&api, &unique_email("policy")).await;
    assert_eq!(accept(&api, &token, "correct horse battery staple").await.status, 200);

    // When each is posted with a password the pool's policy refuses
    for (token, password) in [(token.as_str(), "x".repeat(257)), ("no-such-token", "short".into())] {
        let res = accept(&api, token, &password).await;

        // Then the request itself is refused (422 naming the password), before any token is looked up
        assert_eq!(res.status, 422, "{token}: {}", res.body);
        assert_eq!(res.json()["errors"][0]["field"], "password");
    }
}

#[tokio::test]
async fn an_invitation_expires_after_its_lifetime() {
    let api = TestApi::new().await;
    let (_, _, token) = given_invited(&api, &unique_email("late")).await;
    let lifetime = i64::from(api.app.email.invite_ttl_hours);

    api.clock.advance(time::Duration::hours(lifetime) + time::Duration::seconds(1));
    let res = accept(&api, &token, "correct horse battery staple").await;

    assert_eq!(res.status, 410);
}

#[tokio::test]
async fn a_configured_lifetime_is_honoured_to_the_second() {
    // Given invitations made with a one-hour lifetime (INVITE_TTL_HOURS=1), not the default
    let mut api = TestApi::new().await;
    api.app.email.invite_ttl_hours = 1;
    let (_, _, on_time) = given_invited(&api, &unique_email("ontime")).await;
    let (_, _, late) = given_invited(&api, &unique_email("late1h")).await;

    // When one is accepted a second before the hour is up and the other a second after it
    api.clock.advance(time::Duration::hours(1) - time::Duration::seconds(1));
    let first = accept(&api, &on_time, "correct horse battery staple").await;
    api.clock.advance(time::Duration::seconds(2));
    let second = accept(&api, &late, "correct horse battery staple").await;

    // Then the first works and the second is gone
    assert_eq!((first.status, second.status), (200, 410), "{} {}", first.body, second.body);
}

#[tokio::test]
async fn a_new_invitation_invalidates_the_previous_token() {
    let api = TestApi::new().await;
    let email = unique_email("resend");
    let (acme, c, old_token) = given_invited(&api, &email).await;

    let res =
        api.post(&TestApi::admin("t1"), &format!("{}/invite", contact_path(&acme, &c)), json!({})).await;
    assert_eq!(res.status, 202);
    let mail = messages_to(&email).await;
    assert_eq!(mail.len(), 2);
    let new_token = invite_token(
        mail.iter().map(|m| m["body"]["text"].as_str().unwrap()).find(|t| !t.contains(&old_token)).unwrap(),
    )
    .unwrap();

    assert_eq!(accept(&api, &old_token, "correct horse battery staple").await.status, 410);
    assert_eq!(accept(&api, &new_token, "correct horse battery staple").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_two_concurrent_accepts_exactly_one_wins_and_its_password_is_the_one_that_works() {
    let (api, proxy) = racing_api().await;
    let passwords = ["correct horse battery staple", "another long pass phrase"];
    let mut outcomes = Outcomes::of("two accepts", &[FIRST_WON, SECOND_WON]);
    for round in 0..repeats() {
        // Given an invited contact
        let email = unique_email("race");
        let (_, _, token) = given_invited(&api, &email).await;

        // When its invitation is accepted twice with different passwords, both having read the
        // unused invitation before either writes, the first accept's write let go first, last,
        // or both at once
        let order = landing(round, &[&[0, 1], &[1, 0]]);
        let run = race_landing(&proxy, FIRST_WRITES, order, 2, |i| {
            let (api, token) = (api.clone(), token.clone());
            async move { accept(&api, &token, passwords[i]).await }
        })
        .await;

        // Then exactly one wins, the other finds the invitation used (or, let go at once, may
        // still find the winner at work and be told to try again), and the password that signs
        // in is the winner's, never the loser's
        run.assert_overlapped(2);
        let bodies: Vec<&String> = run.responses.iter().map(|r| &r.body).collect();
        let (winner, outcome) = match run.statuses()[..] {
            [200, _] => (0, FIRST_WON),
            [_, 200] => (1, SECOND_WON),
            _ => panic!("no accept won: {bodies:?}"),
        };
        let loser = &run.responses[1 - winner];
        match order {
            Some(order) => {
                assert_eq!(winner, order[0], "the write let go first wins");
                assert_eq!((loser.status, loser.problem_code().as_str()), (410, "gone"), "{bodies:?}");
            }
            None => assert!(
                [(410, "gone"), (409, "contention")].contains(&(loser.status, loser.problem_code().as_str())),
                "{bodies:?}"
            ),
        }
        outcomes.saw(outcome);
        assert!(sign_in("t1", &email, passwords[winner]).await.is_some(), "the winner's password signs in");
        assert!(sign_in("t1", &email, passwords[1 - winner]).await.is_none(), "the loser's does not");
    }
    outcomes.assert_each_occurred();
    assert_invariants(&api).await;
}

/// The first write of an accept, whichever it is.
const FIRST_WRITES: Held = Held { operations: &["TransactWriteItems", "UpdateItem"], skip: 0 };
const FIRST_WON: &str = "the first accept won";
const SECOND_WON: &str = "the second accept won";
