//! What the authorizer's claims grant: a tenant sees only its own, a tenant id or a token that
//! could reach past its tenant is refused, and groups count only by their whole names (see
//! `access` for every route against every kind of caller).

use std::collections::HashMap;

use serde_json::json;
use testkit::{Caller, TestApi};

use crate::access::claims;
use crate::support::given_client;

#[tokio::test]
async fn another_tenant_never_sees_a_tenants_clients_in_lists() {
    let api = TestApi::new().await;
    given_client(&api, &TestApi::admin("t1"), "Secret").await;

    let res = api.get(&TestApi::admin("t2"), "/clients").await;

    assert_eq!(res.json()["items"], json!([]));
}

#[tokio::test]
async fn a_tenant_id_that_could_reach_into_key_space_is_refused() {
    let api = TestApi::new().await;
    let sneaky = claims("t1#CLIENT#x", &[("cognito:groups", "[psa_admins]")]);

    let res = api.get(&sneaky, "/clients").await;

    assert_eq!(res.status, 401);
}

#[tokio::test]
async fn a_token_without_a_tenant_or_subject_is_401() {
    let api = TestApi::new().await;
    let no_tenant = Caller::Authorizer(HashMap::from([("sub".to_owned(), "u".to_owned())]));
    let no_sub = Caller::Authorizer(HashMap::from([("custom:tenant_id".to_owned(), "t1".to_owned())]));

    assert_eq!(api.get(&no_tenant, "/clients").await.status, 401);
    assert_eq!(api.get(&no_sub, "/clients").await.status, 401);
}

fn authorizer_with_groups(groups: &str) -> Caller {
    claims("t1", &[("cognito:groups", groups)])
}

#[tokio::test]
async fn a_writer_group_counts_in_api_gateways_flattened_form() {
    let api = TestApi::new().await;

    // API Gateway passes every claim as text, arrays as `[a b]` (the JSON array a token
    // carries is `identity`'s unit specs).
    for groups in ["[sales psa_admins]", "[global_admins]"] {
        let res = api.post(&authorizer_with_groups(groups), "/clients", json!({ "name": "Acme" })).await;

        assert_eq!(res.status, 201, "groups {groups}: {}", res.body);
    }
}

#[tokio::test]
async fn group_names_are_compared_whole_so_a_name_holding_a_writer_group_grants_nothing() {
    let api = TestApi::new().await;

    // Cognito allows commas and quotes in group names; API Gateway passes `[a b]`.
    for groups in [
        "[sales,psa_admins]",
        "[\"psa_admins\",sales]",
        "psa_admins",
        "sales,psa_admins",
        "[psa_admins_old]",
        "[PSA_ADMINS]",
        "[ psa_admins",
        r#"["sales,psa_admins"]"#,
        r#"["sales","psa_admins"]"#,
    ] {
        let res = api.post(&authorizer_with_groups(groups), "/clients", json!({ "name": "Acme" })).await;

        assert_eq!(res.status, 403, "groups {groups}: {}", res.body);
        assert_eq!(res.problem_code(), "forbidden");
    }
}

#[tokio::test]
async fn a_group_named_with_quotes_that_flattens_to_json_text_grants_nothing_on_a_write() {
    // Given a user in a group literally named `"psa_admins"` (quotes included), which API
    // Gateway flattens to text that looks like a JSON array
    let api = TestApi::new().await;
    let quoted = authorizer_with_groups(r#"["psa_admins"]"#);

    // When it writes
    let res = api.post(&quoted, "/clients", json!({ "name": "Acme" })).await;

    // Then the text is one group name, not JSON, and grants nothing
    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(res.problem_code(), "forbidden");
}

#[tokio::test]
async fn a_token_whose_groups_claim_is_one_string_of_names_grants_nothing() {
    let api = TestApi::new().await;
    let one_string = claims("t1", &[("cognito:groups", "sales,psa_admins")]);

    let res = api.post(&one_string, "/clients", json!({ "name": "Acme" })).await;

    assert_eq!(res.status, 403, "{}", res.body);
}
