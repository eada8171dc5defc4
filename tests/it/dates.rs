//! Support dates are years 1900..=9999 as `YYYY-MM-DD`: anything else is a 422 naming the
//! field wherever dates are taken, and the extremes work end to end, the sweep included.

use serde_json::{json, Value};
use shared::domain::dates::Clock;
use shared::sweep::sweep;
use testkit::TestApi;
use time::macros::datetime;

use crate::support::{contact_path, given_client, given_contact, sweep_key, unique_email};

/// Shapes a date must not have: a sign, a fifth digit, year zero.
const OUT_OF_RANGE: [&str; 3] = ["-9999-01-05", "+10000-01-01", "0000-01-01"];

fn fields_of(problem: &Value) -> Vec<&str> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect()
}

/// A contact of `client` invited to the portal, its support ending on `end`.
async fn given_invited(api: &TestApi, client: &str, end: &str) -> Value {
    let admin = TestApi::admin("t1");
    let body = json!({ "last_name": "L", "email": unique_email("dates"), "portal": { "support_end": end } });
    let contact = given_contact(api, &admin, client, body).await;
    let res = api.post(&admin, &format!("{}/invite", contact_path(client, &contact)), json!({})).await;
    assert_eq!(res.status, 202, "{}", res.body);
    contact
}

#[tokio::test]
async fn an_add_with_a_date_out_of_range_is_422_naming_the_field() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;

    for end in OUT_OF_RANGE {
        let body = json!({ "last_name": "L", "email": "l@x.test", "portal": { "support_end": end } });
        let res = api.post(&admin, &format!("/clients/{acme}/contacts"), body).await;

        assert_eq!(res.status, 422, "{end}: {}", res.body);
        assert_eq!(fields_of(&res.json()), vec!["portal.support_end"], "{end}");
    }
}

#[tokio::test]
async fn a_patch_of_an_invited_contact_to_a_date_out_of_range_is_422_naming_the_field() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let invited = given_invited(&api, &acme, "2099-12-31").await;

    for start in OUT_OF_RANGE {
        let body = json!({ "portal": { "support_start": start, "support_end": start } });
        let res = api.patch(&TestApi::admin("t1"), &contact_path(&acme, &invited), body).await;

        assert_eq!(res.status, 422, "{start}: {}", res.body);
        assert_eq!(fields_of(&res.json()), vec!["portal.support_start", "portal.support_end"], "{start}");
    }
}

#[tokio::test]
async fn an_import_row_with_a_date_out_of_range_fails_naming_the_field() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let csv = "last_name,email,portal.support_end\nA,a@x.test,-9999-01-05\nB,b@x.test,+10000-01-01\n";

    let path = format!("/clients/{acme}/contacts/import");
    let res = api
        .send(&TestApi::admin("t1"), "POST", &path, &[("content-type", "text/csv")], Some(csv.into()))
        .await;

    assert_eq!(res.status, 200, "{}", res.body);
    let report = res.json();
    assert_eq!(report["failed"], 2, "{report}");
    for row in report["errors"].as_array().unwrap() {
        assert_eq!(fields_of(row), vec!["portal.support_end"], "{report}");
    }
}

#[tokio::test]
async fn support_ending_on_the_last_accepted_day_is_reminded_and_revoked_by_the_sweep() {
    // Given an invited contact whose support ends on 9999-12-31
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let contact = given_invited(&api, &acme, "9999-12-31").await;
    let reminder_key = sweep_key(&api, &contact).await;

    // When time reaches the reminder, and then the last second there is
    api.clock.advance(datetime!(9999-12-20 0:00 UTC) - api.clock.now());
    let reminded = sweep(&api.app, None).await.unwrap();
    let revoke_key = sweep_key(&api, &contact).await;
    api.clock.advance(datetime!(9999-12-31 23:59:59 UTC) - api.clock.now());
    let revoked = sweep(&api.app, None).await.unwrap();

    // Then the index holds each due time within range and the sweep acts on both
    assert!(reminder_key.unwrap().starts_with("9999-12-17T00:00:00Z#REMIND#"));
    assert_eq!(reminded.reminded, 1, "{reminded:?}");
    assert!(revoke_key.unwrap().starts_with("9999-12-31T23:59:59Z#REVOKE#"), "the day after, saturated");
    assert_eq!(revoked.revoked, 1, "{revoked:?}");
    let after = api.get(&TestApi::admin("t1"), &contact_path(&acme, &contact)).await.json();
    assert_eq!(after["portal"]["status"], "revoked");
    assert_eq!(sweep_key(&api, &contact).await, None);
}
