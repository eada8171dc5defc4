//! Demo data for local runs: a few clients with contacts, written through the same domain
//! rules and store calls as the API. Ids are fixed, so the sample events in `events/` find
//! them, and seeding again adds only what is missing.

use serde_json::{json, Value};
use shared::domain::dates::format_timestamp;
use shared::domain::invite::TokenHash;
use shared::domain::note::{Note, NotePatch};
use shared::domain::tag::{Tag, TagPatch};
use shared::domain::{
    Audit, Client, ClientFields, ClientId, ClientPatch, Contact, ContactFields, ContactId, ContactPatch,
    DomainError, NoteId, Stamp, TagId, TenantId,
};
use shared::store::{Created, NewInvite, StoreError, StoreResult};
use shared::App;
use time::{Date, Duration};

/// The client the sample events use.
pub const DEMO_CLIENT: &str = "01JDEM0C11ENT0000000000000";
/// Its primary contact, which the sample events use.
pub const DEMO_CONTACT: &str = "01JDEM0C0NTACT000000000000";
/// The token of the portal invitation seeded for that contact (base64url, as the service's
/// are), so that the sample event and openapi.yaml's example of accepting an invitation reach
/// past "no such invitation" on a freshly seeded stack. Local demo data only.
pub const DEMO_INVITATION_TOKEN: &str = "ZGVtby1pbnZpdGF0aW9uLWZvci1sb2NhbC11c2Utb25s";

/// Two notes on the demo contact, written with it: a logged call, which the sample event of
/// changing a note names, and a note the sample event of deleting one names.
pub const DEMO_NOTES: [&str; 2] = ["01JDEM0N0TE000000000000000", "01JDEM0N0TE000000000000001"];

/// A tag of the demo tenant, made with the demo contact (not on it): the sample events of
/// tagging name it, and the conformance run tags the demo contact with it.
pub const DEMO_TAG: &str = "01JDEM0TAG0000000000000000";
const DEMO_TAG_NAME: &str = "Reference customer";

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub clients_created: usize,
    pub contacts_created: usize,
    /// Seed contacts whose email another contact of the tenant already has.
    pub contacts_skipped: usize,
    /// 1 when the demo contact was created now and invited with `DEMO_INVITATION_TOKEN`.
    pub invitations_created: usize,
    /// 2 when the demo contact was created now with its notes `DEMO_NOTES`.
    pub notes_created: usize,
    /// 1 when the demo tag `DEMO_TAG` was made now (with the demo contact).
    pub tags_created: usize,
}

