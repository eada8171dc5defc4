//! What an import cell asks of its field: an empty cell leaves it as it is (a file exported,
//! trimmed in a spreadsheet and imported again must not erase anything), `[clear]` clears it.

use serde_json::{json, Value};
use shared::sweep::sweep;
use testkit::{TestApi, TestResponse};
use time::Duration;

use crate::support::{
    assert_invariants, contact_path, day, given_client, given_contact, given_invited_with, sweep_key,
    unique_email,
};

async fn import_contacts(api: &TestApi, client: &str, csv: &str) -> Value {
    let path = format!("/clients/{client}/contacts/import");
    let res = api
        .send(&TestApi::admin("t1"), "POST", &path, &[("content-type", "text/csv")], Some(csv.into()))
        .await;
    report(res)
}

async fn import_clients(api: &TestApi, csv: &str) -> Value {
    let res = api
        .send(
            &TestApi::admin("t1"),
            "POST",
            "/clients/import",
            &[("content-type", "text/csv")],
            Some(csv.into()),
        )
        .await;
    report(res)
}

fn report(res: TestResponse) -> Value {
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()
}

fn totals(report: &Value) -> (u64, u64, u64, u64) {
    let n = |k: &str| report[k].as_u64().unwrap();
    (n("created"), n("updated"), n("unchanged"), n("failed"))
}

/// A contact of `client` with every field a trimmed export tends to leave blank.
async fn given_full_contact(api: &TestApi, client: &str, email: &str) -> Value {
    let body = json!({
        "last_name": "Lovelace", "email": email, "mobile": "+447911123456", "job_title": "CFO",
        "notifications": ["invoice", "ticket"], "portal": { "support_end": day(30) },
    });
    given_contact(api, &TestApi::admin("t1"), client, body).await
}

async fn current(api: &TestApi, client: &str, contact: &Value) -> Value {
    api.get(&TestApi::admin("t1"), &contact_path(client, contact)).await.json()
}

#[tokio::test]
async fn re_importing_a_file_whose_cells_were_blanked_changes_nothing() {
    // Given a contact with a mobile, topics, a job title and a support end
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let ada = given_full_contact(&api, &acme, "ada@x.test").await;

    // When a file naming those columns with empty cells is imported
    let csv = "email,mobile,notifications,job_title,portal.support_end\nada@x.test,,,,\n";
    let report = import_contacts(&api, &acme, csv).await;

    // Then the row is unchanged and so is the contact, version included
    assert_eq!(totals(&report), (0, 0, 1, 0), "{report}");
    assert_eq!(current(&api, &acme, &ada).await, ada);
}

#[tokio::test]
async fn a_blank_support_end_keeps_an_invited_contact_in_the_sweep() {
    // Given an invited contact whose support ends tomorrow
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let email = unique_email("invited");
    let invited = given_invited_with(&api, &acme, &email, json!({ "support_end": day(1) })).await;

    // When a row changes its job title and leaves its support end blank
    let csv = format!("email,job_title,portal.support_end\n{email},CTO,\n");
    let report = import_contacts(&api, &acme, &csv).await;

    // Then the support end stays, the contact stays in the sweep index, and the sweep still ends its access
    assert_eq!(totals(&report), (0, 1, 0, 0), "{report}");
    let after = current(&api, &acme, &invited).await;
    assert_eq!(
        (after["job_title"].as_str(), after["portal"]["support_end"].as_str()),
        (Some("CTO"), Some(&*day(1)))
    );
    assert!(sweep_key(&api, &invited).await.is_some(), "still in the sweep index");
    api.clock.advance(Duration::days(3));
    let swept = sweep(&api.app, None).await.unwrap();
    assert_eq!(swept.revoked, 1, "{swept:?}");
    assert_eq!(current(&api, &acme, &invited).await["portal"]["status"], "revoked");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_clear_cell_clears_its_field_and_the_row_counts_as_updated() {
    // Given a contact with a job title, topics and a support end
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let ada = given_full_contact(&api, &acme, "ada@x.test").await;

    // When a row says [clear] (in any case) for them and leaves the mobile blank
    let csv =
        "email,mobile,job_title,notifications,portal.support_end\nada@x.test,, [clear] ,[CLEAR],[Clear]\n";
    let report = import_contacts(&api, &acme, csv).await;

    // Then those fields are cleared (the list to empty) and the mobile is kept
    assert_eq!(totals(&report), (0, 1, 0, 0), "{report}");
    let after = current(&api, &acme, &ada).await;
    assert_eq!(after["job_title"], Value::Null);
    assert_eq!(after["notifications"], json!([]));
    assert_eq!(after["portal"]["support_end"], Value::Null);
    assert_eq!(after["mobile"], "+447911123456");
}

#[tokio::test]
async fn clearing_a_required_field_fails_the_row_with_the_apis_error() {
    // Given a contact
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let ada = given_full_contact(&api, &acme, "ada@x.test").await;

    // When a row clears its last name
    let report = import_contacts(&api, &acme, "email,last_name,job_title\nada@x.test,[clear],CEO\n").await;

    // Then the row fails naming last_name, as a PATCH would, and nothing of it lands
    assert_eq!(totals(&report), (0, 0, 0, 1), "{report}");
    assert_eq!(report["errors"][0]["errors"], json!([{ "field": "last_name", "message": "is required" }]));
    assert_eq!(current(&api, &acme, &ada).await, ada);
}

#[tokio::test]
async fn a_blank_cell_in_a_clients_file_keeps_the_clients_field_and_clear_clears_it() {
    // Given a client with a website and a phone
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let body = json!({ "name": "Acme", "website": "https://acme.test", "phone": "+12025550143" });
    let acme = api.post(&admin, "/clients", body).await.json();
    let path = format!("/clients/{}", acme["id"].as_str().unwrap());

    // When a file leaves both blank, and then one clears the website
    let blank = import_clients(&api, "name,website,phone\nAcme,,\n").await;
    let unchanged = api.get(&admin, &path).await.json();
    let cleared = import_clients(&api, "name,website,phone\nAcme,[clear],\n").await;

    // Then the blank row changes nothing and the [clear] row clears only the website
    assert_eq!(totals(&blank), (0, 0, 1, 0), "{blank}");
    assert_eq!(unchanged, acme);
    assert_eq!(totals(&cleared), (0, 1, 0, 0), "{cleared}");
    let after = api.get(&admin, &path).await.json();
    assert_eq!((after["website"].clone(), after["phone"].clone()), (Value::Null, json!("+12025550143")));
}
