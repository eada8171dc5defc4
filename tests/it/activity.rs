//! A contact's activity (`GET .../contacts/{contactId}/activity`): every email it was sent and
//! what became of it, newest first, paged like the other lists, kept for the retention.

use serde_json::{json, Value};
use shared::feedback::record;
use testkit::TestApi;

use crate::portal::given_portal_user;
use crate::support::{
    assert_invariants, contact_path, given_client, given_contact, later, ses_event, unique_email, SentEmail,
};

/// A client of t1 and its contact (opted into `invoice`), invited, then notified, then its
/// notification bounced: the invitation's and notification's message ids.
async fn given_history(api: &TestApi) -> (String, Value, [String; 2]) {
    let admin = TestApi::admin("t1");
    let client = given_client(api, &admin, "Acme").await;
    let body = json!({ "last_name": "Ada", "email": unique_email("ada"), "notifications": ["invoice"] });
    let ada = given_contact(api, &admin, &client, body).await;
    let invited = api.post(&admin, &format!("{}/invite", contact_path(&client, &ada)), json!({})).await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    later(api, 1);
    let body = json!({ "topic": "invoice", "subject": "Invoice INV-9", "text": "Ready." });
    let report = api.post(&admin, &format!("/clients/{client}/notifications"), body).await.json();
    let notification = report["sent"][0]["message_id"].as_str().unwrap().to_owned();
    let sent = SentEmail {
        tenant: "t1".into(),
        client: client.clone(),
        contact: ada["id"].as_str().unwrap().to_owned(),
        address: ada["email"].as_str().unwrap().to_owned(),
        message_id: notification.clone(),
    };
    record(&api.app.feedback(), ses_event("record-email-event", &sent, &later(api, 60))).await.unwrap();
    let invitation = invitation_id(api, &ada).await;
    (client, ada, [invitation, notification])
}

/// The SES message id of the invitation the emulator holds for `contact`.
async fn invitation_id(_api: &TestApi, contact: &Value) -> String {
    let mail = testkit::mail::messages_to(contact["email"].as_str().unwrap()).await;
    mail[0]["messageId"].as_str().expect("the emulator's message id").to_owned()
}

fn activity_path(client: &str, contact: &Value) -> String {
    format!("{}/activity", contact_path(client, contact))
}

#[tokio::test]
async fn the_activity_shows_the_invitation_the_notification_and_the_bounce_newest_first() {
    let api = TestApi::new().await;
    let (client, ada, [invitation, notification]) = given_history(&api).await;

    let res = api.get(&TestApi::reader("t1"), &activity_path(&client, &ada)).await;

    assert_eq!(res.status, 200, "{}", res.body);
    let body = res.json();
    let items = body["items"].as_array().unwrap();
    let seen: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|i| {
            let what = i["email_kind"].as_str().or(i["outcome"].as_str()).unwrap();
            (i["kind"].as_str().unwrap(), what, i["message_id"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("delivery", "bounced", notification.as_str()),
            ("email", "notification", notification.as_str()),
            ("email", "invitation", invitation.as_str()),
        ]
    );
    assert_eq!(
        (items[1]["topic"].as_str(), items[1]["subject"].as_str()),
        (Some("invoice"), Some("Invoice INV-9"))
    );
    assert_eq!(items[0]["reason"], "Permanent bounce (General), status 5.1.1");
    assert_eq!(items[2]["actor"], "user-of-t1", "{}", items[2]);
    assert_eq!(body["next_cursor"], Value::Null);
    assert!(items.iter().all(|i| i.get("email").is_none()), "no address in the history");
    assert_invariants(&api).await;
}

#[tokio::test]
async fn a_password_reset_shows_in_the_activity_as_a_password_reset_email_newest_first() {
    let api = TestApi::new().await;
    let ada = given_portal_user(&api, "t1").await;
    later(&api, 1);

    let res = api.post(&TestApi::admin("t1"), &format!("{}/password-reset", ada.path()), json!({})).await;

    assert_eq!(res.status, 202, "{}", res.body);
    let mail = testkit::mail::messages_to(&ada.email).await;
    let ids: Vec<&str> = mail.iter().map(|m| m["messageId"].as_str().expect("a message id")).collect();
    let [invitation, reset] = ids[..] else { panic!("an invitation and a reset: {mail:?}") };
    let history = api.get(&TestApi::reader("t1"), &activity_path(&ada.client, &ada.contact)).await.json();
    let items = history["items"].as_array().unwrap();
    let emails: Vec<(&str, &str)> = items
        .iter()
        .filter(|i| i["kind"] == "email")
        .map(|i| (i["email_kind"].as_str().unwrap(), i["message_id"].as_str().unwrap()))
        .collect();
    assert_eq!(emails, [("password_reset", reset), ("invitation", invitation)]);
    assert_eq!((items[0]["kind"].as_str(), items[0]["message_id"].as_str()), (Some("email"), Some(reset)));
    assert_eq!(items[0]["actor"], "user-of-t1", "{}", items[0]);
}

#[tokio::test]
async fn the_activity_pages_with_the_lists_cursor_and_the_cursor_opens_only_its_own_list() {
    let api = TestApi::new().await;
    let (client, ada, _) = given_history(&api).await;
    let reader = TestApi::reader("t1");
    let path = activity_path(&client, &ada);
    let whole = api.get(&reader, &path).await.json()["items"].clone();

    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_path = match &cursor {
            Some(c) => format!("{path}?limit=1&cursor={c}"),
            None => format!("{path}?limit=1"),
        };
        let page = api.get(&reader, &page_path).await.json();
        paged.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(paged.len() <= 3, "the pages end");
    }
    let first = api.get(&reader, &format!("{path}?limit=1")).await.json();
    let other = given_contact(
        &api,
        &TestApi::admin("t1"),
        &client,
        json!({ "last_name": "Bob", "phone": "+12025550143" }),
    )
    .await;
    let replayed =
        format!("{}?cursor={}", activity_path(&client, &other), first["next_cursor"].as_str().unwrap());

    assert_eq!(Value::Array(paged), whole);
    assert_eq!(api.get(&reader, &replayed).await.status, 400);
}

