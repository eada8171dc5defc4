//! From one stream record (an item's old and new image) to the domain events and activity it
//! means. Only contact and client items and deletion records are mapped; every other item
//! (email claims, quota, idempotency records, invitations, activity) means nothing here.
//! Attributes the service derives (counts, versions, `updated_at`, index keys, invitation
//! hashes, `is_primary`) never make an event on their own: only the attributes a user sets are
//! compared. A deletion's event comes from its deletion record's insertion, which names the
//! deleter (`shared::store::deletions`); the deleted item's removal only erases activity. The
//! contact's staff-only fields (its internal notes) are named, their values published only
//! where the deployment says so (`InternalNotes`).

use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use aws_sdk_dynamodb::types::AttributeValue;
use shared::config::InternalNotes;
use shared::domain::{ClientId, Contact, ContactId, TagId, TenantId};
use shared::store::activity_changes::{ActivityChange, ChangeKind};
use shared::store::deletions::{
    Relocation, ARCHIVE_ENTITY, DELETION_ENTITY, MERGE_ENTITY, MOVE_ENTITY, RESTORE_ENTITY,
};
use shared::store::items::{contact_of_item, CLIENT_EDITABLE, CONTACT_EDITABLE, CONTACT_STAFF_ONLY};
use shared::store::keys;
use shared::store::ARCHIVED_ENTITY;

pub type Item = std::collections::HashMap<String, AttributeValue>;

/// One record of the table's stream, as the event source mapping hands it over.
#[derive(Debug, Clone)]
pub struct StreamChange {
    /// The stream's id of the record: the same on every redelivery.
    pub event_id: String,
    pub old: Option<Item>,
    pub new: Option<Item>,
    /// When the change was written (the record's approximate creation time).
    pub written_at: OffsetDateTime,
}

/// A domain event, ready to publish: `detail-type` is `kind`, `detail` is `detail()`.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainEvent {
    /// Stable: the stream record's id and the kind, so a redelivered record has the same id.
    pub id: String,
    pub kind: &'static str,
    pub tenant_id: String,
    pub client_id: String,
    pub contact_id: Option<String>,
    pub actor: Option<String>,
    pub at: String,
    pub data: Value,
}

impl DomainEvent {
    pub fn detail(&self) -> Value {
        json!({
            "id": self.id, "type": self.kind, "tenant_id": self.tenant_id, "client_id": self.client_id,
            "contact_id": self.contact_id, "actor": self.actor, "at": self.at, "data": self.data,
        })
    }
}

/// What one record means: events to publish, activity to write, and whose activity to erase.
#[derive(Debug, Default)]
pub struct Mapped {
    pub events: Vec<DomainEvent>,
    pub activity: Vec<ActivityChange>,
    pub erase_activity_of: Option<(TenantId, ContactId)>,
    /// A deleted contact's tags, whose member items go with it.
    pub erase_tags_of: Option<(TenantId, (ClientId, ContactId), Vec<TagId>)>,
    /// The client and version of the removed contact item `erase_*` come from: a move removes
    /// the item too, and leaves a move record of that version there (`Processor` asks for it).
    pub removed: Option<(ClientId, u64)>,
    /// A moved contact's history, to point at its new client (`Store::rehome_activity`).
    pub rehome: Option<(TenantId, ContactId, (ClientId, ClientId))>,
    /// A merged contact's history, to move to the survivor (`Store::merge_history`).
    pub merge_history: Option<(TenantId, ContactId, (ClientId, ContactId))>,
    /// A contact's change, as its duplicate keys follow it (`Store::sync_duplicate_keys`): the
    /// contact before and after (`None`: none).
    pub duplicate_keys: Option<(TenantId, Option<Contact>, Option<Contact>)>,
}

/// A record that cannot be mapped: a contact or client item whose keys or times are not the
/// service's. Reported as a batch item failure, and after the retries sent on to the on-failure
/// destination.
#[derive(Debug)]
pub struct Unmappable(pub String);

impl std::error::Error for Unmappable {}

impl std::fmt::Display for Unmappable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unmappable stream record: {}", self.0)
    }
}

fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

/// An attribute as JSON (absent = null).
fn value(item: Option<&Item>, name: &str) -> Value {
    item.and_then(|i| i.get(name))
        .and_then(|v| serde_dynamo::from_attribute_value::<_, Value>(v.clone()).ok())
        .unwrap_or(Value::Null)
}

/// The names of `fields` whose values differ between the images, in `fields`' order.
fn changed<'a>(old: &Item, new: &Item, fields: &[&'a str]) -> Vec<&'a str> {
    fields.iter().copied().filter(|f| old.get(*f) != new.get(*f)).collect()
}

/// Each field's old and new value; a field whose values `discloses` refuses, by name only.
fn changes(old: &Item, new: &Item, fields: &[&str], discloses: impl Fn(&str) -> bool) -> Value {
    fields
        .iter()
        .map(|f| match discloses(f) {
            true => json!({"field": f, "old": value(Some(old), f), "new": value(Some(new), f)}),
            false => json!({"field": f}),
        })
        .collect()
}

/// The public fields of an item, as JSON (what a `*.created` event carries).
fn snapshot(item: &Item, fields: &[&str]) -> Value {
    Value::Object(fields.iter().map(|f| ((*f).to_owned(), value(Some(item), f))).collect::<Map<_, _>>())
}

/// The contact attributes a user sets: those its edits write, but the name index's key, which
/// they derive from the names.
fn user_set_contact_fields() -> impl Iterator<Item = &'static str> {
    CONTACT_EDITABLE.iter().copied().filter(|f| *f != keys::NAME_SK)
}

/// The contact fields a user edits, except the email (its own event).
fn contact_fields() -> impl Iterator<Item = &'static str> {
    user_set_contact_fields().filter(|f| *f != "email")
}

struct Keys {
    tenant: TenantId,
    client: ClientId,
    contact: Option<ContactId>,
}

/// The tenant, client (and contact) a contact or client item belongs to, from its keys; a
/// deletion record's are those of the item it names (its sort key after `DELETED#`).
fn keys_of(item: &Item, entity: &str) -> Result<Keys, Unmappable> {
    let bad = || Unmappable(format!("{entity} item with keys {:?}/{:?}", text(item, "PK"), text(item, "SK")));
    let (pk, mut sk) = (text(item, "PK").ok_or_else(bad)?, text(item, "SK").ok_or_else(bad)?);
    let pk = pk.strip_prefix("TENANT#").ok_or_else(bad)?;
    let mut entity = entity;
    if entity == DELETION_ENTITY {
        sk = sk.strip_prefix(keys::DELETED_SK_PREFIX).ok_or_else(bad)?;
        entity = if sk.starts_with(keys::CLIENT_SK_PREFIX) { "client" } else { "contact" };
    }
    if entity == ARCHIVED_ENTITY {
        // `ARCHIVED#CONTACT#{id}`: the contact's sort key after the prefix's first part.
        sk = sk.strip_prefix("ARCHIVED#").ok_or_else(bad)?;
    }
    match entity {
        "client" => Ok(Keys {
            tenant: TenantId::parse(pk).ok_or_else(bad)?,
            client: sk.strip_prefix("CLIENT#").and_then(ClientId::parse).ok_or_else(bad)?,
            contact: None,
        }),
        _ => {
            let (tenant, client) = pk.split_once("#CLIENT#").ok_or_else(bad)?;
            Ok(Keys {
                tenant: TenantId::parse(tenant).ok_or_else(bad)?,
                client: ClientId::parse(client).ok_or_else(bad)?,
                contact: Some(sk.strip_prefix("CONTACT#").and_then(ContactId::parse).ok_or_else(bad)?),
            })
        }
    }
}

/// The contact before and after a contact record, for its duplicate keys. An image that is not
/// a whole contact (which the service never writes) leaves the keys as they are, with a
/// warning: the record's events do not depend on them.
fn duplicate_keys(
    change: &StreamChange,
    tenant: &TenantId,
) -> Option<(TenantId, Option<Contact>, Option<Contact>)> {
    let parsed = |image: &Option<Item>| image.as_ref().map(|item| contact_of_item(item.clone())).transpose();
    match (parsed(&change.old), parsed(&change.new)) {
        (Ok(old), Ok(new)) => Some((tenant.clone(), old, new)),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(event_id = %change.event_id, error = %e, "a contact image that is not a whole contact: its duplicate keys are left as they are");
            None
        }
    }
}

