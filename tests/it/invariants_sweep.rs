//! The invariant checker on the sweep index: it holds exactly the sweepable contacts, each
//! under the key of its next due action (or that action's lease while its email is pending).

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use testkit::invariants::{violations, Item, Rule};
use testkit::TestApi;
use time::{Duration, OffsetDateTime};

use crate::invariants::{broken_rules, contact_key, s, update_raw};
use crate::support::{contact_path, given_client, given_contact, unique_email};

/// The sweep index partition of the contact `id`, as the service computes it.
fn shard_of(id: &str) -> String {
    shared::domain::sweep::sweep_partition(shared::domain::ContactId::parse(id).expect("contact id"))
}

fn day(offset: i64) -> String {
    (OffsetDateTime::now_utc().date() + Duration::days(offset)).to_string()
}

/// A contact invited to the portal whose support ends in 30 days: in the index, reminder due.
async fn given_invited_with_support_end(api: &TestApi) -> (String, Value) {
    let admin = TestApi::admin("t1");
    let acme = given_client(api, &admin, "Acme").await;
    let body =
        json!({ "last_name": "L", "email": unique_email("swept"), "portal": { "support_end": day(30) } });
    let c = given_contact(api, &admin, &acme, body).await;
    let res = api.post(&admin, &format!("{}/invite", contact_path(&acme, &c)), json!({})).await;
    assert_eq!(res.status, 202, "{}", res.body);
    (acme, c)
}

async fn index_key(api: &TestApi, id: &str) -> String {
    let items = api.scan().await;
    let item =
        items.iter().find(|i| i.get("id") == Some(&s(id)) && i.contains_key("GSI1SK")).expect("indexed");
    item["GSI1SK"].as_s().expect("GSI1SK").clone()
}

#[tokio::test]
async fn a_sweepable_contact_missing_from_the_index_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, c) = given_invited_with_support_end(&api).await;
    let (pk, sk) = contact_key(&acme, &c);
    update_raw(&api, (&pk, &sk), "REMOVE GSI1PK, GSI1SK", &[]).await;

    assert_eq!(broken_rules(api).await, [Rule::SweepIndex]);
}

#[tokio::test]
async fn an_index_key_that_is_not_the_contacts_next_action_is_a_violation() {
    type Corruption = (&'static str, fn(&str) -> String);
    let wrong: [Corruption; 4] = [
        ("another contact", |key| format!("{}01J00000000000000000000000", &key[..key.len() - 26])),
        ("revocation before the reminder", |key| key.replace("#REMIND#", "#REVOKE#")),
        ("a day late", |key| format!("{}{}", day(17), &key[10..])),
        ("no action", |key| key.replace("#REMIND#", "#NOTHING#")),
    ];
    for (what, corrupt) in wrong {
        let api = TestApi::new().await;
        let (acme, c) = given_invited_with_support_end(&api).await;
        let key = index_key(&api, c["id"].as_str().unwrap()).await;
        let (pk, sk) = contact_key(&acme, &c);
        update_raw(&api, (&pk, &sk), "SET GSI1SK = :k", &[(":k", s(&corrupt(&key)))]).await;

        assert_eq!(broken_rules(api).await, [Rule::SweepIndex], "{what}");
    }
}

#[tokio::test]
async fn a_contact_without_portal_access_in_the_index_is_a_violation() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let body = json!({ "last_name": "L", "email": unique_email("np"), "portal": { "support_end": day(30) } });
    let c = given_contact(&api, &admin, &acme, body).await;
    let id = c["id"].as_str().unwrap();
    let (pk, sk) = contact_key(&acme, &c);
    let key = format!("{}T00:00:00Z#REMIND#t1#{acme}#{id}", day(16));
    let values = [(":p", s(&shard_of(id))), (":k", s(&key))];
    update_raw(&api, (&pk, &sk), "SET GSI1PK = :p, GSI1SK = :k", &values).await;

    assert_eq!(broken_rules(api).await, [Rule::SweepIndex]);
}

#[tokio::test]
async fn an_item_other_than_a_contact_in_the_index_is_a_violation() {
    let api = TestApi::new().await;
    let acme = given_client(&api, &TestApi::admin("t1"), "Acme").await;
    let key = format!("{}T00:00:00Z#REVOKE#t1#{acme}#{acme}", day(1));
    let values = [(":p", s(&shard_of(&acme))), (":k", s(&key))];
    update_raw(&api, ("TENANT#t1", &format!("CLIENT#{acme}")), "SET GSI1PK = :p, GSI1SK = :k", &values).await;

    assert_eq!(broken_rules(api).await, [Rule::SweepIndex]);
}

