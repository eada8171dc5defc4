//! What the API promises the client looks like after the steps so far, and how each step the
//! API carried out changes it.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::merge::Merge;
use super::steps::{Slot, Step};
use super::{EMAILS, NEVER_CREATED};

/// What the model knows of a contact it added.
#[derive(Clone, Debug)]
pub(super) struct Known {
    pub(super) id: String,
    pub(super) live: bool,
    pub(super) email: Option<usize>,
    pub(super) phone: bool,
    pub(super) mobile: bool,
    pub(super) title: Option<usize>,
    /// Its custom `region`, one of `REGIONS`.
    pub(super) region: Option<usize>,
    pub(super) manager: Option<Slot>,
    pub(super) portal: &'static str,
    pub(super) version: u64,
    /// Its links: each project of `PROJECTS` it is linked to, with the `[linked_at, linked_by]`
    /// of the first link (linking again keeps them).
    pub(super) projects: BTreeMap<usize, Value>,
    /// The tags of `TAGS` it carries.
    pub(super) tags: std::collections::BTreeSet<usize>,
}

#[derive(Default)]
pub(super) struct Model {
    pub(super) contacts: Vec<Known>,
    pub(super) primary: Option<Slot>,
}

/// The address as uniqueness compares it.
pub(super) fn key(email: Option<usize>) -> Option<String> {
    email.map(|e| EMAILS[e].to_lowercase())
}

impl Model {
    pub(super) fn live(&self, slot: Slot) -> Option<&Known> {
        self.contacts.get(slot.0).filter(|c| c.live)
    }

    pub(super) fn live_count(&self) -> usize {
        self.contacts.iter().filter(|c| c.live).count()
    }

    pub(super) fn id(&self, slot: Slot) -> &str {
        self.contacts.get(slot.0).map_or(NEVER_CREATED, |c| c.id.as_str())
    }

    /// The `[linked_at, linked_by]` of the live contact's link to the project, if it is linked.
    pub(super) fn link(&self, slot: Slot, project: usize) -> Option<&Value> {
        self.live(slot).and_then(|c| c.projects.get(&project))
    }

    /// The ids of the live contacts linked to the project, in id order.
    pub(super) fn linked_to(&self, project: usize) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .contacts
            .iter()
            .filter(|c| c.live && c.projects.contains_key(&project))
            .map(|c| c.id.as_str())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Whether a live contact other than `except` holds the address.
    pub(super) fn address_taken(&self, email: usize, except: Option<Slot>) -> bool {
        self.contacts
            .iter()
            .enumerate()
            .any(|(i, c)| c.live && Some(Slot(i)) != except && key(c.email) == key(Some(email)))
    }

    /// Applies a step the API carried out (`shown` is what it answered: the new contact of an
    /// add, the link of a link). A contact's version (its ETag) moves exactly when what the API
    /// shows of it changes: by its own edit, its invitation, losing the primary role, or losing
    /// its manager; never by a link or an unlink (its `project_count` is derived).
    pub(super) fn apply(&mut self, step: &Step, shown: Option<&Value>) {
        match step {
            Step::Add { email, phone, is_primary, manager } => {
                let id = shown.and_then(|c| c["id"].as_str()).expect("the new contact's id").to_owned();
                let slot = Slot(self.contacts.len());
                if self.live_count() == 0 {
                    self.primary = Some(slot);
                } else if *is_primary == Some(true) {
                    self.move_primary(slot);
                }
                let (email, phone, manager) = (*email, *phone, *manager);
                let portal = "none";
                let (mobile, title, region, version, projects) = (false, None, None, 1, BTreeMap::new());
                let tags = std::collections::BTreeSet::new();
                let known = Known {
                    id,
                    live: true,
                    email,
                    phone,
                    mobile,
                    title,
                    region,
                    manager,
                    portal,
                    version,
                    projects,
                    tags,
                };
                self.contacts.push(known);
            }
            Step::Patch { .. } => self.apply_patch(step),
            Step::Delete { slot, .. } => {
                let gone = &mut self.contacts[slot.0];
                gone.live = false;
                // Its links and tags go with it.
                gone.projects.clear();
                gone.tags.clear();
                for c in self.contacts.iter_mut().filter(|c| c.manager == Some(*slot)) {
                    c.manager = None;
                    c.version += 1;
                }
                if self.primary == Some(*slot) {
                    self.primary = None;
                }
            }
            Step::Invite { slot } => {
                let c = &mut self.contacts[slot.0];
                c.portal = "invited";
                c.version += 1;
            }
            Step::Link { slot, project } => {
                let link = shown.map(|l| json!([l["linked_at"], l["linked_by"]])).expect("the link");
                self.contacts[slot.0].projects.entry(*project).or_insert(link);
            }
            Step::Unlink { slot, project } => {
                self.contacts[slot.0].projects.remove(project);
            }
            // Tags move no version.
            Step::Tag { slot, tag } => {
                self.contacts[slot.0].tags.insert(*tag);
            }
            Step::Untag { slot, tag } => {
                self.contacts[slot.0].tags.remove(tag);
            }
        }
    }

    fn apply_patch(&mut self, step: &Step) {
        let Step::Patch { slot, is_primary, manager, email, phone, mobile, title, region, revoke, .. } = step
        else {
            unreachable!("a patch")
        };
        let before = self.contacts[slot.0].clone();
        let c = &mut self.contacts[slot.0];
        c.email = email.clone().applied_to(c.email);
        c.phone = phone.clone().applied_to(c.phone.then_some(())).is_some();
        c.mobile = mobile.clone().applied_to(c.mobile.then_some(())).is_some();
        c.title = title.clone().applied_to(c.title);
        c.region = region.clone().applied_to(c.region);
        c.manager = manager.clone().applied_to(c.manager);
        if *revoke {
            c.portal = "revoked";
        }
        // An invitation was sent to the old address: it dies with the address.
        if c.portal == "invited" && key(before.email) != key(c.email) {
            c.portal = "none";
        }
        let promoted = *is_primary == Merge::Set(true) && self.primary != Some(*slot);
        let c = &mut self.contacts[slot.0];
        let shown = |c: &Known| (c.email, c.phone, c.mobile, c.title, c.region, c.manager, c.portal);
        if promoted || shown(c) != shown(&before) {
            c.version += 1;
        }
        if promoted {
            self.move_primary(*slot);
        }
    }

    /// Gives `slot` the primary role; the old primary's version moves with its demotion.
    fn move_primary(&mut self, slot: Slot) {
        if let Some(old) = self.primary.replace(slot) {
            self.contacts[old.0].version += 1;
        }
    }
}