/// The time in attribute `name` of `item` (RFC 3339).
fn time_of(item: &Item, name: &str) -> Result<OffsetDateTime, Unmappable> {
    let at = text(item, name).ok_or_else(|| Unmappable(format!("no {name}")))?;
    OffsetDateTime::parse(at, &Rfc3339).map_err(|_| Unmappable(format!("{name} {at:?}")))
}

/// Maps one record. Pure: the same record always maps to the same events and activity.
pub fn map(change: &StreamChange, notes: InternalNotes) -> Result<Mapped, Unmappable> {
    let image = change.new.as_ref().or(change.old.as_ref());
    let Some(entity) = image.and_then(|i| text(i, "entity")) else { return Ok(Mapped::default()) };
    if entity == DELETION_ENTITY {
        return deletion(change);
    }
    if entity == MOVE_ENTITY {
        return moved(change, Relocation::Move);
    }
    if entity == ARCHIVE_ENTITY {
        return moved(change, Relocation::Archive);
    }
    if entity == RESTORE_ENTITY {
        return moved(change, Relocation::Restore);
    }
    if entity == MERGE_ENTITY {
        return merged(change);
    }
    if entity == ARCHIVED_ENTITY {
        return archived(change);
    }
    if entity == "activity" {
        return note(change, image.expect("an image named the entity"));
    }
    if entity != "contact" && entity != "client" {
        return Ok(Mapped::default());
    }
    let keys = keys_of(image.expect("an image named the entity"), entity)?;
    // A write's time and actor are on its new image; a removal makes no event (its deletion
    // record's insertion does) and is only seen through its time.
    let (at, actor) = match &change.new {
        Some(new) => (time_of(new, "updated_at")?, text(new, "updated_by").map(str::to_owned)),
        None => (change.written_at, None),
    };
    let mut out = Mapped::default();
    let ctx = Ctx { change, keys: &keys, at, actor: &actor, notes };
    match (entity, &change.old, &change.new) {
        ("contact", _, _) => {
            out.duplicate_keys = duplicate_keys(change, &keys.tenant);
            contact(&ctx, &mut out)
        }
        (_, None, Some(new)) => {
            out.events.push(ctx.event("client.created", json!({"client": snapshot(new, CLIENT_EDITABLE)})))
        }
        (_, Some(old), Some(new)) => client_modified(&ctx, old, new, &mut out),
        _ => {}
    }
    Ok(out)
}