#[tokio::test]
async fn an_index_key_outside_the_sweep_partition_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, c) = given_invited_with_support_end(&api).await;
    let (pk, sk) = contact_key(&acme, &c);
    update_raw(&api, (&pk, &sk), "SET GSI1PK = :p", &[(":p", s("SWEPT"))]).await;

    assert_eq!(broken_rules(api).await, [Rule::SweepIndex]);
}

#[tokio::test]
async fn an_index_key_in_another_shard_than_the_contacts_own_is_a_violation() {
    let api = TestApi::new().await;
    let (acme, c) = given_invited_with_support_end(&api).await;
    let own = shard_of(c["id"].as_str().unwrap());
    let other = if own == "SWEEP#00" { "SWEEP#01" } else { "SWEEP#00" };
    let (pk, sk) = contact_key(&acme, &c);
    update_raw(&api, (&pk, &sk), "SET GSI1PK = :p", &[(":p", s(other))]).await;

    assert_eq!(broken_rules(api).await, [Rule::SweepIndex]);
}

#[tokio::test]
async fn an_index_key_in_the_unsharded_partition_of_old_tables_is_a_violation_in_a_new_one() {
    let api = TestApi::new().await;
    let (acme, c) = given_invited_with_support_end(&api).await;
    let (pk, sk) = contact_key(&acme, &c);
    update_raw(&api, (&pk, &sk), "SET GSI1PK = :p", &[(":p", s("SWEEP"))]).await;

    assert_eq!(broken_rules(api).await, [Rule::SweepIndex]);
}

const CLIENT: &str = "01J0000000000000000000000C";
const CONTACT: &str = "01J0000000000000000000000K";

/// A client with one contact (its primary, last name L, no email) and its search item, support
/// ending 2027-03-31, in `status`, reminded for `reminded_for`, indexed under `due#action`.
fn table(status: &str, reminded_for: Option<&str>, due_action: &str) -> Vec<Item> {
    let item =
        |pairs: &[(&str, &str)]| -> Item { pairs.iter().map(|(k, v)| (k.to_string(), s(v))).collect() };
    let mut client = item(&[("PK", "TENANT#t1"), ("SK", &format!("CLIENT#{CLIENT}")), ("entity", "client")]);
    client.insert("id".into(), s(CLIENT));
    client.insert("contact_count".into(), AttributeValue::N("1".into()));
    client.insert("primary_contact_id".into(), s(CONTACT));
    let mut contact = item(&[
        ("PK", &format!("TENANT#t1#CLIENT#{CLIENT}")),
        ("SK", &format!("CONTACT#{CONTACT}")),
        ("entity", "contact"),
        ("id", CONTACT),
        ("client_id", CLIENT),
        ("portal_status", status),
        ("support_end", "2027-03-31"),
        ("GSI1PK", &shard_of(CONTACT)),
        ("GSI1SK", &format!("{due_action}#t1#{CLIENT}#{CONTACT}")),
        ("last_name", "L"),
        ("GSI2SK", "l\u{1}"),
        ("GSI3PK", "TENANT#t1#CONTACTS"),
    ]);
    let find = item(&[
        ("PK", "TENANT#t1#FIND"),
        ("SK", &format!("l#{CONTACT}")),
        ("entity", "find"),
        ("client_id", CLIENT),
        ("contact_id", CONTACT),
    ]);
    contact.insert("is_primary".into(), AttributeValue::Bool(true));
    if let Some(date) = reminded_for {
        contact.insert("reminded_for".into(), s(date));
    }
    vec![client, contact, find]
}

fn rules(items: &[Item]) -> Vec<Rule> {
    violations(items).into_iter().map(|v| v.rule).collect()
}

#[test]
fn the_next_action_is_derived_from_the_contacts_support_end_and_reminder() {
    assert_eq!(rules(&table("active", None, "2027-03-17T00:00:00Z#REMIND")), []);
    assert_eq!(rules(&table("active", Some("2026-09-30"), "2027-03-17T00:00:00Z#REMIND")), []);
    assert_eq!(rules(&table("active", Some("2027-03-31"), "2027-04-01T00:00:00Z#REVOKE")), []);

    assert_eq!(rules(&table("active", None, "2027-03-18T00:00:00Z#REMIND")), [Rule::SweepIndex]);
    assert_eq!(rules(&table("active", None, "2027-04-01T00:00:00Z#REVOKE")), [Rule::SweepIndex]);
    assert_eq!(
        rules(&table("active", Some("2027-03-31"), "2027-03-17T00:00:00Z#REMIND")),
        [Rule::SweepIndex]
    );
}

/// `items` with the contact's last change (a claim stamps it) at `at`.
fn changed_at(mut items: Vec<Item>, at: &str) -> Vec<Item> {
    items[1].insert("updated_at".into(), s(at));
    items
}

