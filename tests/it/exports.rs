//! Exports (`POST /exports`, `GET /exports/{exportId}`): a job queued by the API, run by
//! `run-export` from the table's stream, its file in the export bucket (moto's S3), downloaded
//! through the link the API hands out; a CSV export imports again unchanged.

use serde_json::{json, Value};
use shared::import::contacts::COLUMNS;
use testkit::exports::{download, ExportRun};
use testkit::{Caller, TestApi};

use crate::support::{assert_invariants, given_client, given_contact};

/// Asks for an export as `caller`: the job answered (202).
async fn export(api: &TestApi, caller: &Caller, body: Value) -> Value {
    let res = api.post(caller, "/exports", body).await;
    assert_eq!(res.status, 202, "{}", res.body);
    let job = res.json();
    let location = format!("/exports/{}", job["id"].as_str().unwrap());
    assert_eq!(res.header("location"), Some(location.as_str()));
    job
}

async fn job(api: &TestApi, caller: &Caller, id: &Value) -> Value {
    let res = api.get(caller, &format!("/exports/{}", id.as_str().unwrap())).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()
}

/// The done job's file, through its link.
async fn file_of(job: &Value) -> String {
    assert_eq!(job["state"], "done", "{job}");
    let (status, disposition, body) = download(job["download_url"].as_str().expect("a link")).await;
    assert_eq!(status, 200);
    assert_eq!(
        disposition,
        format!(
            "attachment; filename=\"contacts-{}.{}\"",
            job["id"].as_str().unwrap(),
            job["format"].as_str().unwrap()
        )
    );
    String::from_utf8(body).expect("UTF-8")
}

/// t1: Acme with Ada (every kind of column filled, a job title a spreadsheet would run, two
/// tags, one named with a comma and spaces) and Grace; Globex with Hopper. Returns Acme's and
/// Globex's ids.
async fn given_contacts(api: &TestApi) -> (String, String) {
    let admin = TestApi::admin("t1");
    let (acme, globex) = (given_client(api, &admin, "Acme").await, given_client(api, &admin, "Globex").await);
    let ada = json!({
        "salutation": "Dr", "first_name": "Ada", "last_name": "Lovelace", "job_title": "=HYPERLINK(\"http://x.test\")",
        "department": "Finance", "description": "Line one\nline two, with a comma", "email": "ada@x.test",
        "mobile": "+44 7911 123456", "phone": "+1 202 555 0143",
        "address": {"line1": "1 Bridge St", "city": "London", "postal_code": "N1 1AA", "country": "GB"},
        "notifications": ["invoice", "ticket"], "permissions": ["invoices"],
        "portal": {"support_start": "2026-01-01", "support_end": "2026-12-31"}
    });
    let ada = given_contact(api, &admin, &acme, ada).await;
    for name in ["Key account", "EMEA, west"] {
        let tag = api.post(&admin, "/tags", json!({ "name": name })).await.json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/clients/{acme}/contacts/{}/tags/{tag}", ada["id"].as_str().unwrap());
        assert_eq!(api.send(&admin, "PUT", &path, &[], None).await.status, 204);
    }
    given_contact(
        api,
        &admin,
        &acme,
        json!({"first_name": "Grace", "last_name": "Brewster", "email": "grace@x.test"}),
    )
    .await;
    let hopper = json!({"last_name": "Hopper", "email": "hopper@x.test", "notifications": ["invoice"]});
    given_contact(api, &admin, &globex, hopper).await;
    (acme, globex)
}