#[tokio::test]
async fn an_unknown_contact_or_another_tenants_contact_has_no_activity() {
    let api = TestApi::new().await;
    let (client, ada, _) = given_history(&api).await;
    let unknown = format!("/clients/{client}/contacts/{}/activity", shared::domain::ContactId::generate());

    let missing = api.get(&TestApi::reader("t1"), &unknown).await;
    let foreign = api.get(&TestApi::admin("t2"), &activity_path(&client, &ada)).await;
    let other_client = given_client(&api, &TestApi::admin("t1"), "Globex").await;
    let wrong_client = api.get(&TestApi::admin("t1"), &activity_path(&other_client, &ada)).await;

    for res in [missing, foreign, wrong_client] {
        assert_eq!((res.status, res.problem_code()), (404, "not-found".to_owned()), "{}", res.body);
    }
}

#[tokio::test]
async fn activity_items_expire_after_the_retention() {
    let mut api = TestApi::new().await;
    api.app.email.activity_retention_days = 30;
    let (_, ada, _) = given_history(&api).await;

    let items = api.scan().await;
    let activity: Vec<_> = items
        .iter()
        .filter(|i| i.get("entity").and_then(|e| e.as_s().ok()).is_some_and(|e| e == "activity"))
        .collect();

    assert_eq!(activity.len(), 3);
    for item in activity {
        let at = item["at"].as_s().unwrap();
        let at = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).unwrap();
        let expires: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
        assert_eq!(expires - at.unix_timestamp(), 30 * 86_400, "{item:?}");
        assert_eq!(item["contact_id"].as_s().unwrap(), ada["id"].as_str().unwrap());
    }
}

#[tokio::test]
async fn a_notification_to_hand_picked_contacts_reaches_them_opted_in_or_not_and_reports_unknown_ids() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let primary =
        given_contact(&api, &admin, &client, json!({ "last_name": "Prim", "email": unique_email("prim") }))
            .await;
    let picked =
        given_contact(&api, &admin, &client, json!({ "last_name": "Pick", "email": unique_email("pick") }))
            .await;
    let no_mail =
        given_contact(&api, &admin, &client, json!({ "last_name": "Phone", "phone": "+12025550143" })).await;
    let stranger = shared::domain::ContactId::generate().to_string();
    let body = json!({ "contact_ids": [picked["id"], no_mail["id"], stranger], "include_primary": true,
        "subject": "Contract renewal", "text": "Please review." });

    let res = api.post(&admin, &format!("/clients/{client}/notifications"), body).await;

    assert_eq!(res.status, 202, "{}", res.body);
    let report = res.json();
    let mut sent: Vec<&Value> = report["sent"].as_array().unwrap().iter().map(|d| &d["contact_id"]).collect();
    sent.sort_by_key(|v| v.as_str().map(str::to_owned));
    let mut expected = vec![&primary["id"], &picked["id"]];
    expected.sort_by_key(|v| v.as_str().map(str::to_owned));
    assert_eq!(sent, expected);
    assert_eq!(report["topic"], Value::Null);
    assert_eq!(report["no_email"], json!([no_mail["id"]]));
    assert_eq!(report["unknown_contact_ids"], json!([stranger]));
    let history = api.get(&admin, &activity_path(&client, &picked)).await.json();
    let item = &history["items"][0];
    assert_eq!(
        (item["email_kind"].as_str(), item.get("topic"), item["subject"].as_str()),
        (Some("notification"), None, Some("Contract renewal"))
    );
}

#[tokio::test]
async fn a_notification_names_its_recipients_by_topic_or_by_hand_and_at_most_a_hundred() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let client = given_client(&api, &admin, "Acme").await;
    let path = format!("/clients/{client}/notifications");
    let ids: Vec<String> = (0..101).map(|_| shared::domain::ContactId::generate().to_string()).collect();

    let both = api
        .post(
            &admin,
            &path,
            json!({ "topic": "invoice", "contact_ids": [ids[0]], "subject": "s", "text": "t" }),
        )
        .await;
    let too_many = api.post(&admin, &path, json!({ "contact_ids": ids, "subject": "s", "text": "t" })).await;

    for res in [both, too_many] {
        assert_eq!((res.status, res.problem_code()), (422, "validation-failed".to_owned()), "{}", res.body);
        assert_eq!(res.json()["errors"][0]["field"], "contact_ids");
    }
}
