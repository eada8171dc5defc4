//! DynamoDB failing the way the real service fails (throttling, internal errors, answers lost
//! after the write was applied), injected by a proxy in front of DynamoDB Local.

use serde_json::{json, Value};
use testkit::proxy::Fault;
use testkit::TestApi;

use crate::support::{assert_invariants, given_client, given_contact};

fn statuses(calls: &[testkit::proxy::Call], operation: &str) -> Vec<u16> {
    calls.iter().filter(|c| c.operation == operation).map(|c| c.status).collect()
}

#[tokio::test]
async fn a_throttled_read_is_retried_and_answers_normally() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    proxy.take_calls();
    proxy.fail_next("GetItem", Fault::Throttle);

    let res = api.get(&admin, &format!("/clients/{acme}")).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(statuses(&proxy.take_calls(), "GetItem"), vec![400, 200], "throttled once, then retried");
}

#[tokio::test]
async fn an_add_whose_answer_is_lost_after_the_write_is_created_once_and_says_so() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    given_contact(&api, &admin, &acme, json!({ "last_name": "First", "email": "first@x.test" })).await;
    proxy.take_calls();
    proxy.fail_next("TransactWriteItems", Fault::LoseResponse);

    let res = api
        .post(
            &admin,
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "Lost", "email": "lost@x.test" }),
        )
        .await;

    assert_eq!(res.status, 201, "the retried write is recognised as the same one: {}", res.body);
    // Both reached DynamoDB: the first was applied (its answer lost), the retry matched it.
    assert_eq!(statuses(&proxy.take_calls(), "TransactWriteItems"), vec![200, 200]);
    let list = api.get(&admin, &format!("/clients/{acme}/contacts")).await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_store_that_keeps_failing_is_a_problem_response_and_changes_nothing() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    for _ in 0..10 {
        proxy.fail_next("TransactWriteItems", Fault::InternalError);
    }
    proxy.take_calls();

    let res = api
        .post(
            &admin,
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "Never", "email": "never@x.test" }),
        )
        .await;

    assert_eq!((res.status, res.problem_code().as_str()), (500, "internal"), "{}", res.body);
    let attempts = statuses(&proxy.take_calls(), "TransactWriteItems");
    let sdk_attempts = proxy.sdk_attempts().await;
    assert_eq!(attempts, vec![500; sdk_attempts], "the SDK tried as often as it is configured to");
    assert_eq!(proxy.pending_faults(), 10 - sdk_attempts, "each attempt consumed one fault");
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    assert!(!res.body.contains("injected"), "store details stay in the logs: {}", res.body);
    let list = api.get(&admin, &format!("/clients/{acme}/contacts")).await.json();
    assert!(list["items"].as_array().unwrap().is_empty());
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_connection_dropped_before_a_write_is_retried_and_the_write_lands_once() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    given_contact(&api, &admin, &acme, json!({ "last_name": "First", "email": "first@x.test" })).await;
    proxy.take_calls();
    proxy.fail_next("TransactWriteItems", Fault::DropConnection);

    let res = api
        .post(
            &admin,
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "Once", "email": "once@x.test" }),
        )
        .await;

    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(statuses(&proxy.take_calls(), "TransactWriteItems"), vec![0, 200], "dropped, then retried");
    let list = api.get(&admin, &format!("/clients/{acme}/contacts")).await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_timeout_after_commit_of_an_email_change_is_not_reported_as_a_conflict() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let ada = given_contact(&api, &admin, &acme, json!({ "last_name": "Ada", "email": "old@x.test" })).await;
    proxy.fail_next("TransactWriteItems", Fault::DropAfterCommit);

    let path = crate::support::contact_path(&acme, &ada);
    proxy.take_calls();
    let res = api.patch(&admin, &path, json!({ "email": "new@x.test" })).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(proxy.pending_faults(), 0, "the fault fired");
    assert_eq!(
        statuses(&proxy.take_calls(), "TransactWriteItems"),
        vec![200, 200],
        "applied, its answer dropped, then the SDK's retry matched by its token"
    );
    assert_eq!(res.json()["email"], "new@x.test");
    assert_eq!(api.get(&admin, &path).await.json()["version"], 2, "applied exactly once");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn an_add_that_failed_after_commit_is_safe_to_retry_with_its_idempotency_key() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    given_contact(&api, &admin, &acme, json!({ "last_name": "First", "email": "first@x.test" })).await;
    // Every attempt the SDK makes is applied (the first) or matched (the retries), and every
    // answer is lost: the caller gets an error although the contact exists.
    for _ in 0..5 {
        proxy.fail_next("TransactWriteItems", Fault::LoseResponse);
    }
    let path = format!("/clients/{acme}/contacts");
    let body = json!({ "last_name": "Retried", "email": "retried@x.test" }).to_string();
    let headers = [("content-type", "application/json"), ("idempotency-key", "add-retried-1")];

    let failed = api.send(&admin, "POST", &path, &headers, Some(body.clone())).await;
    let faults_left = proxy.pending_faults();
    proxy.take_calls();
    let retried = api.send(&admin, "POST", &path, &headers, Some(body)).await;

    let failed = (failed.status, failed.problem_code());
    assert_eq!(failed, (500, "internal".to_owned()), "the first attempt's outcome was unknown");
    assert_eq!(faults_left, 5 - proxy.sdk_attempts().await, "each of its attempts lost one answer");
    assert_eq!(retried.status, 201, "{}", retried.body);
    assert_eq!(retried.header("idempotent-replayed"), Some("true"), "the recorded answer");
    let list = api.get(&admin, &path).await.json();
    let named: Vec<&Value> =
        list["items"].as_array().unwrap().iter().filter(|c| c["last_name"] == "Retried").collect();
    assert_eq!(named.len(), 1, "created once");
    assert_eq!(named[0]["id"], retried.json()["id"]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn an_email_change_whose_transaction_keeps_failing_after_its_read_changes_nothing() {
    // Given a contact and a store whose writes fail after the change has read the contact
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let ada = given_contact(&api, &admin, &acme, json!({ "last_name": "Ada", "email": "kept@x.test" })).await;
    let path = crate::support::contact_path(&acme, &ada);
    for _ in 0..10 {
        proxy.fail_next("TransactWriteItems", Fault::InternalError);
    }
    proxy.take_calls();

    // When the email is changed (read, then one transaction of contact and both markers)
    let res = api.patch(&admin, &path, json!({ "email": "moved@x.test" })).await;

    // Then the answer is a problem, the read happened, every write failed, and nothing moved
    assert_eq!((res.status, res.problem_code().as_str()), (500, "internal"), "{}", res.body);
    let calls = proxy.take_calls();
    assert_eq!(
        statuses(&calls, "GetItem").first(),
        Some(&200),
        "the change read the contact first: {calls:?}"
    );
    let writes = statuses(&calls, "TransactWriteItems");
    assert_eq!(
        writes,
        vec![500; proxy.sdk_attempts().await],
        "one transaction, tried as often as the SDK does"
    );
    proxy.clear_faults();
    let read = api.get(&admin, &path).await.json();
    assert_eq!((read["email"].as_str(), read["version"].as_u64()), (Some("kept@x.test"), Some(1)));
    let taken = api
        .post(
            &admin,
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "B", "email": "moved@x.test" }),
        )
        .await;
    assert_eq!(taken.status, 201, "the new address was never claimed: {}", taken.body);
    let again = api
        .post(
            &admin,
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "C", "email": "kept@x.test" }),
        )
        .await;
    assert_eq!(again.status, 409, "the old address is still held: {}", again.body);
    assert_invariants(&api).await;
}

