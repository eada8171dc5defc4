//! Which item is which: every item is recognised by its key (README "Table"), never by its own
//! say-so; its `entity` and the ids it carries must then agree with the key, and the records
//! no other item points at (idempotency records, invitations) must be well formed.
//!
//! This file reads a key into its [`Shape`]; the [`Table`] the checker works on is assembled
//! in `table`, the records checked on their own are in `records`, and the id and time forms
//! keys hold are in `formats`.

mod formats;
mod records;
mod table;

pub(crate) use formats::{tenant_shaped, ulid};
pub(crate) use table::{keys, Contact, Keyed, Link, Table};

use formats::activity_time;

/// What an item is, read from its key alone.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Shape<'a> {
    Client {
        tenant: &'a str,
        id: &'a str,
    },
    Contact {
        tenant: &'a str,
        client: &'a str,
        id: &'a str,
    },
    /// An archived contact (`SK = ARCHIVED#CONTACT#{id}`, under its client): out of every
    /// list and index, kept until restored or erased.
    Archived {
        tenant: &'a str,
        client: &'a str,
        id: &'a str,
    },
    Marker {
        tenant: &'a str,
        email: &'a str,
    },
    /// Its tenant is checked in the key; nothing else belongs to it.
    Idempotency {
        key: &'a str,
    },
    Invitation {
        hash: &'a str,
    },
    /// A tenant's email quota: hourly counts of the last day and the limit they were kept to.
    Quota,
    /// A contact receives emails of a topic: under its client, keyed by topic and contact id.
    Topic {
        tenant: &'a str,
        client: &'a str,
        topic: &'a str,
        id: &'a str,
    },
    /// A contact is found by a folded term (its last name, first name or address).
    Find {
        tenant: &'a str,
        term: &'a str,
        id: &'a str,
    },
    /// A contact's key of a duplicate rule (`PK = TENANT#t#DUPKEYS`, `SK = {rule}#{key}#{id}`),
    /// kept from the stream, so it follows its contact's changes within seconds.
    DuplicateKey {
        rule: &'a str,
        id: &'a str,
    },
    /// A contact's link to a project (kept by another module): under its client, keyed by
    /// project id and contact id, so a project's contacts are one query of its client.
    ProjectLink {
        tenant: &'a str,
        client: &'a str,
        project: &'a str,
        id: &'a str,
    },
    /// A tenant's settings (`PK = TENANT#t`, `SK = SETTINGS`), versioned, within its bounds.
    Settings,
    /// An entry of a contact's activity history, keyed by the contact alone: its time (RFC
    /// 3339 UTC with milliseconds) and what makes it unique then.
    Activity {
        tenant: &'a str,
        contact: &'a str,
        at: &'a str,
    },
    /// Who deleted a client (`contact: None`, under its tenant) or a contact (under its
    /// client): `SK = DELETED#` and the deleted item's sort key, kept two days for the stream.
    Deletion {
        tenant: &'a str,
        client: &'a str,
        contact: Option<&'a str>,
    },
    /// A contact's move to another client (`SK = MOVED#CONTACT#{id}#{version}`, under the client
    /// it left), kept two days for the stream; its archive and its restore are recorded alike
    /// (`entity` `archive`, `restore`), under its own client.
    Move {
        tenant: &'a str,
        client: &'a str,
        contact: &'a str,
    },
    /// An export job (`PK = TENANT#t`, `SK = EXPORT#{id}`), kept for its TTL.
    Export {
        id: &'a str,
    },
    /// A tag of the tenant (`PK = TENANT#t`, `SK = TAG#{id}`).
    Tag {
        tenant: &'a str,
        id: &'a str,
    },
    /// The claim of a tag name (`PK = TENANT#t#TAGNAME#{name key}`, `SK = TAGNAME`).
    TagName {
        tenant: &'a str,
        key: &'a str,
    },
    /// A contact carrying a tag (`PK = TENANT#t#TAG#{tag}`, `SK = {client}#{contact}`).
    TagMember {
        tenant: &'a str,
        tag: &'a str,
        client: &'a str,
        contact: &'a str,
    },
}

impl Shape<'_> {
    /// The `entity` an item of this shape carries (idempotency records carry none).
    fn entity(&self) -> Option<&'static str> {
        match self {
            Shape::Client { .. } => Some("client"),
            Shape::Contact { .. } => Some("contact"),
            Shape::Archived { .. } => Some("archived_contact"),
            Shape::Marker { .. } => Some("email"),
            Shape::Idempotency { .. } => None,
            Shape::Invitation { .. } => Some("invite"),
            Shape::Quota => Some("quota"),
            Shape::Topic { .. } => Some("topic"),
            Shape::Find { .. } => Some("find"),
            Shape::DuplicateKey { .. } => Some("duplicate_key"),
            Shape::ProjectLink { .. } => Some("project_link"),
            Shape::Settings => Some("settings"),
            Shape::Activity { .. } => Some("activity"),
            Shape::Deletion { .. } => Some("deletion"),
            Shape::Move { .. } => Some("move"),
            Shape::Export { .. } => Some("export"),
            Shape::Tag { .. } => Some("tag"),
            Shape::TagName { .. } => Some("tag_name"),
            Shape::TagMember { .. } => Some("tag_member"),
        }
    }
}