/// A note's insertion, change and removal (`shared::store::notes`) are `contact.note_added`,
/// `contact.note_changed` (with the names of the fields that changed) and `contact.note_deleted`:
/// ids and the note's kind, never its text. The rest of the history means nothing here.
fn note(change: &StreamChange, image: &Item) -> Result<Mapped, Unmappable> {
    if text(image, "kind") != Some("note") {
        return Ok(Mapped::default());
    }
    // A merge moving the note to the survivor (`shared::store::merge_history`): the copy's
    // insertion (it names where it came from) and the original's removal (marked before) are no
    // note added or deleted. The copy's later removal is a deletion as any note's.
    let has = |image: &Option<Item>, name: &str| image.as_ref().is_some_and(|i| i.contains_key(name));
    let copied = change.old.is_none() && has(&change.new, "merged_from");
    let moved_away = change.new.is_none() && has(&change.old, "merged_into");
    if copied || moved_away {
        return Ok(Mapped::default());
    }
    let bad = |what: &str| Unmappable(format!("note item without {what}"));
    let id = |name: &str| text(image, name).ok_or_else(|| bad(name));
    let keys = Keys {
        tenant: TenantId::parse(id("tenant_id")?).ok_or_else(|| bad("tenant_id"))?,
        client: ClientId::parse(id("client_id")?).ok_or_else(|| bad("client_id"))?,
        contact: Some(ContactId::parse(id("contact_id")?).ok_or_else(|| bad("contact_id"))?),
    };
    let data = |fields: Option<Vec<&str>>| {
        let mut data = json!({ "note_id": id("note_id")?, "note_kind": id("note_kind")? });
        if let Some(fields) = fields {
            data["fields"] = json!(fields);
        }
        Ok::<_, Unmappable>(data)
    };
    let (kind, at, actor, data) = match (&change.old, &change.new) {
        (None, Some(new)) => {
            ("contact.note_added", time_of(new, "created_at")?, text(new, "actor"), data(None)?)
        }
        (Some(old), Some(new)) => {
            let fields = changed(old, new, &["text", "occurred_at", "note_outcome"]);
            if fields.is_empty() {
                return Ok(Mapped::default());
            }
            (
                "contact.note_changed",
                time_of(new, "updated_at")?,
                text(new, "updated_by"),
                data(Some(fields))?,
            )
        }
        _ => ("contact.note_deleted", change.written_at, None, data(None)?),
    };
    let actor = actor.map(str::to_owned);
    let notes = InternalNotes::Withheld;
    let ctx = Ctx { change, keys: &keys, at, actor: &actor, notes };
    Ok(Mapped { events: vec![ctx.event(kind, data)], ..Mapped::default() })
}

/// A deletion record's insertion is its item's `*.deleted`, by its deleter, at its time; only
/// ids, so a deleted contact's personal data goes nowhere else. Its removal (TTL) and any
/// change of it mean nothing.
fn deletion(change: &StreamChange) -> Result<Mapped, Unmappable> {
    let (None, Some(new)) = (&change.old, &change.new) else { return Ok(Mapped::default()) };
    let keys = keys_of(new, DELETION_ENTITY)?;
    let actor = text(new, "deleted_by").map(str::to_owned);
    let at = time_of(new, "deleted_at")?;
    let ctx = Ctx { change, keys: &keys, at, actor: &actor, notes: InternalNotes::Withheld };
    let kind = if keys.contact.is_some() { "contact.deleted" } else { "client.deleted" };
    Ok(Mapped { events: vec![ctx.event(kind, json!({}))], ..Mapped::default() })
}

/// Attribute `name` of a move (archive, restore, merge) record, read by `parse`.
fn record_part<'a, T>(
    new: &'a Item,
    name: &str,
    parse: impl Fn(&'a str) -> Option<T>,
) -> Result<T, Unmappable> {
    let entity = text(new, "entity").unwrap_or("move");
    text(new, name).and_then(parse).ok_or_else(|| Unmappable(format!("{entity} record without {name}")))
}

/// A move record's insertion (`shared::store::deletions`) is `contact.moved`, by its mover, at its
/// time, under the client the contact moved to; with `contact.portal_status_changed` when the
/// move ended portal access. The history says `client_id` changed, and follows the contact. An
/// archive record's is `contact.archived` (with the portal's change, as a move's), a restore
/// record's `contact.restored`; neither is a change of the contact's fields, and the history
/// has an entry of its own for each.
fn moved(change: &StreamChange, kind: Relocation) -> Result<Mapped, Unmappable> {
    let (None, Some(new)) = (&change.old, &change.new) else { return Ok(Mapped::default()) };
    let id = |name: &str| record_part(new, name, Some);
    let tenant = record_part(new, "tenant_id", TenantId::parse)?;
    let from = record_part(new, "client_id", ClientId::parse)?;
    let to = record_part(new, "to_client_id", ClientId::parse)?;
    let contact = record_part(new, "contact_id", ContactId::parse)?;
    let keys = Keys { tenant: tenant.clone(), client: to, contact: Some(contact) };
    let actor = text(new, "moved_by").map(str::to_owned);
    let ctx = Ctx {
        change,
        keys: &keys,
        at: time_of(new, "moved_at")?,
        actor: &actor,
        notes: InternalNotes::Withheld,
    };
    let mut out = Mapped::default();
    match kind {
        Relocation::Move => {
            let data = json!({"from_client_id": from.to_string(), "to_client_id": to.to_string()});
            out.rehome = Some((tenant, contact, (from, to)));
            out.events.push(ctx.event("contact.moved", data));
            let fields = ChangeKind::FieldsChanged(vec!["client_id".to_owned()]);
            out.activity.push(ctx.activity(change.event_id.clone(), fields));
        }
        Relocation::Archive => {
            out.events.push(ctx.event("contact.archived", json!({})));
            out.activity.push(ctx.activity(change.event_id.clone(), ChangeKind::Archived));
        }
        Relocation::Restore => {
            out.events.push(ctx.event("contact.restored", json!({})));
            out.activity.push(ctx.activity(change.event_id.clone(), ChangeKind::Restored));
        }
        Relocation::Merge { .. } => return Err(Unmappable("a merge record read as a move".into())),
    }
    let (before, after) = (id("portal_status_before")?.to_owned(), id("portal_status")?.to_owned());
    if before != after {
        let data = json!({"old": before, "new": after});
        out.events.push(ctx.event("contact.portal_status_changed", data));
        let suffix = format!("{}.portal_status", change.event_id);
        out.activity.push(ctx.activity(suffix, ChangeKind::PortalStatus { from: before, to: after }));
    }
    Ok(out)
}