/// The next `times` batch reads leave every key unprocessed.
fn leave_unprocessed(proxy: &testkit::proxy::DynamoProxy, times: usize) {
    for _ in 0..times {
        proxy.fail_next("BatchGetItem", Fault::Unprocessed);
    }
}

async fn import_one_row(api: &TestApi, client: &str) -> testkit::TestResponse {
    let path = format!("/clients/{client}/contacts/import");
    let csv = "last_name,email\nRow,row@x.test\n".to_owned();
    api.send(&TestApi::admin("t1"), "POST", &path, &[("content-type", "text/csv")], Some(csv)).await
}

#[tokio::test]
async fn keys_a_batch_read_leaves_unprocessed_a_few_times_are_read_again_and_the_import_lands() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    proxy.take_calls();
    leave_unprocessed(&proxy, 3);

    let res = import_one_row(&api, &acme).await;

    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["created"], 1);
    assert_eq!(statuses(&proxy.take_calls(), "BatchGetItem").len(), 4, "three times unprocessed, then read");
}

#[tokio::test]
async fn keys_a_batch_read_keeps_leaving_unprocessed_are_given_up_after_eight_attempts_as_503_store_busy() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    proxy.take_calls();
    leave_unprocessed(&proxy, 20);

    let res = import_one_row(&api, &acme).await;

    assert_eq!(res.status, 503, "{}", res.body);
    assert_eq!(res.problem_code(), "store-busy");
    assert_eq!(res.header("retry-after"), Some("1"));
    let router = local_api::Router::new(local_api::Template::of_repo().routes().unwrap());
    let local_api::Match::Found(route) = router.route("POST", &format!("/clients/{acme}/contacts/import"))
    else {
        panic!("the import is routed")
    };
    crate::openapi::assert_documented(&crate::openapi::spec(), route, &res);
    assert_eq!(statuses(&proxy.take_calls(), "BatchGetItem").len(), 8, "a bounded number of attempts");
    let list = api.get(&TestApi::admin("t1"), &format!("/clients/{acme}/contacts")).await.json();
    assert!(list["items"].as_array().unwrap().is_empty(), "nothing written");
}

