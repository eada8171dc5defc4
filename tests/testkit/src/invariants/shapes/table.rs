//! The items sorted by their shapes, each checked against its key on the way in: what the
//! other rules work on.

use std::collections::HashMap;

use super::records::{duplicate_key, export_job, idempotency_record, invitation};
use super::{shape_of, Shape};
use crate::invariants::{s, Found, Item, Rule};

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
    /// An archived contact's item (`Shape::Archived`): it holds what it will be restored with.
    pub archived: bool,
}

/// The items sorted by shape.
#[derive(Default)]
pub(crate) struct Table<'a> {
    pub clients: Vec<Keyed<'a>>,
    /// Contacts and archived contacts (`Contact::archived`): the rules between items hold for
    /// both, the rules of lists and indexes for the first.
    pub contacts: Vec<Contact<'a>>,
    pub markers: Vec<Keyed<'a>>,
    pub activities: Vec<Activity<'a>>,
    /// Project link items (`Shape::ProjectLink`).
    pub links: Vec<Link<'a>>,
    /// Deletion and move records (`Shape::Deletion`, `Shape::Move`), with their shapes; what
    /// they hold is the deletions rule's.
    pub deletions: Vec<(Shape<'a>, &'a Item)>,
    /// By token hash.
    pub invitations: HashMap<&'a str, &'a Item>,
    /// Topic and search items (`Shape::Topic`, `Shape::Find`).
    pub index: Vec<(Shape<'a>, &'a Item)>,
    /// Tags, name claims and member items (`Shape::Tag`, `TagName`, `TagMember`); what they
    /// hold is the tags rule's.
    pub tags: Vec<(Shape<'a>, &'a Item)>,
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
        let relocation = matches!(s(item, "entity"), Some("move" | "archive" | "restore" | "merge"));
        if s(item, "entity") != shape.entity() && !(matches!(shape, Shape::Move { .. }) && relocation) {
            let entity = s(item, "entity");
            found.add(
                Rule::Entity,
                format!("{} has entity {entity:?}; its key says {:?}", keys(item), shape.entity()),
            );
        }
        let disagreements = key_disagreements(&shape, item);
        match shape {
            Shape::Client { tenant, id } => {
                crate::invariants::levels::client_levels(item, found);
                self.clients.push(Keyed { tenant, id, item });
            }
            Shape::Contact { tenant, client, id } => {
                self.contacts.push(Contact { tenant, client, id, item, archived: false })
            }
            Shape::Archived { tenant, client, id } => {
                self.contacts.push(Contact { tenant, client, id, item, archived: true })
            }
            Shape::Marker { tenant, email } => self.markers.push(Keyed { tenant, id: email, item }),
            Shape::Idempotency { key } => idempotency_record(key, item, found),
            // Checked against the deployment's limit (`invariants::quota`).
            Shape::Quota => {}
            Shape::Settings => crate::invariants::levels::settings(item, found),
            // The time in the key against `at` is the activity rule's (`activity::check`).
            Shape::Activity { tenant, contact, at } => {
                self.activities.push(Activity { tenant, contact, at, item })
            }
            Shape::Invitation { hash } => {
                invitation(hash, item, found);
                self.invitations.insert(hash, item);
            }
            Shape::Topic { .. } | Shape::Find { .. } => self.index.push((shape, item)),
            // Its attributes against its key are the project-links rule's, with the rest of it.
            Shape::ProjectLink { tenant, client, project, id } => {
                self.links.push(Link { tenant, client, project, contact: id, item })
            }
            Shape::Deletion { .. } | Shape::Move { .. } => self.deletions.push((shape, item)),
            Shape::Export { .. } => export_job(item, found),
            Shape::DuplicateKey { rule, id } => duplicate_key(item, (rule, id), found),
            Shape::Tag { .. } | Shape::TagName { .. } | Shape::TagMember { .. } => {
                self.tags.push((shape, item))
            }
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

/// Where an item's own attributes name the ids in its key, each must hold the key's: one
/// detail per attribute that does not (reported after the item's other findings).
fn key_disagreements(shape: &Shape, item: &Item) -> Vec<String> {
    let expected: Vec<(&str, &str)> = match *shape {
        Shape::Client { id, .. } => vec![("id", id)],
        Shape::Contact { client, id, .. } | Shape::Archived { client, id, .. } => {
            vec![("id", id), ("client_id", client)]
        }
        Shape::Activity { tenant, contact, .. } => vec![("tenant_id", tenant), ("contact_id", contact)],
        Shape::Topic { client, id, .. } => vec![("client_id", client), ("contact_id", id)],
        Shape::Find { id, .. } => vec![("contact_id", id)],
        Shape::Export { id } => vec![("id", id)],
        Shape::Tag { id, .. } => vec![("id", id)],
        Shape::TagMember { tag, client, contact, .. } => {
            vec![("tag_id", tag), ("client_id", client), ("contact_id", contact)]
        }
        _ => Vec::new(),
    };
    expected
        .into_iter()
        .filter(|(name, expected)| s(item, name) != Some(*expected))
        .map(|(name, expected)| {
            format!("{} has {name} {:?}, its key says {expected}", keys(item), s(item, name))
        })
        .collect()
}
