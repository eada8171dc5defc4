//! Custom fields: a tenant defines its own contact fields in its settings; every write checks
//! a contact's `custom` values by them, a patch merges them, removing a definition hides its
//! values, a type cannot change while values exist, browsing filters on a select field's
//! option, and files carry a column per field both ways.

use serde_json::{json, Value};
use testkit::exports::{download, ExportRun};
use testkit::{Caller, TestApi};

use crate::support::{assert_invariants, contact_path, given_client, given_contact};

fn admin() -> Caller {
    TestApi::admin("t1")
}

/// The fields t1 defines for most specs.
fn definitions() -> Value {
    json!([
        { "key": "region", "label": "Sales region", "type": "select", "options": ["North", "South"] },
        { "key": "channels", "label": "Channels", "type": "multi_select", "options": ["mail", "phone", "chat"] },
        { "key": "spend", "label": "Yearly spend", "type": "number" },
        { "key": "renewal", "label": "Renewal", "type": "date" },
        { "key": "vip", "label": "VIP", "type": "boolean" },
        { "key": "note", "label": "Note", "type": "text" },
    ])
}

async fn define(api: &TestApi, fields: Value) -> Value {
    let res = api.patch(&admin(), "/settings", json!({ "custom_fields": fields })).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()
}

async fn given_acme(api: &TestApi) -> String {
    given_client(api, &admin(), "Acme").await
}

