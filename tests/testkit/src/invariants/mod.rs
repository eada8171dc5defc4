//! What must always hold in the table, whatever happened before: the invariant checker every
//! integration test ends with (explicitly, and again when its `TestApi` is dropped).
//!
//! It is an oracle: it reads the raw items and states the rules in its own words (key shapes,
//! email normalisation, sweep keys), borrowing nothing from the code under test. `violations`
//! is a pure function naming each broken rule; `check` panics with all of them.

mod activity;
mod custom;
mod deletions;
mod index;
mod levels;
mod markers;
mod projects;
mod quota;
mod relations;
mod shapes;
mod sweep;
mod tags;
mod tasks;

use std::collections::HashMap;
use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;

pub type Item = HashMap<String, AttributeValue>;

/// One rule of the table. Each violation names the rule it breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Every item has one of the known key shapes (README "Table").
    UnknownItem,
    /// An item's `entity` is the one its key shape calls for (none on idempotency records).
    Entity,
    /// The ids an item carries agree with the ids in its key (a contact's `id` and `client_id`,
    /// a client's `id`), and a contact id is under one client.
    KeyAttributes,
    /// An idempotency record has a well-formed key, an expiry, its fingerprint and response.
    IdempotencyRecord,
    /// An invitation is keyed by a token hash, names a contact, expires a week after its
    /// validity; names the client its contact is under (while the contact exists), and once
    /// used, its contact (while it exists) was activated (`activated_at`).
    Invitation,
    /// An export job is well formed: a known state, its end and why it failed where it has one, a TTL.
    ExportJob,
    /// Every contact is under an existing client of its tenant.
    OrphanContact,
    /// An email marker is keyed by the normalised address (trimmed, lower case) of the contact
    /// it points at, and says so in its `email`.
    MarkerKey,
    /// An email marker points at an existing contact of its tenant and names that contact's client.
    MarkerOwner,
    /// Every contact with an email has the marker of its normalised address, pointing at it.
    MissingMarker,
    /// No two contacts of a tenant share a normalised address.
    DuplicateEmail,
    /// A client with contacts counts them exactly.
    ContactCount,
    /// A client with contacts has exactly one primary, which its `primary_contact_id` names;
    /// a client without contacts names none.
    Primary,
    /// A line manager is an existing contact of the same client.
    LineManager,
    /// A contact's `report_count` is the number of contacts it manages, and its `report_ids`
    /// are exactly their ids (absent when it manages none).
    ReportCount,
    /// Only an invited contact holds an invitation, and every invited one does: an existing,
    /// unused invitation naming it, sent to its address.
    PendingInvitation,
    /// No item holds password material: passwords live only in the portal user pool, so no
    /// attribute is named like a password and no value is a password hash.
    NoPassword,
    /// The sweep index holds exactly the sweepable contacts, each under its next due action
    /// (or that action's lease while a sweep sends its email: ending at most 15 minutes after
    /// the claim, and only until the email has gone out), and nothing else.
    SweepIndex,
    /// A tenant's email quota counts no more emails in any 24 hours than the deployment's
    /// limit (`EMAIL_DAILY_QUOTA`), whatever limit the record says it was kept to.
    EmailQuota,
    /// Topic and search items match the contacts exactly: one topic item per topic a contact
    /// receives, one search item per folded term (last name, first name, email), each naming
    /// its contact, and no others.
    IndexItems,
    /// A contact's name sort key (`GSI2SK`) is its folded last name, `\u{1}`, folded first name.
    /// Its `GSI3PK` (the tenant's contacts by name) names its tenant.
    NameKey,
    /// A tenant's settings are versioned and within their bounds (invitation lifetime,
    /// signature length).
    Settings,
    /// A client's status is active or inactive (or absent: active), and each of its service
    /// levels has a positive response time no later than its resolution time.
    ClientLevels,
    /// An activity entry is keyed by its time (RFC 3339, UTC, milliseconds, the same as its
    /// `at`), has its kind's attributes, no address or message body, expires whole days after
    /// it happened, and names the client its contact is under; an entry of a deleted contact
    /// waits for its erasure (the deletion's stream record) only while the deletion record is
    /// kept, and names the client the record does.
    Activity,
    /// A task (a note of kind `task`) has a due day, an assignee and `done`, and no other
    /// entry has them; an open task carries its assignee's due-index keys (`GSI1PK =
    /// TENANT#{t}#TASKS#{assignee}`, `GSI1SK = {due}#{note id}#{contact id}`), nothing else in a
    /// history does.
    TaskIndex,
    /// A tag has a name, a version and, if any, a colour as `#rrggbb`, and the claim of its
    /// name names it; a claim names a tag of that name. A contact's tags are its tenant's, at
    /// most 20, counted by `tag_count`, each with a member item; a member item names a tag of
    /// its tenant and a contact carrying it, or a deleted contact whose deletion record is kept.
    Tags,
    /// A tenant's custom field definitions are at most 50, each a well-formed key unique in the
    /// tenant, a label, a known type and options exactly for the select types; a contact's
    /// `custom` is a non-empty map of such keys to strings, numbers, booleans or string lists.
    CustomFields,
    /// A project link is a link item naming an existing contact of its tenant and client, with
    /// a project id of 1-64 letters, digits, `-`, `_` or `.`, attributes equal to its key's
    /// parts, when (RFC 3339) and by whom it was made, and nothing else; a contact's
    /// `project_count` (absent: 0) is the number of its link items, at most 30, and its
    /// `project_ids` (a string set, absent: none) are exactly their project ids.
    ProjectLinks,
    /// A deletion record names its tenant, client (and contact) as its key does, who deleted
    /// it (`deleted_by`) and when (`deleted_at`, RFC 3339), expires two days after that, holds
    /// nothing else (no name or address of what it names), and what it names no longer exists.
    Deletion,
}

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::UnknownItem => "unknown-item",
            Rule::Entity => "entity",
            Rule::KeyAttributes => "key-attributes",
            Rule::IdempotencyRecord => "idempotency-record",
            Rule::Invitation => "invitation",
            Rule::ExportJob => "export-job",
            Rule::OrphanContact => "orphan-contact",
            Rule::MarkerKey => "marker-key",
            Rule::MarkerOwner => "marker-owner",
            Rule::MissingMarker => "missing-marker",
            Rule::DuplicateEmail => "duplicate-email",
            Rule::ContactCount => "contact-count",
            Rule::Primary => "primary",
            Rule::LineManager => "line-manager",
            Rule::ReportCount => "report-count",
            Rule::PendingInvitation => "pending-invitation",
            Rule::NoPassword => "no-password",
            Rule::SweepIndex => "sweep-index",
            Rule::EmailQuota => "email-quota",
            Rule::IndexItems => "index-items",
            Rule::NameKey => "name-key",
            Rule::Settings => "settings",
            Rule::ClientLevels => "client-levels",
            Rule::Activity => "activity",
            Rule::TaskIndex => "task-index",
            Rule::Tags => "tags",
            Rule::CustomFields => "custom-fields",
            Rule::ProjectLinks => "project-links",
            Rule::Deletion => "deletion",
        }
    }
}