/// `items` with the contact's activity recording a sweep email of `kind` sent at `at`.
fn with_notice(mut items: Vec<Item>, kind: &str, at: &str) -> Vec<Item> {
    let expires = OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).unwrap()
        + Duration::days(365);
    let mut entry: Item = [
        ("PK", format!("TENANT#t1#CONTACT#{CONTACT}#ACTIVITY")),
        ("SK", format!("AT#{at}#m-1")),
        ("entity", "activity".into()),
        ("tenant_id", "t1".into()),
        ("client_id", CLIENT.into()),
        ("contact_id", CONTACT.into()),
        ("kind", "email".into()),
        ("email_kind", kind.into()),
        ("message_id", "m-1".into()),
        ("at", at.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), s(&v)))
    .collect();
    entry.insert("expires_at".into(), AttributeValue::N(expires.unix_timestamp().to_string()));
    items.push(entry);
    items
}

#[test]
fn a_claimed_action_may_sit_under_its_lease_after_it_was_due() {
    // A reminder claimed on 2027-03-20 at 10:00 (recorded for this end), its email pending.
    let reminder = table("active", Some("2027-03-31"), "2027-03-20T10:15:00Z#REMIND");
    assert_eq!(rules(&changed_at(reminder, "2027-03-20T10:00:00.000Z")), []);
    // A revocation claimed on 2027-04-02 (access ended), its email pending.
    let revocation = table("revoked", None, "2027-04-02T00:15:00Z#REVOKE");
    assert_eq!(rules(&changed_at(revocation, "2027-04-02T00:00:00.000Z")), []);

    // A lease is never before the action was due, nor left by anything but a claim.
    let claimed =
        |status, reminded_for, key| changed_at(table(status, reminded_for, key), "2027-03-20T10:00:00.000Z");
    assert_eq!(rules(&claimed("revoked", None, "2027-04-01T00:00:00Z#REVOKE")), [Rule::SweepIndex]);
    assert_eq!(rules(&claimed("revoked", None, "2027-03-20T10:15:00Z#REMIND")), [Rule::SweepIndex]);
    assert_eq!(rules(&claimed("active", None, "2027-03-20T10:15:00Z#REMIND")), [Rule::SweepIndex]);
    assert_eq!(
        rules(&claimed("none", Some("2027-03-31"), "2027-03-20T10:15:00Z#REMIND")),
        [Rule::SweepIndex]
    );
}

#[test]
fn a_lease_ending_more_than_fifteen_minutes_after_its_claim_is_a_violation() {
    let revoked_under = |lease: &str| {
        let items = table("revoked", None, &format!("{lease}#REVOKE"));
        rules(&changed_at(items, "2027-04-02T00:00:00.000Z"))
    };
    assert_eq!(revoked_under("2027-04-02T00:15:00Z"), []);

    assert_eq!(revoked_under("2027-04-02T00:15:01Z"), [Rule::SweepIndex]);
    assert_eq!(revoked_under("9999-12-31T00:00:00Z"), [Rule::SweepIndex], "a lease that never ends");
    let unstamped = table("revoked", None, "2027-04-02T00:15:00Z#REVOKE");
    assert_eq!(rules(&unstamped), [Rule::SweepIndex], "a lease no claim stamped");
}

#[test]
fn a_contact_left_under_its_lease_after_its_email_went_out_is_a_violation() {
    let claimed_revocation =
        || changed_at(table("revoked", None, "2027-04-02T00:15:00Z#REVOKE"), "2027-04-02T00:00:00.000Z");
    let claimed_reminder = || {
        let items = table("active", Some("2027-03-31"), "2027-03-20T10:15:00Z#REMIND");
        changed_at(items, "2027-03-20T10:00:00.000Z")
    };
    // An email of another window, before the claim, leaves the lease standing.
    assert_eq!(rules(&with_notice(claimed_revocation(), "revocation", "2026-04-02T00:00:00.000Z")), []);
    assert_eq!(rules(&with_notice(claimed_revocation(), "support_reminder", "2027-04-02T00:00:01.000Z")), []);

    // The notice went out after the claim, yet the contact was never moved out of the index.
    let notified = with_notice(claimed_revocation(), "revocation", "2027-04-02T00:00:01.000Z");
    assert_eq!(rules(&notified), [Rule::SweepIndex], "a revoked contact left in the index");
    let reminded = with_notice(claimed_reminder(), "support_reminder", "2027-03-20T10:00:00.000Z");
    assert_eq!(rules(&reminded), [Rule::SweepIndex], "a reminded contact left under the reminder's lease");
}
