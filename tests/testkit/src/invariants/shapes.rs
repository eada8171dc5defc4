//! Which item is which: every item is recognised by its key (README "Table"), never by its own
//! say-so; its `entity` and the ids it carries must then agree with the key, and the records
//! no other item points at (idempotency records, invitations) must be well formed.

use std::collections::HashMap;

use super::{num, s, Found, Item, Rule};

/// How long an invitation outlives its validity before TTL deletes it (README: a week).
const INVITATION_KEPT_SECS: i64 = 7 * 24 * 3600;
/// The longest `Idempotency-Key` a request may send.
const IDEMPOTENCY_KEY_MAX: usize = 255;

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
}

impl Shape<'_> {
    /// The `entity` an item of this shape carries (idempotency records carry none).
    fn entity(&self) -> Option<&'static str> {
        match self {
            Shape::Client { .. } => Some("client"),
            Shape::Contact { .. } => Some("contact"),
            Shape::Marker { .. } => Some("email"),
            Shape::Idempotency { .. } => None,
            Shape::Invitation { .. } => Some("invite"),
            Shape::Quota => Some("quota"),
            Shape::Topic { .. } => Some("topic"),
            Shape::Find { .. } => Some("find"),
            Shape::ProjectLink { .. } => Some("project_link"),
            Shape::Settings => Some("settings"),
            Shape::Activity { .. } => Some("activity"),
            Shape::Deletion { .. } => Some("deletion"),
        }
    }
}