/// A broken rule and what broke it.
#[derive(Clone, Debug)]
pub struct Violation {
    pub rule: Rule,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.rule.name(), self.detail)
    }
}

/// Where violations go while the rules are checked.
#[derive(Default)]
pub(crate) struct Found(Vec<Violation>);

impl Found {
    pub(crate) fn add(&mut self, rule: Rule, detail: impl Into<String>) {
        self.0.push(Violation { rule, detail: detail.into() });
    }
}

/// What the items alone cannot tell: the deployment that wrote them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// Emails a tenant may send in any 24 hours (`EMAIL_DAILY_QUOTA`).
    pub daily_email_quota: u32,
}

impl Default for Deployment {
    /// A deployment with the configuration's defaults.
    fn default() -> Self {
        Self { daily_email_quota: shared::config::EmailConfig::default().daily_quota }
    }
}

impl Deployment {
    /// The deployment `app` is configured as.
    pub fn of(app: &shared::App) -> Self {
        Self { daily_email_quota: app.email.daily_quota }
    }
}

/// Every rule the items break under a deployment with the default configuration (empty when
/// the table is sound).
pub fn violations(items: &[Item]) -> Vec<Violation> {
    violations_in(items, &Deployment::default())
}

/// Every rule the items written by `deployment` break (empty when the table is sound).
pub fn violations_in(items: &[Item], deployment: &Deployment) -> Vec<Violation> {
    let mut found = Found::default();
    let table = shapes::Table::of(items, &mut found);
    quota::check(&table, deployment, &mut found);
    relations::check(&table, &mut found);
    sweep::check(&table, &mut found);
    index::check(&table, &mut found);
    activity::check(&table, &mut found);
    tasks::check(&table, &mut found);
    tags::check(&table, &mut found);
    custom::check(&table, &mut found);
    projects::check(&table, &mut found);
    deletions::check(&table, &mut found);
    no_password(items, &mut found);
    found.0
}

/// The formats password hashes are written in (PHC strings and their elders), whatever the
/// attribute holding one is called.
const HASH_PREFIXES: [&str; 6] = ["$argon2", "$scrypt$", "$pbkdf2", "$2a$", "$2b$", "$2y$"];

/// No attribute is named like a password and no string value is a password hash.
fn no_password(items: &[Item], found: &mut Found) {
    for item in items {
        let key = (s(item, "PK").unwrap_or("?"), s(item, "SK").unwrap_or("?"));
        for (name, value) in item {
            let hash = value.as_s().is_ok_and(|v| HASH_PREFIXES.iter().any(|p| v.starts_with(p)));
            if name.to_ascii_lowercase().contains("password") || hash {
                found.add(Rule::NoPassword, format!("item {key:?} holds password material in {name}"));
            }
        }
    }
}

/// `Err` naming every broken rule, one per line, unless the items `deployment` wrote keep them
/// all.
pub fn verdict(items: &[Item], deployment: &Deployment) -> Result<(), String> {
    let found = violations_in(items, deployment);
    if found.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = found.iter().map(ToString::to_string).collect();
    Err(format!("table invariants broken:\n{}", lines.join("\n")))
}

/// Panics, naming every broken rule, unless the items `deployment` wrote keep them all.
pub fn check(items: &[Item], deployment: &Deployment) {
    if let Err(broken) = verdict(items, deployment) {
        panic!("{broken}");
    }
}

/// The key an address is unique under (README "Table": the lower-cased email; addresses are
/// stored trimmed). The checker's own, not the service's.
pub(crate) fn normalised(email: &str) -> String {
    email.trim().to_lowercase()
}

pub(crate) fn s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

pub(crate) fn num(item: &Item, name: &str) -> Option<i64> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok())
}

pub(crate) fn flag(item: &Item, name: &str) -> bool {
    item.get(name).and_then(|v| v.as_bool().ok()) == Some(&true)
}
