//! Each tenant may send a limited number of emails in any 24 hours (`EMAIL_DAILY_QUOTA`), so
//! that no tenant can spend the reputation of the sender all tenants share. Invitations,
//! notifications and the sweep's notices count; access rules never depend on it.

use std::sync::Arc;

use serde_json::{json, Value};
use shared::domain::dates::Clock;
use shared::domain::quota::hour_of;
use shared::sweep::sweep;
use testkit::mail::messages_to;
use testkit::{TestApi, TestResponse};
use time::Duration;

use crate::openapi::{assert_documented, spec};
use crate::races::{race, Gate, Race, TRANSACTIONS};
use crate::support::{
    assert_invariants, contact_path, given_client, given_contact, given_recipients, notify_invoice,
    unique_email,
};

/// Seconds from the test clock's now until the quota used in its current hour frees up.
fn until_this_hour_leaves_the_window(api: &TestApi) -> u64 {
    let now = api.clock.now().unix_timestamp();
    ((hour_of(now) + 24) * 3600 - now) as u64
}

/// A 429 `email-quota-exceeded` as the spec documents it, with its `Retry-After` in seconds.
pub(crate) fn assert_over_quota(res: &TestResponse, route: &str) -> u64 {
    assert_eq!(res.status, 429, "{}", res.body);
    assert_eq!(res.problem_code(), "email-quota-exceeded");
    let routes = local_api::Template::of_repo().routes().unwrap();
    let route = routes.iter().find(|r| r.method == "POST" && r.path == route).expect("a template route");
    assert_documented(&spec(), route, res);
    res.header("retry-after").expect("Retry-After").parse().expect("Retry-After in seconds")
}

async fn invite(api: &TestApi, tenant: &str, client: &str, contact: &Value) -> TestResponse {
    api.post(&TestApi::admin(tenant), &format!("{}/invite", contact_path(client, contact)), json!({})).await
}

/// A contact of `client` (of `tenant`) with an email address of its own.
async fn given_reachable(api: &TestApi, tenant: &str, client: &str) -> (Value, String) {
    let email = unique_email("quota");
    let contact =
        given_contact(api, &TestApi::admin(tenant), client, json!({ "last_name": "Q", "email": email }))
            .await;
    (contact, email)
}