/// A tenant id as keys may hold it: 1-64 characters of `[A-Za-z0-9_-]`.
pub(crate) fn tenant_shaped(t: &str) -> bool {
    (1..=64).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A client or contact id: a ULID (26 characters of Crockford base 32, upper case).
pub(crate) fn ulid(id: &str) -> Option<&str> {
    let crockford = |b: u8| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b));
    (id.len() == 26 && id.bytes().all(crockford)).then_some(id)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`: the one form whose text order is time order.
fn activity_time(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() == 24
        && digits(0..4)
        && (b[4], b[7], b[10], b[13], b[16], b[19], b[23]) == (b'-', b'-', b'T', b':', b':', b'.', b'Z')
        && digits(5..7)
        && digits(8..10)
        && digits(11..13)
        && digits(14..16)
        && digits(17..19)
        && digits(20..23)
}

fn hex64(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
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
        if sk == "SETTINGS" {
            return tenant_shaped(rest).then_some(Shape::Settings);
        }
        if let Some(deleted) = sk.strip_prefix("DELETED#CLIENT#") {
            let client = ulid(deleted)?;
            return tenant_shaped(rest).then_some(Shape::Deletion { tenant: rest, client, contact: None });
        }
        let id = ulid(sk.strip_prefix("CLIENT#")?)?;
        return tenant_shaped(rest).then_some(Shape::Client { tenant: rest, id });
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
    let (kind, id) = tail.split_once('#')?;
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
        ("CLIENT", sk) if sk.starts_with("DELETED#") => {
            let contact = ulid(sk.strip_prefix("DELETED#CONTACT#")?)?;
            Shape::Deletion { tenant, client: ulid(id)?, contact: Some(contact) }
        }
        ("CLIENT", sk) => {
            Shape::Contact { tenant, client: ulid(id)?, id: ulid(sk.strip_prefix("CONTACT#")?)? }
        }
        ("EMAIL", "EMAIL") if !id.is_empty() => Shape::Marker { tenant, email: id },
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

/// An item of a tenant, with the id its key gives it (a marker's: its email key).
pub(crate) struct Keyed<'a> {
    pub tenant: &'a str,
    pub id: &'a str,
    pub item: &'a Item,
}

pub(crate) struct Activity<'a> {
    pub tenant: &'a str,
    pub contact: &'a str,
    /// The time its key gives it.
    pub at: &'a str,
    pub item: &'a Item,
}

/// A link item, with the parts its key gives it; what it holds is the project-links rule's.
pub(crate) struct Link<'a> {
    pub tenant: &'a str,
    pub client: &'a str,
    pub project: &'a str,
    pub contact: &'a str,
    pub item: &'a Item,
}

pub(crate) struct Contact<'a> {
    pub tenant: &'a str,
    pub client: &'a str,
    pub id: &'a str,
    pub item: &'a Item,
}

/// The items sorted by shape.
#[derive(Default)]
pub(crate) struct Table<'a> {
    pub clients: Vec<Keyed<'a>>,
    pub contacts: Vec<Contact<'a>>,
    pub markers: Vec<Keyed<'a>>,
    pub activities: Vec<Activity<'a>>,
    /// Project link items (`Shape::ProjectLink`).
    pub links: Vec<Link<'a>>,
    /// Deletion records (`Shape::Deletion`), with their shapes; what they hold is the
    /// deletions rule's.
    pub deletions: Vec<(Shape<'a>, &'a Item)>,
    /// By token hash.
    pub invitations: HashMap<&'a str, &'a Item>,
    /// Topic and search items (`Shape::Topic`, `Shape::Find`).
    pub index: Vec<(Shape<'a>, &'a Item)>,
    /// Every item and its shape (`None`: unknown).
    pub all: Vec<(Option<Shape<'a>>, &'a Item)>,
}

impl<'a> Table<'a> {
    /// Recognises every item by its key and checks what each item must be on its own.
    pub(crate) fn of(items: &'a [Item], found: &mut Found) -> Self {
        let mut table = Table::default();
        for item in items {
            let shape = match (s(item, "PK"), s(item, "SK")) {
                (Some(pk), Some(sk)) => shape_of(pk, sk),
                _ => None,
            };
            match shape {
                Some(shape) => table.add(shape, item, found),
                None => found.add(Rule::UnknownItem, format!("no known key shape: {}", keys(item))),
            }
            table.all.push((shape, item));
        }
        table
    }

    fn add(&mut self, shape: Shape<'a>, item: &'a Item, found: &mut Found) {
        if s(item, "entity") != shape.entity() {
            let entity = s(item, "entity");
            found.add(
                Rule::Entity,
                format!("{} has entity {entity:?}; its key says {:?}", keys(item), shape.entity()),
            );
        }
        let agrees = |name: &str, expected: &str| {
            if s(item, name) != Some(expected) {
                let detail =
                    format!("{} has {name} {:?}, its key says {expected}", keys(item), s(item, name));
                Some(detail)
            } else {
                None
            }
        };
        let mut disagreements = Vec::new();
        match shape {
            Shape::Client { tenant, id } => {
                disagreements.extend(agrees("id", id));
                super::levels::client_levels(item, found);
                self.clients.push(Keyed { tenant, id, item });
            }
            Shape::Contact { tenant, client, id } => {
                disagreements.extend(agrees("id", id));
                disagreements.extend(agrees("client_id", client));
                self.contacts.push(Contact { tenant, client, id, item });
            }
            Shape::Marker { tenant, email } => self.markers.push(Keyed { tenant, id: email, item }),
            Shape::Idempotency { key } => idempotency_record(key, item, found),
            Shape::Quota => quota(item, found),
            Shape::Settings => super::levels::settings(item, found),
            Shape::Activity { tenant, contact, at } => {
                disagreements.extend(agrees("tenant_id", tenant));
                disagreements.extend(agrees("contact_id", contact));
                // The time in the key against `at` is the activity rule's (`activity::check`).
                self.activities.push(Activity { tenant, contact, at, item });
            }
            Shape::Invitation { hash } => {
                invitation(hash, item, found);
                self.invitations.insert(hash, item);
            }
            Shape::Topic { client, id, .. } => {
                disagreements.extend(agrees("client_id", client));
                disagreements.extend(agrees("contact_id", id));
                self.index.push((shape, item));
            }
            Shape::Find { id, .. } => {
                disagreements.extend(agrees("contact_id", id));
                self.index.push((shape, item));
            }
            // Its attributes against its key are the project-links rule's, with the rest of it.
            Shape::ProjectLink { tenant, client, project, id } => {
                self.links.push(Link { tenant, client, project, contact: id, item })
            }
            Shape::Deletion { .. } => self.deletions.push((shape, item)),
        }
        for detail in disagreements {
            found.add(Rule::KeyAttributes, detail);
        }
    }
}

/// `PK / SK` of an item, for messages.
pub(crate) fn keys(item: &Item) -> String {
    format!("{} / {}", s(item, "PK").unwrap_or("<no PK>"), s(item, "SK").unwrap_or("<no SK>"))
}

/// A quota never counts more emails in its day than its limit: its writes are conditional.
fn quota(item: &Item, found: &mut Found) {
    let hours = item.get("hours").and_then(|h| h.as_m().ok());
    let counted: Option<i64> =
        hours.map(|h| h.values().filter_map(|n| n.as_n().ok()?.parse::<i64>().ok()).sum());
    match (counted, num(item, "daily_limit")) {
        (Some(counted), Some(limit)) if counted <= limit => {}
        (counted, limit) => found.add(
            Rule::EmailQuota,
            format!("{} counts {counted:?} emails against a limit of {limit:?}", keys(item)),
        ),
    }
}

/// A stored first response: the request's key as the API accepts it, the request's
/// fingerprint, the response, and an expiry for TTL.
fn idempotency_record(key: &str, item: &Item, found: &mut Found) {
    let mut wrong = Vec::new();
    if key.is_empty() || key.len() > IDEMPOTENCY_KEY_MAX || !key.bytes().all(|b| b.is_ascii_graphic()) {
        wrong.push("its key is not 1-255 visible ASCII characters");
    }
    if num(item, "expires_at").is_none() {
        wrong.push("it has no expires_at");
    }
    if s(item, "fingerprint").filter(|f| hex64(f)).is_none() {
        wrong.push("it has no request fingerprint");
    }
    let status = item.get("response").and_then(|r| r.as_m().ok()).and_then(|r| r.get("status"));
    if status.and_then(|v| v.as_n().ok()).is_none() {
        wrong.push("it holds no response");
    }
    for what in wrong {
        found.add(Rule::IdempotencyRecord, format!("{}: {what}", keys(item)));
    }
}

/// An invitation as written: keyed by the hash of its token, naming the contact it is for (and
/// not its address), valid until a time and kept a week beyond it.
fn invitation(hash: &str, item: &Item, found: &mut Found) {
    let mut wrong = Vec::new();
    if !hex64(hash) {
        wrong.push("its key is not a token hash (64 lower-case hex digits)".to_owned());
    }
    if !s(item, "tenant_id").is_some_and(tenant_shaped) {
        wrong.push("it names no tenant".to_owned());
    }
    for id in ["client_id", "contact_id"] {
        if s(item, id).and_then(ulid).is_none() {
            wrong.push(format!("its {id} is not an id"));
        }
    }
    // The address is the contact's; a copy here would outlive the contact's deletion.
    if item.contains_key("email") {
        wrong.push("it holds an address (invitations keep none)".to_owned());
    }
    match (num(item, "valid_until"), num(item, "expires_at")) {
        (Some(valid), Some(expires)) if expires == valid + INVITATION_KEPT_SECS => {}
        (valid, expires) => {
            wrong.push(format!("it expires at {expires:?}, not a week after its validity ends ({valid:?})"))
        }
    }
    if item.get("used_at").is_some_and(|v| v.as_s().is_err()) {
        wrong.push("its used_at is not a time".to_owned());
    }
    for what in wrong {
        found.add(Rule::Invitation, format!("{}: {what}", keys(item)));
    }
}