/// A merge record's insertion is `contact.merged`, by whoever merged, at its time, of the
/// survivor (`contact_id`) with the merged contact's id; the merged contact's history moves to
/// the survivor. What the survivor's fields gained is its own item's `contact.updated`.
fn merged(change: &StreamChange) -> Result<Mapped, Unmappable> {
    let (None, Some(new)) = (&change.old, &change.new) else { return Ok(Mapped::default()) };
    let tenant = record_part(new, "tenant_id", TenantId::parse)?;
    let client = record_part(new, "client_id", ClientId::parse)?;
    let merged = record_part(new, "contact_id", ContactId::parse)?;
    let survivor = record_part(new, "into_contact_id", ContactId::parse)?;
    let keys = Keys { tenant: tenant.clone(), client, contact: Some(survivor) };
    let actor = text(new, "moved_by").map(str::to_owned);
    let at = time_of(new, "moved_at")?;
    let ctx = Ctx { change, keys: &keys, at, actor: &actor, notes: InternalNotes::Withheld };
    let data = json!({"survivor_contact_id": survivor.to_string(), "merged_contact_id": merged.to_string()});
    Ok(Mapped {
        events: vec![ctx.event("contact.merged", data)],
        merge_history: Some((tenant, merged, (client, survivor))),
        ..Mapped::default()
    })
}

struct Ctx<'a> {
    change: &'a StreamChange,
    keys: &'a Keys,
    at: OffsetDateTime,
    actor: &'a Option<String>,
    notes: InternalNotes,
}

impl Ctx<'_> {
    /// Whether this contact field's values may be published.
    fn discloses(&self, field: &str) -> bool {
        self.notes == InternalNotes::Published || !CONTACT_STAFF_ONLY.contains(&field)
    }

    fn event(&self, kind: &'static str, data: Value) -> DomainEvent {
        DomainEvent {
            id: format!("{}:{kind}", self.change.event_id),
            kind,
            tenant_id: self.keys.tenant.to_string(),
            client_id: self.keys.client.to_string(),
            contact_id: self.keys.contact.map(|c| c.to_string()),
            actor: self.actor.clone(),
            at: self.at.format(&Rfc3339).unwrap_or_default(),
            data,
        }
    }

    fn activity(&self, suffix: String, kind: ChangeKind) -> ActivityChange {
        ActivityChange {
            tenant: self.keys.tenant.clone(),
            client: self.keys.client,
            contact: self.keys.contact.expect("a contact's change"),
            at: self.at,
            suffix,
            actor: self.actor.clone(),
            kind,
        }
    }
}

