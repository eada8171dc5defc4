//! CSV imports: create or update, row-level errors, idempotent re-imports, file formats.

use serde_json::{json, Value};
use shared::domain::{
    ClientId, Contact, ContactFields, ContactId, ContactPatch, DomainError, PhoneRegion, Stamp, TenantId,
};
use shared::store::StoreError;
use testkit::{TestApi, TestResponse};

use crate::support::{assert_invariants, given_client, given_contact};

async fn import(api: &TestApi, client: &str, csv: &str, query: &str) -> TestResponse {
    let path = format!("/clients/{client}/contacts/import{query}");
    api.send(&TestApi::admin("t1"), "POST", &path, &[("content-type", "text/csv")], Some(csv.to_owned()))
        .await
}

fn totals(report: &Value) -> (u64, u64, u64, u64) {
    let n = |k: &str| report[k].as_u64().unwrap();
    (n("created"), n("updated"), n("unchanged"), n("failed"))
}

async fn contacts(api: &TestApi, client: &str) -> Vec<Value> {
    api.get(&TestApi::admin("t1"), &format!("/clients/{client}/contacts?limit=100")).await.json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

const MIXED: &str = "first_name,last_name,email,mobile,notifications,address.country
Ada,Lovelace,ada@x.test,+44 7911 123456,invoice|ticket,GB
Bob,,bob@x.test,,,
Cy,Cyrus,not-an-email,12,newsletter,Britain
Di,Diaz,di@x.test,,project,
";

#[tokio::test]
async fn good_rows_land_and_each_bad_row_is_reported_with_every_field() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;

    let res = import(&api, &acme, MIXED, "").await;

    assert_eq!(res.status, 200, "{}", res.body);
    let report = res.json();
    assert_eq!(totals(&report), (2, 0, 0, 2));
    assert_eq!(report["rows"], 4);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors[0]["row"], 3, "rows are numbered as in a spreadsheet, header = 1");
    assert_eq!(errors[0]["errors"][0]["field"], "last_name");
    assert_eq!(errors[1]["row"], 4);
    let mut fields: Vec<&str> =
        errors[1]["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, vec!["address.country", "email", "mobile", "notifications[0]"]);
    let list = contacts(&api, &acme).await;
    let mut got: Vec<&str> = list.iter().map(|c| c["last_name"].as_str().unwrap()).collect();
    got.sort();
    assert_eq!(got, vec!["Diaz", "Lovelace"]);
    assert_eq!(list.iter().find(|c| c["last_name"] == "Lovelace").unwrap()["mobile"], "+447911123456");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn importing_the_same_file_again_changes_nothing() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    import(&api, &acme, MIXED, "").await;
    let before = contacts(&api, &acme).await;

    let again = import(&api, &acme, MIXED, "").await.json();

    assert_eq!(totals(&again), (0, 0, 2, 2));
    assert_eq!(contacts(&api, &acme).await, before, "same contacts, same versions");
}

#[tokio::test]
async fn a_row_whose_email_exists_in_this_client_updates_that_contact() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let ada = given_contact(
        &api,
        &admin,
        &acme,
        json!({ "last_name": "Lovelace", "email": "Ada@X.test", "job_title": "CFO" }),
    )
    .await;

    let report = import(&api, &acme, "email,job_title,department\nada@x.test,CEO,\n", "").await.json();

    assert_eq!(totals(&report), (0, 1, 0, 0));
    let list = contacts(&api, &acme).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], ada["id"]);
    assert_eq!(list[0]["job_title"], "CEO");
    assert_eq!(list[0]["last_name"], "Lovelace", "columns not in the file are left alone");
}

#[tokio::test]
async fn an_email_of_another_client_is_a_row_error_not_a_move() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let other = given_client(&api, &admin, "Other").await;
    given_contact(&api, &admin, &other, json!({ "last_name": "Taken", "email": "taken@x.test" })).await;

    let report = import(&api, &acme, "last_name,email\nNew,taken@x.test\n", "").await.json();

    assert_eq!(totals(&report), (0, 0, 0, 1));
    assert_eq!(report["errors"][0]["errors"][0]["field"], "email");
    assert!(contacts(&api, &acme).await.is_empty());
}

#[tokio::test]
async fn the_second_row_with_an_email_already_in_the_file_fails() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;

    let report = import(&api, &acme, "last_name,email\nA,dup@x.test\nB,DUP@x.test\n", "").await.json();

    assert_eq!(totals(&report), (1, 0, 0, 1));
    assert_eq!(report["errors"][0]["row"], 3);
    assert_eq!(report["errors"][0]["errors"][0]["message"], "already in row 2 of this file");
}

#[tokio::test]
async fn bom_semicolons_and_quoted_fields_with_separators_and_line_breaks_are_read() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let csv = "\u{feff}last_name;email;description;address.line1\n\"O'Brien; Jr\";ob@x.test;\"Line one\nline two, with a comma\";\"1 Main St, Floor 2\"\n";

    let report = import(&api, &acme, csv, "").await.json();

    assert_eq!(totals(&report), (1, 0, 0, 0), "{report}");
    let c = &contacts(&api, &acme).await[0];
    assert_eq!(c["last_name"], "O'Brien; Jr");
    assert_eq!(c["description"], "Line one\nline two, with a comma");
    assert_eq!(c["address"]["line1"], "1 Main St, Floor 2");
}

#[tokio::test]
async fn a_dry_run_reports_without_writing() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let items_before = api.scan().await.len();

    let report = import(&api, &acme, MIXED, "?dry_run=true").await.json();

    assert_eq!(report["dry_run"], true);
    assert_eq!(totals(&report), (2, 0, 0, 2));
    assert_eq!(api.scan().await.len(), items_before);
}