/// The shape of the item keyed `pk`/`sk`, if it has one.
pub(crate) fn shape_of<'a>(pk: &'a str, sk: &'a str) -> Option<Shape<'a>> {
    if let Some(hash) = pk.strip_prefix("INVITE#") {
        return (sk == "INVITE").then_some(Shape::Invitation { hash });
    }
    let rest = pk.strip_prefix("TENANT#")?;
    if let Some(tenant) = rest.strip_suffix("#QUOTA") {
        return (tenant_shaped(tenant) && sk == "EMAIL").then_some(Shape::Quota);
    }
    let Some((tenant, tail)) = rest.split_once('#') else {
        return tenant_item_shape(rest, sk);
    };
    if !tenant_shaped(tenant) {
        return None;
    }
    if tail == "FIND" {
        // `{term}#{contact id}`: the id is the last 26 characters.
        let (term, id) = sk.split_at_checked(sk.len().checked_sub(26)?)?;
        let term = term.strip_suffix('#').filter(|t| !t.is_empty())?;
        return Some(Shape::Find { tenant, term, id: ulid(id)? });
    }
    if tail == "DUPKEYS" {
        // `{rule}#{key}#{contact id}`: the id is the last 26 characters.
        let (rest, id) = sk.split_at_checked(sk.len().checked_sub(26)?)?;
        let (rule, key) = rest.strip_suffix('#')?.split_once('#')?;
        let known = ["phone", "name", "email"].contains(&rule) && !key.is_empty();
        return known.then_some(Shape::DuplicateKey { rule, id: ulid(id)? });
    }
    let (kind, id) = tail.split_once('#')?;
    keyed_item_shape(tenant, kind, id, sk)
}

/// The items keyed by the tenant alone (`TENANT#{tenant}`): its settings, its clients, its
/// export jobs and the records of its deleted clients.
fn tenant_item_shape<'a>(tenant: &'a str, sk: &'a str) -> Option<Shape<'a>> {
    if sk == "SETTINGS" {
        return tenant_shaped(tenant).then_some(Shape::Settings);
    }
    if let Some(id) = sk.strip_prefix("EXPORT#") {
        return tenant_shaped(tenant).then_some(Shape::Export { id: ulid(id)? });
    }
    if let Some(id) = sk.strip_prefix("TAG#") {
        return tenant_shaped(tenant).then_some(Shape::Tag { tenant, id: ulid(id)? });
    }
    if let Some(deleted) = sk.strip_prefix("DELETED#CLIENT#") {
        let client = ulid(deleted)?;
        return tenant_shaped(tenant).then_some(Shape::Deletion { tenant, client, contact: None });
    }
    let id = ulid(sk.strip_prefix("CLIENT#")?)?;
    tenant_shaped(tenant).then_some(Shape::Client { tenant, id })
}

/// The items keyed `TENANT#{tenant}#{kind}#{id}` (the tenant already checked): a client's
/// contacts with their topic, project-link and deletion items, email markers, idempotency
/// records and contacts' activity.
fn keyed_item_shape<'a>(tenant: &'a str, kind: &'a str, id: &'a str, sk: &'a str) -> Option<Shape<'a>> {
    Some(match (kind, sk) {
        ("CLIENT", sk) if sk.starts_with("TOPIC#") => {
            let (topic, contact) = sk.strip_prefix("TOPIC#")?.split_once('#')?;
            Shape::Topic { tenant, client: ulid(id)?, topic, id: ulid(contact)? }
        }
        ("CLIENT", sk) if sk.starts_with("PROJECT#") => {
            // `{project id}#{contact id}`: the id is the last 26 characters. The project id's
            // form is the project-links rule's (`projects::check`), so a malformed one is named.
            let rest = sk.strip_prefix("PROJECT#")?;
            let (project, contact) = rest.split_at_checked(rest.len().checked_sub(26)?)?;
            let project = project.strip_suffix('#')?;
            Shape::ProjectLink { tenant, client: ulid(id)?, project, id: ulid(contact)? }
        }
        ("CLIENT", sk) if sk.starts_with("MOVED#") => {
            let (contact, version) = sk.strip_prefix("MOVED#CONTACT#")?.split_once('#')?;
            version.parse::<u64>().ok()?;
            Shape::Move { tenant, client: ulid(id)?, contact: ulid(contact)? }
        }
        ("CLIENT", sk) if sk.starts_with("ARCHIVED#") => {
            Shape::Archived { tenant, client: ulid(id)?, id: ulid(sk.strip_prefix("ARCHIVED#CONTACT#")?)? }
        }
        ("CLIENT", sk) if sk.starts_with("DELETED#") => {
            let contact = ulid(sk.strip_prefix("DELETED#CONTACT#")?)?;
            Shape::Deletion { tenant, client: ulid(id)?, contact: Some(contact) }
        }
        ("CLIENT", sk) => {
            Shape::Contact { tenant, client: ulid(id)?, id: ulid(sk.strip_prefix("CONTACT#")?)? }
        }
        ("EMAIL", "EMAIL") if !id.is_empty() => Shape::Marker { tenant, email: id },
        ("TAGNAME", "TAGNAME") if !id.is_empty() => Shape::TagName { tenant, key: id },
        ("TAG", sk) => {
            let (client, contact) = sk.split_once('#')?;
            Shape::TagMember { tenant, tag: ulid(id)?, client: ulid(client)?, contact: ulid(contact)? }
        }
        ("IDEM", "IDEM") => Shape::Idempotency { key: id },
        ("CONTACT", sk) => {
            let contact = ulid(id.strip_suffix("#ACTIVITY")?)?;
            let (at, suffix) = sk.strip_prefix("AT#")?.split_once('#')?;
            if !activity_time(at) || suffix.is_empty() {
                return None;
            }
            Shape::Activity { tenant, contact, at }
        }
        _ => return None,
    })
}