#[tokio::test]
async fn a_notification_to_more_recipients_than_remain_is_refused_whole_until_the_quota_frees() {
    // Given a quota of 3 a day, 2 of them used by a notification
    let api = TestApi::new().await.with_daily_email_quota(3);
    let admin = TestApi::admin("t1");
    let (acme, globex) =
        (given_client(&api, &admin, "Acme").await, given_client(&api, &admin, "Globex").await);
    given_recipients(&api, &acme, &["Ada", "Bob"]).await;
    assert_eq!(notify_invoice(&api, &acme).await.status, 202);
    let emails = given_recipients(&api, &globex, &["Cy", "Dee"]).await;

    // When a notification to 2 more is sent
    let res = notify_invoice(&api, &globex).await;

    // Then it is refused whole, says when to retry, and nobody gets it
    let retry_after = assert_over_quota(&res, "/clients/{clientId}/notifications");
    assert_eq!(retry_after, until_this_hour_leaves_the_window(&api));
    for address in &emails {
        assert!(messages_to(address).await.is_empty(), "{address}");
    }
    // And once that hour has left the window it goes out
    api.clock.advance(Duration::seconds(retry_after as i64));
    let later = notify_invoice(&api, &globex).await;
    assert_eq!(later.status, 202, "{}", later.body);
    assert_eq!(later.json()["sent"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn invitations_count_and_one_over_quota_changes_nothing() {
    // Given a quota of 1 a day, used by an invitation
    let api = TestApi::new().await.with_daily_email_quota(1);
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let (ada, _) = given_reachable(&api, "t1", &acme).await;
    let (bob, bob_email) = given_reachable(&api, "t1", &acme).await;
    assert_eq!(invite(&api, "t1", &acme, &ada).await.status, 202);

    // When another contact is invited
    let res = invite(&api, "t1", &acme, &bob).await;

    // Then it is refused, and the contact is as it was, with no email
    assert_over_quota(&res, "/clients/{clientId}/contacts/{contactId}/invite");
    let bob_now = api.get(&TestApi::admin("t1"), &contact_path(&acme, &bob)).await.json();
    assert_eq!(bob_now["portal"]["status"], "none");
    assert_eq!(bob_now["version"], bob["version"]);
    assert!(messages_to(&bob_email).await.is_empty());
    assert_invariants(&api).await;
}

/// The quota's total, made when it was last read, stays exact until the hour turns, so an
/// email counted in that hour needs one conditional write and no read (docs/table.md).
#[tokio::test]
async fn an_invitation_in_the_hour_the_quota_was_counted_reserves_with_one_write_and_reads_again_next_hour() {
    // Given a tenant whose quota was counted this hour (a first invitation read and wrote it)
    let (api, proxy) = TestApi::behind_proxy().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let (ada, _) = given_reachable(&api, "t1", &acme).await;
    let (bob, _) = given_reachable(&api, "t1", &acme).await;
    let (cyd, _) = given_reachable(&api, "t1", &acme).await;
    assert_eq!(invite(&api, "t1", &acme, &ada).await.status, 202);
    let operations =
        |calls: Vec<testkit::proxy::Call>| calls.into_iter().map(|c| c.operation).collect::<Vec<_>>();
    proxy.take_calls();

    // When another contact is invited in the same hour
    assert_eq!(invite(&api, "t1", &acme, &bob).await.status, 202);

    // Then its email is counted by one update: four round trips, where a read and a write were five
    assert_eq!(
        operations(proxy.take_calls()),
        ["BatchGetItem", "UpdateItem", "TransactWriteItems", "PutItem"]
    );

    // And in the next hour the first count reads the record again (the oldest hour may have left)
    api.clock.advance(Duration::hours(1));
    assert_eq!(invite(&api, "t1", &acme, &cyd).await.status, 202);
    let next_hour = operations(proxy.take_calls());
    assert_eq!(next_hour[1..4], ["UpdateItem", "GetItem", "PutItem"], "{next_hour:?}");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn adding_a_contact_with_invite_over_quota_creates_it_uninvited_and_says_why() {
    let api = TestApi::new().await.with_daily_email_quota(1);
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let (ada, _) = given_reachable(&api, "t1", &acme).await;
    assert_eq!(invite(&api, "t1", &acme, &ada).await.status, 202);
    let email = unique_email("late");

    let res = api
        .post(
            &admin,
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "Late", "email": email, "invite": true }),
        )
        .await;

    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.header("invite-error"), Some("email-quota-exceeded"));
    assert_eq!(res.json()["portal"]["status"], "none");
    assert!(messages_to(&email).await.is_empty());
}

#[tokio::test]
async fn one_tenants_quota_does_not_limit_another() {
    // Given tenant t1 has used its whole quota
    let api = TestApi::new().await.with_daily_email_quota(1);
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let (ada, _) = given_reachable(&api, "t1", &acme).await;
    assert_eq!(invite(&api, "t1", &acme, &ada).await.status, 202);
    let globex = given_client(&api, &TestApi::admin("t2"), "Globex").await;
    let (bob, bob_email) = given_reachable(&api, "t2", &globex).await;

    // When tenant t2 invites a contact
    let res = invite(&api, "t2", &globex, &bob).await;

    // Then its own quota is untouched
    assert_eq!(res.status, 202, "{}", res.body);
    assert_eq!(messages_to(&bob_email).await.len(), 1);
}

#[tokio::test]
async fn recipients_not_sent_do_not_count() {
    // Given a quota of 2 and a notification whose send budget ran out before any send
    let mut api = TestApi::new().await.with_daily_email_quota(2);
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    given_recipients(&api, &acme, &["Ada", "Bob"]).await;
    api.app.notify_budget = std::time::Duration::ZERO;
    let res = notify_invoice(&api, &acme).await;
    assert_eq!(res.json()["not_sent"].as_array().unwrap().len(), 2, "{}", res.body);

    // When it is sent again in time
    api.app.notify_budget = shared::notify::SEND_BUDGET;
    let again = notify_invoice(&api, &acme).await;

    // Then the whole quota was still there for it
    assert_eq!(again.status, 202, "{}", again.body);
    assert_eq!(again.json()["sent"].as_array().unwrap().len(), 2);
}

/// Four clients of 2 invoice recipients each (tenant t1): their ids and the 8 addresses.
async fn given_four_clients_of_two(api: &TestApi) -> (Vec<String>, Vec<String>) {
    let (mut clients, mut emails) = (Vec::new(), Vec::new());
    for name in ["A", "B", "C", "D"] {
        let client = given_client(api, &TestApi::admin("t1"), name).await;
        emails.extend(given_recipients(api, &client, &["X", "Y"]).await);
        clients.push(client);
    }
    (clients, emails)
}

/// Every client notified at once, the gate holding the writes `gate` names until all four came.
async fn notify_all_at_once(
    api: &Arc<TestApi>,
    proxy: &testkit::proxy::DynamoProxy,
    gate: Gate<'_>,
    clients: &[String],
) -> Race {
    race(proxy, gate, 4, |i| {
        let (api, client) = (api.clone(), clients[i].clone());
        async move { notify_invoice(&api, &client).await }
    })
    .await
}

/// Emails the addresses received, all told.
async fn delivered(emails: &[String]) -> usize {
    let mut delivered = 0;
    for address in emails {
        delivered += messages_to(address).await.len();
    }
    delivered
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_notifications_never_together_exceed_the_quota() {
    // Given a quota of 5 and four clients of 2 recipients each
    let (api, proxy) = TestApi::behind_proxy().await;
    let api = Arc::new(api.with_daily_email_quota(5));
    let (clients, emails) = given_four_clients_of_two(&api).await;

    // When all four are notified at once, each counting its 2 emails on the same unused quota
    // (the gate holds the four writes of the tenant's quota record until all have planned one)
    let gate = Gate { operations: &["PutItem"], ..TRANSACTIONS };
    let run = notify_all_at_once(&api, &proxy, gate, &clients).await;

    // Then exactly two fit (4 emails of 5), the others are refused, and no more went out: of
    // the four first writes one landed and the record's version refused three (a write planned
    // again may be refused again)
    run.assert_overlapped(4);
    let mut statuses = run.statuses();
    statuses.sort_unstable();
    let bodies: Vec<&String> = run.responses.iter().map(|r| &r.body).collect();
    assert_eq!(statuses, [202, 202, 429, 429], "{bodies:?}");
    let over: Vec<String> =
        run.responses.iter().filter(|r| r.status == 429).map(|r| r.problem_code()).collect();
    assert_eq!(over, ["email-quota-exceeded"; 2]);
    let refused = run.calls.iter().filter(|c| c.error.as_deref() == Some("ConditionalCheckFailedException"));
    assert!(refused.count() >= 3, "{:?}", run.calls);
    assert_eq!(delivered(&emails).await, 4);
    assert_invariants(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_notifications_counted_by_one_write_each_never_together_exceed_the_quota() {
    // Given a quota of 5, of which a notification counted 1 this hour (the record's total is
    // this hour's), and four clients of 2 recipients each
    let (api, proxy) = TestApi::behind_proxy().await;
    let api = Arc::new(api.with_daily_email_quota(5));
    let first = given_client(&api, &TestApi::admin("t1"), "First").await;
    let first_emails = given_recipients(&api, &first, &["Z"]).await;
    assert_eq!(notify_invoice(&api, &first).await.status, 202);
    let (clients, emails) = given_four_clients_of_two(&api).await;

    // When all four are notified at once, each counting its 2 emails with one conditional
    // update of the record (the gate holds the four updates until all have sent theirs)
    let gate = Gate { operations: &["UpdateItem"], ..TRANSACTIONS };
    let run = notify_all_at_once(&api, &proxy, gate, &clients).await;

    // Then exactly two fit (1 + 4 emails of 5): two updates landed, the condition refused the
    // other two, which then read the counts and answered 429; no more went out
    run.assert_overlapped(4);
    let mut statuses = run.statuses();
    statuses.sort_unstable();
    assert_eq!(statuses, [202, 202, 429, 429]);
    let refused = |c: &&testkit::proxy::Call| {
        c.operation == "UpdateItem" && c.error.as_deref() == Some("ConditionalCheckFailedException")
    };
    assert_eq!(run.calls.iter().filter(refused).count(), 2, "{:?}", run.calls);
    assert_eq!(delivered(&first_emails).await + delivered(&emails).await, 5);
    assert_invariants(&api).await;
}

const ENDED: &str = "Your client portal access has ended";

/// How many of the messages to `address` say that portal access has ended.
async fn ended_notices(address: &str) -> usize {
    messages_to(address).await.iter().filter(|m| m["subject"] == ENDED).count()
}

/// A contact of a new client of `tenant`, invited, whose support ends tomorrow.
async fn given_invited_ending_tomorrow(api: &TestApi, tenant: &str) -> (String, Value, String) {
    let acme = given_client(api, &TestApi::admin(tenant), "Acme").await;
    let email = unique_email("ending");
    let end = (api.clock.now().date() + Duration::days(1)).to_string();
    let body = json!({ "last_name": "Ada", "email": email, "portal": { "support_end": end } });
    let contact = given_contact(api, &TestApi::admin(tenant), &acme, body).await;
    assert_eq!(invite(api, tenant, &acme, &contact).await.status, 202);
    (acme, contact, email)
}

#[tokio::test]
async fn the_sweep_revokes_an_over_quota_tenants_contact_and_sends_its_notice_once_quota_frees() {
    // Given an invited contact whose support has ended, and a tenant that used its quota today
    let api = TestApi::new().await.with_daily_email_quota(2);
    let admin = TestApi::admin("t1");
    let (acme, ada, email) = given_invited_ending_tomorrow(&api, "t1").await;
    api.clock.advance(Duration::days(2));
    let other = given_client(&api, &admin, "Other").await;
    given_recipients(&api, &other, &["Bob", "Cy"]).await;
    assert_eq!(notify_invoice(&api, &other).await.status, 202);

    // When the sweep runs
    let report = sweep(&api.app, None).await.unwrap();

    // Then access is revoked all the same, and the notice waits for quota
    assert_eq!((report.revoked, report.held, report.failed), (1, 1, 0), "{report:?}");
    let now = api.get(&admin, &contact_path(&acme, &ada)).await.json();
    assert_eq!(now["portal"]["status"], "revoked");
    assert_eq!(ended_notices(&email).await, 0);
    // And a run after the quota frees sends it, once
    api.clock.advance(Duration::hours(24));
    let later = sweep(&api.app, None).await.unwrap();
    assert_eq!((later.revoked, later.notices_retried, later.held), (0, 1, 0), "{later:?}");
    assert_eq!(ended_notices(&email).await, 1);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn the_sweep_sends_each_tenants_notices_up_to_its_own_quota_and_holds_the_rest() {
    // Given three ended contacts of t1 and one of t2, and a quota of 2 a day
    let mut api = TestApi::new().await.with_daily_email_quota(3);
    let mut t1 = Vec::new();
    for _ in 0..3 {
        t1.push(given_invited_ending_tomorrow(&api, "t1").await.2);
    }
    let (_, _, t2) = given_invited_ending_tomorrow(&api, "t2").await;
    api.clock.advance(Duration::days(2));
    api.app.email.daily_quota = 2;

    // When the sweep runs
    let report = sweep(&api.app, None).await.unwrap();

    // Then everyone is revoked; t1's quota covers two notices, t2's its own
    assert_eq!((report.revoked, report.held, report.failed), (4, 1, 0), "{report:?}");
    let mut told = 0;
    for address in &t1 {
        told += ended_notices(address).await;
    }
    assert_eq!(told, 2);
    assert_eq!(ended_notices(&t2).await, 1);
    assert_invariants(&api).await;
}