#[tokio::test]
async fn a_csv_export_of_a_client_imports_again_with_every_row_unchanged() {
    // Given a client's contacts with every kind of column filled
    let mut api = TestApi::new().await;
    let mut run = ExportRun::of(&mut api).await;
    let (acme, _) = given_contacts(&api).await;
    let reader = TestApi::reader("t1");

    // When a reader exports them as CSV and the job runs from the stream
    let queued = export(&api, &reader, json!({"client_ids": [acme]})).await;
    assert_eq!((queued["state"].as_str(), queued["format"].as_str()), (Some("queued"), Some("csv")));
    run.drain().await;
    let done = job(&api, &reader, &queued["id"]).await;
    let csv = file_of(&done).await;

    // Then the file has the import's columns and a row per contact
    assert_eq!(done["rows"], 2);
    let header = csv.strip_prefix('\u{feff}').expect("a byte order mark").lines().next().unwrap();
    assert_eq!(header, COLUMNS.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(","));
    assert!(csv.contains("\"EMEA, west|Key account\""), "Ada's tags by name, in name order: {csv}");
    // and importing it into the client changes nothing
    let path = format!("/clients/{acme}/contacts/import");
    let res =
        api.send(&TestApi::admin("t1"), "POST", &path, &[("content-type", "text/csv")], Some(csv)).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let report = res.json();
    assert_eq!((report["unchanged"].as_u64(), report["failed"].as_u64()), (Some(2), Some(0)), "{report}");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_cell_a_spreadsheet_would_run_as_a_formula_is_exported_behind_a_quote() {
    let mut api = TestApi::new().await;
    let mut run = ExportRun::of(&mut api).await;
    let (acme, _) = given_contacts(&api).await;

    let queued = export(&api, &TestApi::admin("t1"), json!({"client_ids": [acme], "format": "csv"})).await;
    run.drain().await;
    let csv = file_of(&job(&api, &TestApi::admin("t1"), &queued["id"]).await).await;

    assert!(csv.contains(r#""'=HYPERLINK(""http://x.test"")""#), "{csv}");
    assert!(csv.contains("'+447911123456"), "a phone's + is not a formula either: {csv}");
    assert!(!csv.contains(",=") && !csv.contains(",+"), "{csv}");
}

#[tokio::test]
async fn a_json_export_holds_the_filtered_contacts_of_every_client_with_their_clients_names() {
    let mut api = TestApi::new().await;
    let mut run = ExportRun::of(&mut api).await;
    given_contacts(&api).await;
    let other = given_client(&api, &TestApi::admin("t2"), "Other").await;
    given_contact(
        &api,
        &TestApi::admin("t2"),
        &other,
        json!({"last_name": "Aaron", "email": "a@x.test", "notifications": ["invoice"]}),
    )
    .await;

    let queued = export(&api, &TestApi::reader("t1"), json!({"format": "json", "topic": "invoice"})).await;
    run.drain().await;
    let done = job(&api, &TestApi::reader("t1"), &queued["id"]).await;
    let rows: Value = serde_json::from_str(&file_of(&done).await).expect("a JSON array");

    let listed: Vec<(&str, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["last_name"].as_str().unwrap(), c["client_name"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, [("Hopper", "Globex"), ("Lovelace", "Acme")], "never another tenant's");
    assert_eq!(done["rows"], 2);
    assert_eq!(done["filters"], json!({"topic": "invoice"}));
}

#[tokio::test]
async fn a_job_not_yet_done_has_no_download_link() {
    let mut api = TestApi::new().await;
    let _run = ExportRun::of(&mut api).await;

    let queued = export(&api, &TestApi::reader("t1"), json!({})).await;
    let read = job(&api, &TestApi::reader("t1"), &queued["id"]).await;

    assert_eq!(read["state"], "queued");
    assert!(read.get("download_url").is_none(), "{read}");
}

#[tokio::test]
async fn another_tenants_export_is_not_found_and_its_file_never_offered() {
    let mut api = TestApi::new().await;
    let mut run = ExportRun::of(&mut api).await;
    given_contacts(&api).await;
    let queued = export(&api, &TestApi::admin("t1"), json!({})).await;
    run.drain().await;

    let res = api.get(&TestApi::admin("t2"), &format!("/exports/{}", queued["id"].as_str().unwrap())).await;

    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(res.json()["code"], "not-found");
    assert!(!res.body.contains("http"), "no link: {}", res.body);
    assert_eq!(
        run.files().await,
        [format!("t1/{}.csv", queued["id"].as_str().unwrap())],
        "files live under their tenant"
    );
}

#[tokio::test]
async fn a_job_that_runs_out_of_time_fails_and_leaves_no_file() {
    // Given a function whose deadline is nearer than the time it keeps to end a file
    let mut api = TestApi::new().await;
    let mut run = ExportRun::of(&mut api).await;
    run.timeout = shared::exports::END_MARGIN / 2;
    given_contacts(&api).await;

    // When an export's job runs
    let queued = export(&api, &TestApi::admin("t1"), json!({})).await;
    run.drain().await;

    // Then it failed saying why, and neither a file nor an unfinished upload is left
    let failed = job(&api, &TestApi::admin("t1"), &queued["id"]).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert!(failed["failure"].as_str().unwrap().contains("ran out of time"), "{failed}");
    assert!(failed.get("download_url").is_none());
    assert!(run.files().await.is_empty());
    assert!(run.unfinished_uploads().await.is_empty());
}

#[tokio::test]
async fn an_export_asked_with_bad_filters_is_422_naming_each() {
    let api = TestApi::new().await;

    let res = api
        .post(
            &TestApi::reader("t1"),
            "/exports",
            json!({"format": "xml", "topic": "gossip", "client_ids": "x", "q": "a"}),
        )
        .await;

    assert_eq!(res.status, 422, "{}", res.body);
    let body = res.json();
    let mut fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["client_ids", "format", "q", "topic"]);
}

#[tokio::test]
async fn a_job_whose_record_is_delivered_again_is_not_run_again() {
    // Given a job run to its end from the stream
    let mut api = TestApi::new().await;
    let mut run = ExportRun::of(&mut api).await;
    given_contacts(&api).await;
    let queued = export(&api, &TestApi::admin("t1"), json!({})).await;
    run.drain().await;
    let done = job(&api, &TestApi::admin("t1"), &queued["id"]).await;

    // When its record is delivered again (Lambda delivers at least once)
    let id = shared::domain::ExportId::parse(queued["id"].as_str().unwrap()).unwrap();
    let tenant = shared::domain::TenantId::parse("t1").unwrap();
    let exporter =
        shared::exports::Exporter { store: &api.app.store, bucket: api.app.exports.as_ref().unwrap() };
    let far = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let again = exporter.run(&tenant, id, far).await.unwrap();

    // Then the job is left as it ended: not run a second time
    assert_eq!(again.finished_at.as_deref(), done["finished_at"].as_str());
    assert_eq!(job(&api, &TestApi::admin("t1"), &queued["id"]).await["finished_at"], done["finished_at"]);
    assert_eq!(run.files().await.len(), 1);
}

#[tokio::test]
async fn a_file_larger_than_a_part_goes_up_in_parts_and_holds_every_contact() {
    // Given 2,800 contacts whose notes fill 2,000 characters: a file of more than 5 MiB
    let mut api = TestApi::new().await;
    let mut run = ExportRun::of(&mut api).await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let long = "x".repeat(2_000);
    for batch in 0..2 {
        let mut csv = String::from("last_name,email,description\n");
        for i in 0..1_400 {
            csv.push_str(&format!("Contact {batch}-{i},c{batch}-{i}@x.test,{long}\n"));
        }
        let path = format!("/clients/{acme}/contacts/import");
        let res =
            api.send(&TestApi::admin("t1"), "POST", &path, &[("content-type", "text/csv")], Some(csv)).await;
        assert_eq!(res.json()["created"], 1_400, "{}", res.body);
    }

    // When it is exported
    let queued = export(&api, &TestApi::admin("t1"), json!({})).await;
    run.drain().await;

    // Then the file went up in more than one part and holds every contact once
    let done = job(&api, &TestApi::admin("t1"), &queued["id"]).await;
    assert_eq!(done["rows"], 2_800, "{done}");
    let key = run.files().await.pop().expect("the file");
    let head = run.s3.head_object().bucket(&run.bucket).key(&key).send().await.expect("its head");
    let parts =
        head.e_tag().unwrap_or_default().trim_matches('"').rsplit_once('-').map(|(_, n)| n.to_owned());
    assert!(
        parts.as_deref().is_some_and(|n| n != "1"),
        "a multipart ETag names its parts: {:?}",
        head.e_tag()
    );
    assert!(head.content_length().unwrap_or(0) > 5 * 1024 * 1024);
    assert_eq!(file_of(&done).await.matches("@x.test,").count(), 2_800);
}

#[tokio::test]
async fn a_job_that_never_ended_is_shown_failed_once_it_no_longer_can() {
    // Given a job whose function never ran it (here: no stream reads the table)
    let api = TestApi::new().await;
    let queued = export(&api, &TestApi::reader("t1"), json!({})).await;

    // When it is read well after the stream and its function would have given up
    api.clock.advance(time::Duration::minutes(shared::domain::export::STALE_AFTER_MINUTES + 1));
    let read = job(&api, &TestApi::reader("t1"), &queued["id"]).await;

    // Then it is failed, saying what to do, and offers no file
    assert_eq!(read["state"], "failed", "{read}");
    assert!(read["failure"].as_str().unwrap().contains("ask for the export again"), "{read}");
    assert!(read.get("download_url").is_none());
}