#[tokio::test]
async fn a_file_of_another_shape_is_refused_whole() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;

    let unknown = import(&api, &acme, "last_name,email,shoe_size\nL,l@x.test,9\n", "").await;
    let no_email = import(&api, &acme, "last_name\nL\n", "").await;
    let json_body =
        api.post(&TestApi::admin("t1"), &format!("/clients/{acme}/contacts/import"), json!({})).await;
    let too_big =
        import(&api, &acme, &format!("last_name,email\n{}", "L,x@x.test\n".repeat(600_000)), "").await;

    assert_eq!(unknown.status, 422);
    assert_eq!(unknown.json()["errors"][0]["field"], "shoe_size");
    assert_eq!(no_email.status, 422);
    assert_eq!(json_body.status, 415);
    assert_eq!(too_big.status, 413);
}

#[tokio::test]
async fn a_file_of_more_than_ten_thousand_rows_is_413_and_says_so() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let rows: String = (0..10_001).map(|i| format!("L,r{i}@x.test\n")).collect();

    let res = import(&api, &acme, &format!("last_name,email\n{rows}"), "").await;

    assert_eq!(res.status, 413);
    assert!(res.json()["detail"].as_str().unwrap().contains("10000 rows"), "{}", res.body);
    assert!(contacts(&api, &acme).await.is_empty(), "nothing is written");
}

#[tokio::test]
async fn clients_are_created_or_updated_by_name() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme Ltd").await;
    let csv = "name,website,address.city\nACME LTD ,https://acme.test,Leeds\nGlobex,https://globex.test,\nInitech,ftp://nope,\nglobex,,\n";

    let res =
        api.send(&admin, "POST", "/clients/import", &[("content-type", "text/csv")], Some(csv.into())).await;
    let again =
        api.send(&admin, "POST", "/clients/import", &[("content-type", "text/csv")], Some(csv.into())).await;

    assert_eq!(res.status, 200, "{}", res.body);
    let report = res.json();
    assert_eq!(totals(&report), (1, 1, 0, 2), "{report}");
    assert_eq!(totals(&again.json()), (0, 0, 2, 2));
    let updated = api.get(&admin, &format!("/clients/{acme}")).await.json();
    assert_eq!(updated["website"], "https://acme.test");
    assert_eq!(updated["name"], "Acme Ltd", "matching ignores case and blanks; the name is kept");
}

fn new_contact(client: &str, last_name: &str, email: &str) -> Contact {
    let body = json!({ "last_name": last_name, "email": email }).as_object().unwrap().clone();
    let patch =
        ContactPatch::parse(body, PhoneRegion::parse("US").unwrap(), &Default::default(), true).unwrap();
    Contact::new(
        ContactId::generate(),
        ClientId::parse(client).unwrap(),
        ContactFields::create(patch).unwrap(),
        &stamp(),
    )
}

fn stamp() -> Stamp {
    Stamp { at: "2026-11-22T00:00:00Z".into(), by: "test".into() }
}

#[tokio::test]
async fn a_batch_add_drops_only_the_row_whose_email_was_taken_meanwhile() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    given_contact(
        &api,
        &TestApi::admin("t1"),
        &acme,
        json!({ "last_name": "Early", "email": "taken@x.test" }),
    )
    .await;
    let batch = vec![
        new_contact(&acme, "One", "one@x.test"),
        new_contact(&acme, "Late", "TAKEN@x.test"),
        new_contact(&acme, "Two", "two@x.test"),
    ];

    let results = api
        .app
        .store
        .add_contacts(&TenantId::parse("t1").unwrap(), ClientId::parse(&acme).unwrap(), batch, &stamp())
        .await
        .expect("the batch as a whole succeeds");

    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    assert!(matches!(results[1], Err(StoreError::Refused(DomainError::EmailTaken))), "{results:?}");
    let mut names: Vec<String> =
        contacts(&api, &acme).await.iter().map(|c| c["last_name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    assert_eq!(names, vec!["Early", "One", "Two"]);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_batch_add_into_an_empty_client_makes_exactly_its_first_contact_primary() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let batch =
        vec![new_contact(&acme, "First", "first@x.test"), new_contact(&acme, "Second", "second@x.test")];

    let results = api
        .app
        .store
        .add_contacts(&TenantId::parse("t1").unwrap(), ClientId::parse(&acme).unwrap(), batch, &stamp())
        .await
        .unwrap();

    assert!(results[0].as_ref().unwrap().is_primary);
    assert!(!results[1].as_ref().unwrap().is_primary);
    let client = api.get(&TestApi::admin("t1"), &format!("/clients/{acme}")).await.json();
    assert_eq!(client["primary_contact_id"], json!(results[0].as_ref().unwrap().id.to_string()));
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_batch_add_to_a_client_that_does_not_exist_is_404() {
    let api = TestApi::new().await;
    let ghost = ClientId::generate().to_string();

    let result = api
        .app
        .store
        .add_contacts(
            &TenantId::parse("t1").unwrap(),
            ClientId::parse(&ghost).unwrap(),
            vec![new_contact(&ghost, "Nobody", "nobody@x.test")],
            &stamp(),
        )
        .await;

    assert!(matches!(result, Err(StoreError::Refused(DomainError::NotFound("client")))), "{result:?}");
    assert!(api.scan().await.iter().all(|i| i["entity"].as_s().unwrap() != "contact"));
}