struct DemoClient {
    id: &'static str,
    body: Value,
    contacts: Vec<(&'static str, Value)>,
}

fn demo_data(today: Date) -> Vec<DemoClient> {
    vec![acme(today), globex(), initech()]
}

/// The client the sample events use: its primary contact (invited to the portal) and two more.
fn acme(today: Date) -> DemoClient {
    // A support window around today, so the portal invitation of the sample event is allowed.
    let portal = json!({
        "support_start": (today - Duration::days(30)).to_string(),
        "support_end": (today + Duration::days(365)).to_string(),
    });
    DemoClient {
        id: DEMO_CLIENT,
        body: json!({"name": "Acme Ltd", "email": "billing@acme.example", "website": "https://acme.example",
                     "address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}}),
        contacts: vec![
            (
                DEMO_CONTACT,
                json!({"salutation": "Ms.", "first_name": "Ada", "last_name": "Lovelace",
                "job_title": "CFO", "department": "Finance", "email": "ada.lovelace@acme.example",
                "mobile": "+1 202 555 0101", "notifications": ["invoice", "credit_note", "estimate"],
                "permissions": ["invoices", "estimates", "support"], "portal": portal}),
            ),
            (
                "01JDEM0C0NTACT000000000001",
                json!({"first_name": "Grace", "last_name": "Hopper",
                "job_title": "Head of Engineering", "email": "grace.hopper@acme.example",
                "line_manager_id": DEMO_CONTACT, "notifications": ["invoice", "timesheet_approval", "project"],
                "permissions": ["projects", "support"]}),
            ),
            (
                "01JDEM0C0NTACT000000000002",
                json!({"first_name": "Charles", "last_name": "Babbage",
                "job_title": "Engineer", "mobile": "+1 202 555 0102", "notifications": ["ticket"]}),
            ),
        ],
    }
}

fn globex() -> DemoClient {
    DemoClient {
        id: "01JDEM0C11ENT0000000000001",
        body: json!({"name": "Globex Corporation", "email": "accounts@globex.example", "phone": "+1 202 555 0110"}),
        contacts: vec![
            (
                "01JDEM0C0NTACT000000000003",
                json!({"first_name": "Hank", "last_name": "Scorpio",
                "job_title": "CEO", "email": "hank@globex.example",
                "notifications": ["invoice", "contract", "estimate"], "permissions": ["contracts", "invoices"]}),
            ),
            (
                "01JDEM0C0NTACT000000000004",
                json!({"first_name": "Frank", "last_name": "Grimes",
                "email": "frank@globex.example", "phone": "+1 202 555 0111", "notifications": ["ticket", "task"]}),
            ),
        ],
    }
}

fn initech() -> DemoClient {
    DemoClient {
        id: "01JDEM0C11ENT0000000000002",
        body: json!({"name": "Initech", "website": "https://initech.example"}),
        contacts: vec![(
            "01JDEM0C0NTACT000000000005",
            json!({"first_name": "Peter", "last_name": "Gibbons",
            "email": "peter@initech.example", "notifications": ["invoice", "timesheet_approval"]}),
        )],
    }
}

fn object(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("seed bodies are objects"),
    }
}

fn id<T>(raw: &str, parse: fn(&str) -> Option<T>) -> T {
    parse(raw).unwrap_or_else(|| panic!("seed id {raw} is a ULID"))
}

/// Adds the demo clients and contacts that `tenant` does not have yet.
pub async fn seed_demo(app: &App, tenant: &TenantId) -> StoreResult<SeedReport> {
    let now = app.clock.now();
    let stamp = Stamp { at: format_timestamp(now), by: "seed-demo".into() };
    let mut report = SeedReport::default();
    for demo in demo_data(now.date()) {
        let client_id = id(demo.id, ClientId::parse);
        match app.store.get_client(tenant, client_id).await {
            Ok(_) => {}
            Err(StoreError::Refused(DomainError::NotFound(_))) => {
                let fields =
                    ClientFields::create(ClientPatch::parse(object(demo.body), app.phone_region, true)?)?;
                let client = Client {
                    id: client_id,
                    fields,
                    primary_contact_id: None,
                    contact_count: 0,
                    archived_count: 0,
                    audit: Audit::new(&stamp),
                };
                app.store.create_client(tenant, &client, None).await?;
                report.clients_created += 1;
            }
            Err(e) => return Err(e),
        }
        for (contact_id, body) in demo.contacts {
            let contact_id = id(contact_id, ContactId::parse);
            match app.store.get_contact(tenant, client_id, contact_id).await {
                Ok(_) => continue,
                Err(StoreError::Refused(DomainError::NotFound(_))) => {}
                Err(e) => return Err(e),
            }
            let contact = Contact::new(
                contact_id,
                client_id,
                ContactFields::create(ContactPatch::parse(
                    object(body),
                    app.phone_region,
                    &Default::default(),
                    true,
                )?)?,
                &stamp,
            );
            match app.store.add_contact(tenant, contact, false, &stamp, None).await {
                Ok(Created::New(created)) if contact_id.to_string() == DEMO_CONTACT => {
                    report.contacts_created += 1;
                    report.invitations_created += invite_demo_contact(app, tenant, &created, &stamp).await?;
                    report.notes_created += notes_on_demo_contact(app, tenant, &created, &stamp).await?;
                    report.tags_created += demo_tag(app, tenant, &stamp).await?;
                }
                Ok(_) => report.contacts_created += 1,
                Err(StoreError::Refused(DomainError::EmailTaken)) => report.contacts_skipped += 1,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(report)
}

/// Makes the demo tag with its known id, unless the tenant has a tag of its name already.
async fn demo_tag(app: &App, tenant: &TenantId, stamp: &Stamp) -> StoreResult<usize> {
    let patch = TagPatch::parse(object(json!({ "name": DEMO_TAG_NAME })), true)?;
    let tag = Tag::create(id(DEMO_TAG, TagId::parse), patch, stamp)?;
    match app.store.create_tag(tenant, &tag).await {
        Ok(()) => Ok(1),
        Err(StoreError::Refused(DomainError::TagNameTaken)) => Ok(0),
        Err(e) => Err(e),
    }
}

/// Writes the demo contact's notes, with the known demo note ids.
async fn notes_on_demo_contact(
    app: &App,
    tenant: &TenantId,
    contact: &Contact,
    stamp: &Stamp,
) -> StoreResult<usize> {
    let bodies = [
        json!({ "kind": "call", "text": "Asked for the Q4 invoices by email.", "outcome": "Sent them the same day." }),
        json!({ "text": "Prefers to be called in the morning." }),
    ];
    for (demo_id, body) in DEMO_NOTES.into_iter().zip(bodies) {
        let patch = NotePatch::parse(object(body), true)?;
        let note = Note::create((contact.client_id, contact.id), patch, app.clock.now(), stamp)?;
        app.store.add_note(tenant, &Note { id: id(demo_id, NoteId::parse), ..note }).await?;
    }
    Ok(DEMO_NOTES.len())
}

/// Invites the demo contact with the known demo token, valid as long as any invitation.
async fn invite_demo_contact(
    app: &App,
    tenant: &TenantId,
    contact: &Contact,
    stamp: &Stamp,
) -> StoreResult<usize> {
    if contact.fields.email.is_none() {
        return Ok(0);
    }
    let hash = TokenHash::of(DEMO_INVITATION_TOKEN);
    let ttl = Duration::hours(i64::from(app.email.invite_ttl_hours));
    let invite = NewInvite {
        hash: &hash,
        valid_until: (app.clock.now() + ttl).unix_timestamp(),
        reminded_for: None,
        reset: false,
    };
    Ok(usize::from(app.store.begin_invite(tenant, contact, &invite, stamp).await?))
}