fn fields_named(res: &testkit::TestResponse) -> Vec<String> {
    let mut names: Vec<String> = (res.json()["errors"].as_array().expect("errors").iter())
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_contact_holds_the_values_its_tenants_fields_define_and_each_bad_one_is_named() {
    // Given t1's fields
    let api = TestApi::new().await;
    let settings = define(&api, definitions()).await;
    let acme = given_acme(&api).await;

    // When a contact is added with a value of each, and another with bad ones
    let good = json!({ "last_name": "Lovelace", "phone": "+14155550100", "custom": {
        "region": "North", "channels": ["chat", "mail"], "spend": 1200.0, "renewal": "2027-03-01",
        "vip": true, "note": " prefers mornings " } });
    let added = api.post(&admin(), &format!("/clients/{acme}/contacts"), good.clone()).await;
    let bad = json!({ "last_name": "Hopper", "phone": "+14155550100", "custom": {
        "region": "East", "spend": "12", "colour": "red" } });
    let refused = api.post(&admin(), &format!("/clients/{acme}/contacts"), bad).await;
    // and another tenant, which defined none, sends the good values to a client of its own
    let t2 = TestApi::admin("t2");
    let own = given_client(&api, &t2, "Initech").await;
    let elsewhere = api.post(&t2, &format!("/clients/{own}/contacts"), good).await;

    // Then the values are stored as their fields normalise them
    assert_eq!(settings["custom_fields"].as_array().map(Vec::len), Some(6), "{settings}");
    assert_eq!(
        settings["custom_fields"][0],
        json!({ "key": "region", "label": "Sales region", "type": "select",
            "options": ["North", "South"], "required": false })
    );
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(
        added.json()["custom"],
        json!({ "region": "North", "channels": ["mail", "chat"], "spend": 1200,
            "renewal": "2027-03-01", "vip": true, "note": "prefers mornings" })
    );
    let read = api.get(&admin(), &contact_path(&acme, &added.json())).await;
    assert_eq!(read.json()["custom"], added.json()["custom"]);
    // and each bad value is named under `custom`
    assert_eq!(refused.status, 422);
    assert_eq!(fields_named(&refused), ["custom.colour", "custom.region", "custom.spend"]);
    assert_eq!(elsewhere.status, 422, "t1's fields are not t2's: {}", elsewhere.body);
    assert_eq!(fields_named(&elsewhere).len(), 6);
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_patch_merges_custom_values_and_null_removes_one_or_all() {
    let api = TestApi::new().await;
    define(&api, definitions()).await;
    let acme = given_acme(&api).await;
    let body = json!({ "last_name": "Lovelace", "phone": "+14155550100",
        "custom": { "region": "North", "vip": true, "note": "x" } });
    let path = contact_path(&acme, &given_contact(&api, &admin(), &acme, body).await);

    let merged = api.patch(&admin(), &path, json!({ "custom": { "region": "South", "note": null } })).await;
    let same = api.patch(&admin(), &path, json!({ "custom": { "region": "South" } })).await;
    let cleared = api.patch(&admin(), &path, json!({ "custom": null })).await;

    assert_eq!(merged.status, 200, "{}", merged.body);
    assert_eq!(merged.json()["custom"], json!({ "region": "South", "vip": true }));
    assert_eq!(same.json()["version"], merged.json()["version"], "a patch changing nothing moves no version");
    assert_eq!(cleared.json()["custom"], json!({}));
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_required_field_is_needed_by_a_new_contact_and_cannot_be_cleared() {
    let api = TestApi::new().await;
    define(&api, json!([{ "key": "region", "label": "Region", "type": "select", "options": ["North"], "required": true }]))
        .await;
    let acme = given_acme(&api).await;

    let without = api
        .post(
            &admin(),
            &format!("/clients/{acme}/contacts"),
            json!({ "last_name": "A", "phone": "+14155550100" }),
        )
        .await;
    let with = json!({ "last_name": "B", "phone": "+14155550100", "custom": { "region": "North" } });
    let path = contact_path(&acme, &given_contact(&api, &admin(), &acme, with).await);
    let other_edit = api.patch(&admin(), &path, json!({ "job_title": "CFO" })).await;
    let clearing = api.patch(&admin(), &path, json!({ "custom": { "region": null } })).await;

    assert_eq!((without.status, fields_named(&without)), (422, vec!["custom.region".to_owned()]));
    assert_eq!(other_edit.status, 200, "an edit leaving it alone goes on: {}", other_edit.body);
    assert_eq!((clearing.status, fields_named(&clearing)), (422, vec!["custom.region".to_owned()]));
}

#[tokio::test]
async fn removing_a_definition_hides_its_values_which_a_persons_data_still_lists() {
    // Given a contact with a value of `note`
    let api = TestApi::new().await;
    define(&api, definitions()).await;
    let acme = given_acme(&api).await;
    let body = json!({ "last_name": "Lovelace", "phone": "+14155550100", "custom": { "note": "kept", "vip": true } });
    let path = contact_path(&acme, &given_contact(&api, &admin(), &acme, body).await);

    // When `note` is no longer defined
    let fields: Vec<Value> =
        definitions().as_array().unwrap().iter().filter(|f| f["key"] != "note").cloned().collect();
    define(&api, Value::Array(fields)).await;
    let shown = api.get(&admin(), &path).await.json();
    let listed = api.get(&admin(), &format!("/clients/{acme}/contacts")).await.json();
    let data = api.get(&admin(), &format!("{path}/export")).await.json();
    let unknown = api.patch(&admin(), &path, json!({ "custom": { "note": "new" } })).await;
    // and defined again
    define(&api, definitions()).await;
    let again = api.get(&admin(), &path).await.json();

    // Then its value is hidden everywhere a contact is shown, but kept
    assert_eq!(shown["custom"], json!({ "vip": true }));
    assert_eq!(listed["items"][0]["custom"], json!({ "vip": true }));
    assert_eq!(data["contact"]["custom"], json!({ "note": "kept", "vip": true }), "{data}");
    assert_eq!((unknown.status, fields_named(&unknown)), (422, vec!["custom.note".to_owned()]));
    assert_eq!(again["custom"], json!({ "note": "kept", "vip": true }));
}

#[tokio::test]
async fn a_fields_type_cannot_change_while_a_contact_holds_a_value_of_it() {
    let api = TestApi::new().await;
    define(&api, definitions()).await;
    let acme = given_acme(&api).await;
    let body = json!({ "last_name": "Lovelace", "phone": "+14155550100", "custom": { "spend": 10 } });
    let path = contact_path(&acme, &given_contact(&api, &admin(), &acme, body).await);
    let retyped = |kind: &str| {
        let mut fields = definitions();
        fields[2]["type"] = json!(kind);
        fields[2]["label"] = json!("Spend, as said");
        fields
    };

    let refused = api.patch(&admin(), "/settings", json!({ "custom_fields": retyped("text") })).await;
    let relabelled = {
        let mut fields = definitions();
        fields[2]["label"] = json!("Spend");
        api.patch(&admin(), "/settings", json!({ "custom_fields": fields })).await
    };
    api.patch(&admin(), &path, json!({ "custom": { "spend": null } })).await;
    let allowed = api.patch(&admin(), "/settings", json!({ "custom_fields": retyped("text") })).await;

    assert_eq!(
        (refused.status, refused.problem_code().as_str()),
        (409, "custom-field-in-use"),
        "{}",
        refused.body
    );
    assert!(refused.json()["detail"].as_str().unwrap().contains("custom.spend"), "{}", refused.body);
    assert_eq!(relabelled.status, 200, "a label changes freely: {}", relabelled.body);
    assert_eq!(allowed.status, 200, "no value left: {}", allowed.body);
    assert_eq!(allowed.json()["custom_fields"][2]["type"], "text");
}

#[tokio::test]
async fn bad_definitions_are_named_at_once() {
    let api = TestApi::new().await;
    let res = api
        .patch(
            &admin(),
            "/settings",
            json!({ "custom_fields": [
                { "key": "Region", "label": "R", "type": "select", "options": ["a"] },
                { "key": "b", "label": "B", "type": "select" },
                { "key": "c", "label": "C", "type": "colour" },
            ] }),
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(
        fields_named(&res),
        ["custom_fields[0].key", "custom_fields[1].options", "custom_fields[2].type"]
    );
}

#[tokio::test]
async fn browsing_filters_on_a_select_or_multi_select_option() {
    let api = TestApi::new().await;
    define(&api, definitions()).await;
    let (acme, globex) = (given_acme(&api).await, given_client(&api, &admin(), "Globex").await);
    for (client, name, custom) in [
        (&acme, "Ada", json!({ "region": "North", "channels": ["mail", "chat"] })),
        (&globex, "Grace", json!({ "region": "North", "channels": ["phone"] })),
        (&acme, "Hopper", json!({ "region": "South", "channels": ["chat"] })),
    ] {
        let body = json!({ "last_name": name, "phone": "+14155550100", "custom": custom });
        given_contact(&api, &admin(), client, body).await;
    }
    let names = |page: Value| -> Vec<String> {
        (page["items"].as_array().unwrap().iter())
            .map(|c| c["last_name"].as_str().unwrap().to_owned())
            .collect()
    };

    let north = api.get(&admin(), "/contacts?custom.region=North").await.json();
    let deep_object = api.get(&admin(), "/contacts?custom%5Bregion%5D=North").await.json();
    let chat = api.get(&admin(), "/contacts?custom.channels=chat").await.json();
    let both = api.get(&admin(), "/contacts?custom.region=North&custom.channels=chat").await.json();
    let not_select = api.get(&admin(), "/contacts?custom.spend=3").await;
    let not_option = api.get(&admin(), "/contacts?custom.region=East").await;
    let not_field = api.get(&admin(), "/contacts?custom.colour=red").await;

    assert_eq!(names(north), ["Ada", "Grace"]);
    assert_eq!(names(deep_object), ["Ada", "Grace"], "as OpenAPI's deepObject names it");
    assert_eq!(names(chat), ["Ada", "Hopper"]);
    assert_eq!(names(both), ["Ada"]);
    for res in [not_select, not_option, not_field] {
        assert_eq!(res.status, 400, "{}", res.body);
    }
}

#[tokio::test]
async fn an_export_filters_on_an_option_as_browsing_does() {
    // Given contacts in each region
    let mut api = TestApi::new().await;
    let mut run = ExportRun::of(&mut api).await;
    define(&api, definitions()).await;
    let acme = given_acme(&api).await;
    for (name, region) in [("Ada", "North"), ("Hopper", "South")] {
        let body = json!({ "last_name": name, "phone": "+14155550100", "custom": { "region": region } });
        given_contact(&api, &admin(), &acme, body).await;
    }

    // When the North is exported as JSON, and an option the field lacks is asked for
    let queued =
        api.post(&admin(), "/exports", json!({ "format": "json", "custom": { "region": "North" } })).await;
    let refused =
        api.post(&admin(), "/exports", json!({ "custom": { "region": "East", "spend": "1" } })).await;
    run.drain().await;

    // Then the file holds the North's contacts alone, and each bad filter is named
    assert_eq!(queued.status, 202, "{}", queued.body);
    let job = api.get(&admin(), &format!("/exports/{}", queued.json()["id"].as_str().unwrap())).await.json();
    let (_, _, file) = download(job["download_url"].as_str().expect("a link")).await;
    let file: Value = serde_json::from_slice(&file).unwrap();
    let names: Vec<&str> =
        file.as_array().unwrap().iter().map(|c| c["last_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ada"]);
    assert_eq!(
        (refused.status, fields_named(&refused)),
        (422, vec!["custom.region".to_owned(), "custom.spend".to_owned()])
    );
}

#[tokio::test]
async fn an_import_fills_a_column_per_field_and_an_export_writes_them_back_unchanged() {
    // Given t1's fields and a file filling them
    let mut api = TestApi::new().await;
    let mut run = ExportRun::of(&mut api).await;
    define(&api, definitions()).await;
    let acme = given_acme(&api).await;
    let csv =
        "email,last_name,custom.region,custom.channels,custom.spend,custom.renewal,custom.vip,custom.note\n\
               ada@x.test,Lovelace,North,mail|chat,-2.5,2027-03-01,yes,\"=1+1, said\"\n\
               grace@x.test,Hopper,South,,1200,,,\n\
               bad@x.test,Bad,East,,,,,\n";
    let path = format!("/clients/{acme}/contacts/import");
    let csv_type = [("content-type", "text/csv")];

    // When it is imported
    let imported = api.send(&admin(), "POST", &path, &csv_type, Some(csv.to_owned())).await;

    // Then each row's values are set, and a bad value fails its row alone
    let report = imported.json();
    assert_eq!((report["created"].as_u64(), report["failed"].as_u64()), (Some(2), Some(1)), "{report}");
    assert_eq!(report["errors"][0]["errors"][0]["field"], "custom.region", "{report}");
    let ada = api.get(&admin(), "/contacts?email=ada@x.test").await.json();
    assert_eq!(
        ada["items"][0]["custom"],
        json!({ "region": "North", "channels": ["mail", "chat"], "spend": -2.5,
            "renewal": "2027-03-01", "vip": true, "note": "=1+1, said" })
    );

    // When the client is exported as CSV and imported again
    let queued = api.post(&admin(), "/exports", json!({ "client_ids": [acme] })).await.json();
    run.drain().await;
    let job = api.get(&admin(), &format!("/exports/{}", queued["id"].as_str().unwrap())).await.json();
    let (_, _, file) = download(job["download_url"].as_str().expect("a link")).await;
    let file = String::from_utf8(file).unwrap();
    let again = api.send(&admin(), "POST", &path, &csv_type, Some(file.clone())).await.json();

    // Then the file has a column per field, after the others, and every row is unchanged
    let header = file.trim_start_matches('\u{feff}').lines().next().unwrap().to_owned();
    assert!(
        header.ends_with(",custom.region,custom.channels,custom.spend,custom.renewal,custom.vip,custom.note"),
        "{header}"
    );
    assert!(file.contains("'=1+1, said"), "a formula is quoted: {file}");
    assert_eq!((again["unchanged"].as_u64(), again["failed"].as_u64()), (Some(2), Some(0)), "{again}");
    assert_invariants(&api).await;
}
