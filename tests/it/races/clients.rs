//! A client made inactive while one of its contacts is being invited: the invitation's write
//! holds a condition on the client, so no invitation lands once the client is inactive.

use serde_json::json;
use testkit::mail::messages_to;
use testkit::TestApi;

use super::{given_client_with, racing_api, repeats};
use crate::support::{assert_invariants, unique_email};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_made_inactive_while_its_contact_is_being_invited_gets_no_invitation() {
    let (api, proxy) = racing_api().await;
    let admin = TestApi::admin("t1");
    for _ in 0..repeats().min(10) {
        let email = unique_email("p");
        let (acme, paths) = given_client_with(&api, std::slice::from_ref(&email)).await;
        // Another client that has a contact already, so that adding to it is one transaction.
        let (other, _) = given_client_with(&api, &[unique_email("o")]).await;
        proxy.take_calls();
        proxy.hold_in_rounds(&["TransactWriteItems"], 0, 2, 1);

        // Given an invitation that has read its client as active and waits to write
        let invite = tokio::spawn({
            let (api, admin, path) = (api.clone(), admin.clone(), paths[0].clone());
            async move { api.post(&admin, &format!("{path}/invite"), json!({})).await }
        });
        while proxy.gate_report().held < 1 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        // When the client is made inactive before it writes (another client's add then opens
        // the gate)
        let deactivated =
            api.patch(&admin, &format!("/clients/{acme}"), json!({ "status": "inactive" })).await;
        assert_eq!(deactivated.status, 200, "{}", deactivated.body);
        let body = json!({ "last_name": "X", "phone": "+12025550100" });
        assert_eq!(api.post(&admin, &format!("/clients/{other}/contacts"), body).await.status, 201);

        // Then its condition on the client refuses it, and read again it says why
        let res = invite.await.expect("invite task");
        assert_eq!(res.status, 409, "{}", res.body);
        assert_eq!(res.problem_code(), "client-inactive");
        let refused = proxy.take_calls().iter().filter(|c| c.failed_a_condition()).count();
        assert_eq!(refused, 1, "the invitation's transaction failed its condition once");
        assert!(messages_to(&email).await.is_empty());
        assert_eq!(api.get(&admin, &paths[0]).await.json()["portal"]["status"], "none");
    }
    assert_invariants(&api).await;
}