#[tokio::test]
async fn an_invite_whose_read_is_left_unprocessed_once_is_read_again_and_sent() {
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let body = json!({ "last_name": "Ada", "email": crate::support::unique_email("unprocessed") });
    let ada = given_contact(&api, &admin, &acme, body).await;
    proxy.fail_next("BatchGetItem", Fault::Unprocessed);

    let res =
        api.post(&admin, &format!("{}/invite", crate::support::contact_path(&acme, &ada)), json!({})).await;

    assert_eq!(res.status, 202, "{}", res.body);
    assert_eq!(statuses(&proxy.take_calls(), "BatchGetItem"), vec![200, 200]);
}

#[tokio::test]
async fn a_write_that_keeps_losing_races_gives_up_with_409_contention_and_changes_nothing() {
    // Given a contact, and transactions that keep being cancelled by (injected) concurrent ones
    let (api, proxy) = TestApi::behind_proxy().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let ada = given_contact(&api, &admin, &acme, json!({ "last_name": "Ada", "email": "race@x.test" })).await;
    let path = crate::support::contact_path(&acme, &ada);
    for _ in 0..20 {
        proxy.fail_next("TransactWriteItems", Fault::Conflict);
    }
    proxy.take_calls();

    // When the email is changed (one transaction, planned again after each conflict)
    let res = api.patch(&admin, &path, json!({ "email": "moved@x.test" })).await;

    // Then it gives up after its bounded attempts with 409 contention, and nothing moved
    assert_eq!((res.status, res.problem_code().as_str()), (409, "contention"), "{}", res.body);
    let attempts = statuses(&proxy.take_calls(), "TransactWriteItems").len();
    assert_eq!(attempts, shared::store::tx::MAX_ATTEMPTS as usize, "planned again each time, then gave up");
    proxy.clear_faults();
    let read = api.get(&admin, &path).await.json();
    assert_eq!((read["email"].as_str(), read["version"].as_u64()), (Some("race@x.test"), Some(1)));
}
