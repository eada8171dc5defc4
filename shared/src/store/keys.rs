//! Table keys. One table holds every item; the key prefixes keep tenants apart (tenant ids are
//! restricted to `[A-Za-z0-9_-]`, so no tenant's prefix can reach into another's).

use crate::domain::{ClientId, ContactId, Email, TenantId};

pub const PK: &str = "PK";
pub const SK: &str = "SK";

pub fn tenant_pk(t: &TenantId) -> String {
    format!("TENANT#{t}")
}

pub fn client_sk(c: ClientId) -> String {
    format!("CLIENT#{c}")
}

pub const CLIENT_SK_PREFIX: &str = "CLIENT#";

/// A tenant's export jobs (`store::exports`), in the partition of its clients: the job's
/// function is started by such an item's insert on the table's stream, filtered on this prefix
/// (template.yaml, `RunExportFunction`).
pub const EXPORT_SK_PREFIX: &str = "EXPORT#";

pub(crate) fn export_sk(id: crate::domain::ExportId) -> String {
    format!("{EXPORT_SK_PREFIX}{id}")
}

/// A tenant's settings (`store::settings`), in the partition of its clients.
pub(crate) const SETTINGS_SK: &str = "SETTINGS";

pub fn contacts_pk(t: &TenantId, c: ClientId) -> String {
    format!("TENANT#{t}#CLIENT#{c}")
}

pub fn contact_sk(id: ContactId) -> String {
    format!("CONTACT#{id}")
}

pub const CONTACT_SK_PREFIX: &str = "CONTACT#";

/// What an archived contact's sort key starts with, under its client (`store::contacts::archive`):
/// no query of `CONTACT#` items reads it.
pub const ARCHIVED_SK_PREFIX: &str = "ARCHIVED#CONTACT#";

pub fn archived_sk(id: ContactId) -> String {
    format!("{ARCHIVED_SK_PREFIX}{id}")
}

/// What every email claim's partition key of a tenant starts with; the address key follows.
pub(crate) fn email_claims_prefix(t: &TenantId) -> String {
    format!("TENANT#{t}#EMAIL#")
}

/// An email claim (`store::email_claims`): keyed by the address's key (trimmed, lower case).
pub(crate) fn email_claim_pk(t: &TenantId, email: &Email) -> String {
    format!("{}{}", email_claims_prefix(t), email.key())
}

pub const EMAIL_CLAIM_SK: &str = "EMAIL";

pub(crate) fn idempotency_pk(t: &TenantId, key: &str) -> String {
    format!("TENANT#{t}#IDEM#{key}")
}

pub(crate) const IDEMPOTENCY_SK: &str = "IDEM";

pub(crate) fn invite_pk(token_hash: &str) -> String {
    format!("INVITE#{token_hash}")
}

pub(crate) const INVITE_SK: &str = "INVITE";

/// A tenant's email quota record (`store::quota`).
pub(crate) fn quota_pk(t: &TenantId) -> String {
    format!("TENANT#{t}#QUOTA")
}

pub(crate) const QUOTA_SK: &str = "EMAIL";

/// What a client's topic items' sort keys start with, for one topic (`store::index`).
pub(crate) fn topic_sk_prefix(topic: crate::domain::NotificationTopic) -> String {
    format!("TOPIC#{}#", topic.as_str())
}

/// A topic item: the contact `id` receives emails of `topic` (under its client's partition).
pub(crate) fn topic_sk(topic: crate::domain::NotificationTopic, id: ContactId) -> String {
    format!("{}{id}", topic_sk_prefix(topic))
}

/// The partition of a tenant's search items (`store::index`).
pub(crate) fn find_pk(t: &TenantId) -> String {
    format!("TENANT#{t}#FIND")
}

/// A search item: a folded `term` the contact `id` is found by, then its id.
pub(crate) fn find_sk(term: &str, id: ContactId) -> String {
    format!("{term}#{id}")
}

/// The name sort index: the contact items of a client (`PK`) by `GSI2SK`, a name key.
pub(crate) const NAME_INDEX: &str = "GSI2";
pub const NAME_SK: &str = "GSI2SK";