fn contact(ctx: &Ctx<'_>, out: &mut Mapped) {
    match (&ctx.change.old, &ctx.change.new) {
        // A moved or restored contact's arrival: its record's insertion is its event.
        (None, Some(new)) if new.contains_key("moved_from") || new.contains_key("restored_at") => {}
        (None, Some(new)) => {
            let mut fields: Vec<&str> = user_set_contact_fields().filter(|f| ctx.discloses(f)).collect();
            fields.extend(["is_primary", "portal_status"]);
            out.events.push(ctx.event("contact.created", json!({"contact": snapshot(new, &fields)})));
        }
        (Some(old), None) => {
            // Its `contact.deleted` is its deletion record's. Erased here, not then: the
            // contact's earlier changes, whose activity this erases, are all handled by now.
            let contact = ctx.keys.contact.expect("a contact");
            out.erase_activity_of = Some((ctx.keys.tenant.clone(), contact));
            let tags = old
                .get("tag_ids")
                .and_then(|v| v.as_ss().ok())
                .map(|ids| ids.iter().filter_map(|id| TagId::parse(id)).collect());
            out.erase_tags_of = tags.map(|tags| (ctx.keys.tenant.clone(), (ctx.keys.client, contact), tags));
            let version = old.get("version").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok());
            out.removed = version.map(|v| (ctx.keys.client, v));
        }
        (Some(old), Some(new)) => contact_modified(ctx, old, new, out),
        (None, None) => {}
    }
}

/// An archived contact's item (`shared::store::contacts::archive`) means nothing while it is
/// kept; its removal erases as a contact's does (its history, its tag memberships), unless a
/// restore record of its version says it was restored (`Processor` asks).
fn archived(change: &StreamChange) -> Result<Mapped, Unmappable> {
    let (Some(old), None) = (&change.old, &change.new) else { return Ok(Mapped::default()) };
    let keys = keys_of(old, ARCHIVED_ENTITY)?;
    let actor = None;
    let ctx =
        Ctx { change, keys: &keys, at: change.written_at, actor: &actor, notes: InternalNotes::Withheld };
    let mut out = Mapped::default();
    contact(&ctx, &mut out);
    Ok(out)
}

fn contact_modified(ctx: &Ctx<'_>, old: &Item, new: &Item, out: &mut Mapped) {
    let fields: Vec<&str> = contact_fields().collect();
    let others = changed(old, new, &fields);
    let email = old.get("email") != new.get("email");
    if email {
        let data = json!({"old": value(Some(old), "email"), "new": value(Some(new), "email")});
        out.events.push(ctx.event("contact.email_changed", data));
    }
    if !others.is_empty() {
        let changes = changes(old, new, &others, |f| ctx.discloses(f));
        out.events.push(ctx.event("contact.updated", json!({"changes": changes})));
    }
    let mut names: Vec<String> = others.iter().map(|f| (*f).to_owned()).collect();
    if email {
        names.insert(0, "email".to_owned());
    }
    if !names.is_empty() {
        out.activity.push(ctx.activity(ctx.change.event_id.clone(), ChangeKind::FieldsChanged(names)));
    }
    let status = |i: &Item| text(i, "portal_status").unwrap_or("none").to_owned();
    let (from, to) = (status(old), status(new));
    if from != to {
        let data = json!({"old": from, "new": to});
        out.events.push(ctx.event("contact.portal_status_changed", data));
        let suffix = format!("{}.portal_status", ctx.change.event_id);
        out.activity.push(ctx.activity(suffix, ChangeKind::PortalStatus { from, to }));
    }
}

fn client_modified(ctx: &Ctx<'_>, old: &Item, new: &Item, out: &mut Mapped) {
    let fields = changed(old, new, CLIENT_EDITABLE);
    if !fields.is_empty() {
        let changes = changes(old, new, &fields, |_| true);
        out.events.push(ctx.event("client.updated", json!({"changes": changes})));
    }
    // A move from one primary to another; the first contact becoming primary is part of its
    // `contact.created`, and the last one leaving is its `contact.deleted`.
    if let (Some(from), Some(to)) = (text(old, "primary_contact_id"), text(new, "primary_contact_id")) {
        if from != to {
            let mut event = ctx.event("contact.primary_changed", json!({"old": from, "new": to}));
            event.contact_id = Some(to.to_owned());
            out.events.push(event);
        }
    }
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