/// The tenant's contacts by name (browsing every client's contacts at once): the contact items
/// of a tenant (`GSI3PK`, sparse: only contacts carry it) by `GSI2SK`, the same name key.
pub(crate) const TENANT_NAME_INDEX: &str = "GSI3";
pub(crate) const TENANT_CONTACTS: &str = "GSI3PK";
/// The index of a tenant's contacts (`GSI3PK`) by the time of their last change, `updated_at`.
pub(crate) const TENANT_UPDATED_INDEX: &str = "GSI4";
pub(crate) const UPDATED_SK: &str = "updated_at";

/// A contact's `GSI3PK`: its tenant's contacts, every client's.
pub(crate) fn tenant_contacts_pk(t: &TenantId) -> String {
    format!("TENANT#{t}#CONTACTS")
}

/// The sparse index of what falls due, by day: contacts whose portal access ends (the sweep's
/// partitions, `SWEEP#nn`) and open tasks (a partition per assignee, `tasks_pk`). Neither ever
/// reads the other's partitions.
pub(crate) const DUE_INDEX: &str = "GSI1";

/// A staff user's open tasks (`store::tasks`): a task's note item carries `GSI1PK` (this) and
/// `GSI1SK` (`Task::open`) while it is open.
pub(crate) fn tasks_pk(t: &TenantId, assignee: &str) -> String {
    format!("TENANT#{t}#TASKS#{assignee}")
}

/// A tag of the tenant (`store::tags`): under the tenant, beside its clients.
pub(crate) const TAG_SK_PREFIX: &str = "TAG#";

pub(crate) fn tag_sk(id: crate::domain::TagId) -> String {
    format!("{TAG_SK_PREFIX}{id}")
}

/// The claim of a tag name in a tenant (`domain::tag::name_key`), naming the tag that holds it.
pub(crate) fn tag_name_pk(t: &TenantId, name_key: &str) -> String {
    format!("TENANT#{t}#TAGNAME#{name_key}")
}

pub const TAG_NAME_SK: &str = "TAGNAME";

/// A tag's contacts (`store::tags::members`): one item per tagged contact, keyed
/// `{client id}#{contact id}`, so a client's contacts with the tag are a prefix of it.
pub(crate) fn tag_members_pk(t: &TenantId, tag: crate::domain::TagId) -> String {
    format!("TENANT#{t}#TAG#{tag}")
}

pub(crate) fn tag_member_sk(client: ClientId, contact: ContactId) -> String {
    format!("{client}#{contact}")
}

/// A contact's activity history (`store::activity`): under the contact alone, not its client,
/// so the history is one query and erasing a contact's items needs only its id.
pub fn activity_pk(t: &TenantId, contact: ContactId) -> String {
    format!("TENANT#{t}#CONTACT#{contact}#ACTIVITY")
}

pub(crate) const ACTIVITY_SK_PREFIX: &str = "AT#";

/// An activity's sort key: its time (`domain::activity::activity_time`, which sorts as text),
/// then what makes it unique at that time (an email's SES message id...).
pub(crate) fn activity_sk(at: &str, suffix: &str) -> String {
    format!("{ACTIVITY_SK_PREFIX}{at}#{suffix}")
}

/// What the sort keys of a project's link items start with (under the client's partition).
pub(crate) fn project_sk_prefix(project: &crate::domain::ProjectId) -> String {
    format!("PROJECT#{project}#")
}

/// A link item: the contact `id` works on `project` (`store::contacts::projects`).
pub(crate) fn project_sk(project: &crate::domain::ProjectId, id: ContactId) -> String {
    format!("{}{id}", project_sk_prefix(project))
}

/// What a deletion record's sort key starts with: the deleted item's sort key follows, under
/// the deleted item's partition (`store::deletions`).
pub const DELETED_SK_PREFIX: &str = "DELETED#";

/// The sort key of the record of the deletion of the item whose sort key is `sk`.
pub(crate) fn deleted_sk(sk: &str) -> String {
    format!("{DELETED_SK_PREFIX}{sk}")
}
