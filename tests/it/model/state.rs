//! What the API promises the client looks like after the steps so far, and how each step the
//! API carried out changes it.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::merge::Merge;
use super::steps::{Slot, Step};
use super::{CLIENTS, EMAILS, NEVER_CREATED};

/// What the model knows of a contact it added.
#[derive(Clone, Debug)]
pub(super) struct Known {
    pub(super) id: String,
    pub(super) live: bool,
    /// Archived: not live, its address, links and tags kept for its restore.
    pub(super) archived: bool,
    /// Which of the sequence's clients it is under (`CLIENTS`): adds go to the first, moves
    /// take it to the other.
    pub(super) client: usize,
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
    /// Each client's primary contact.
    pub(super) primary: [Option<Slot>; CLIENTS],
}

/// The address as uniqueness compares it.
pub(super) fn key(email: Option<usize>) -> Option<String> {
    email.map(|e| EMAILS[e].to_lowercase())
}

impl Model {
    pub(super) fn live(&self, slot: Slot) -> Option<&Known> {
        self.contacts.get(slot.0).filter(|c| c.live)
    }

    pub(super) fn archived(&self, slot: Slot) -> Option<&Known> {
        self.contacts.get(slot.0).filter(|c| c.archived)
    }

    /// How many archived contacts `client` has.
    pub(super) fn archived_count(&self, client: usize) -> usize {
        self.contacts.iter().filter(|c| c.archived && c.client == client).count()
    }

    /// The contact, if it is under `client`.
    pub(super) fn live_at(&self, slot: Slot, client: usize) -> Option<&Known> {
        self.live(slot).filter(|c| c.client == client)
    }

    /// How many contacts `client` has.
    pub(super) fn live_count(&self, client: usize) -> usize {
        self.contacts.iter().filter(|c| c.live && c.client == client).count()
    }

    /// The client a step on `slot` names in its path: its own, or the first for one never added.
    pub(super) fn client_of(&self, slot: Slot) -> usize {
        self.contacts.get(slot.0).map_or(0, |c| c.client)
    }

    pub(super) fn id(&self, slot: Slot) -> &str {
        self.contacts.get(slot.0).map_or(NEVER_CREATED, |c| c.id.as_str())
    }

    /// The `[linked_at, linked_by]` of the live contact's link to the project, if it is linked.
    pub(super) fn link(&self, slot: Slot, project: usize) -> Option<&Value> {
        self.live(slot).and_then(|c| c.projects.get(&project))
    }

    /// The ids of `client`'s contacts linked to the project, in id order.
    pub(super) fn linked_to(&self, client: usize, project: usize) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .contacts
            .iter()
            .filter(|c| c.live && c.client == client && c.projects.contains_key(&project))
            .map(|c| c.id.as_str())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Whether a live or archived contact other than `except` holds the address.
    pub(super) fn address_taken(&self, email: usize, except: Option<Slot>) -> bool {
        self.contacts.iter().enumerate().any(|(i, c)| {
            (c.live || c.archived) && Some(Slot(i)) != except && key(c.email) == key(Some(email))
        })
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
                if self.live_count(0) == 0 {
                    self.primary[0] = Some(slot);
                } else if *is_primary == Some(true) {
                    self.move_primary(slot, 0);
                }
                let (email, phone, manager) = (*email, *phone, *manager);
                let portal = "none";
                let (mobile, title, region, version, projects) = (false, None, None, 1, BTreeMap::new());
                let tags = std::collections::BTreeSet::new();
                let known = Known {
                    id,
                    live: true,
                    archived: false,
                    client: 0,
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
                if !self.contacts[slot.0].archived {
                    self.leave(*slot);
                }
                let gone = &mut self.contacts[slot.0];
                (gone.live, gone.archived) = (false, false);
                gone.tags.clear();
                gone.projects.clear();
            }
            Step::Archive { slot, .. } => self.archive(*slot),
            Step::Restore { slot, .. } => {
                let client = self.contacts[slot.0].client;
                if self.live_count(client) == 0 {
                    self.primary[client] = Some(*slot);
                }
                let back = &mut self.contacts[slot.0];
                (back.live, back.archived) = (true, false);
                back.version += 1;
            }
            Step::Move { slot, .. } => {
                self.leave(*slot);
                let to = 1 - self.contacts[slot.0].client;
                if self.live_count(to) == 0 {
                    self.primary[to] = Some(*slot);
                }
                let moved = &mut self.contacts[slot.0];
                moved.client = to;
                moved.manager = None;
                moved.version += 1;
                // Access granted for the old client ends: the pending invitation is withdrawn.
                if moved.portal == "invited" {
                    moved.portal = "none";
                }
            }
            Step::Merge { survivor, merged, take_email } => {
                let survivor_now = shown.map(|m| &m["contact"]).expect("the survivor");
                let link = json!([survivor_now["updated_at"], survivor_now["updated_by"]]);
                self.merge(*survivor, *merged, *take_email, link);
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
        let promoted = *is_primary == Merge::Set(true) && self.primary[c.client] != Some(*slot);
        let c = &mut self.contacts[slot.0];
        let shown = |c: &Known| (c.email, c.phone, c.mobile, c.title, c.region, c.manager, c.portal);
        if promoted || shown(c) != shown(&before) {
            c.version += 1;
        }
        if promoted {
            self.move_primary(*slot, before.client);
        }
    }

    /// Gives `slot` the primary role at its client; the old primary's version moves with its
    /// demotion.
    fn move_primary(&mut self, slot: Slot, client: usize) {
        if let Some(old) = self.primary[client].replace(slot) {
            self.contacts[old.0].version += 1;
        }
    }

    /// A merge of `x` into `s`: the survivor's fields by the default rule (the address `x`'s
    /// when `take_email`), the union of tags and links (a gained link made by the merge, `link`),
    /// the primary role and `x`'s reports; its address changing ends a pending invitation.
    fn merge(&mut self, s: Slot, x: Slot, take_email: bool, link: Value) {
        let gone = self.contacts[x.0].clone();
        let client = gone.client;
        let neither = |m: Option<Slot>| m.filter(|m| *m != s && *m != x);
        let c = &mut self.contacts[s.0];
        let before = key(c.email);
        c.email = if take_email { gone.email } else { c.email.or(gone.email) };
        (c.phone, c.mobile) = (c.phone || gone.phone, c.mobile || gone.mobile);
        (c.title, c.region) = (c.title.or(gone.title), c.region.or(gone.region));
        c.manager = neither(c.manager).or(neither(gone.manager));
        if key(c.email) != before {
            c.portal = match c.portal {
                "invited" => "none",
                "active" => "revoked",
                other => other,
            };
        }
        c.tags.extend(gone.tags.iter().copied());
        for project in gone.projects.keys() {
            c.projects.entry(*project).or_insert_with(|| link.clone());
        }
        c.version += 1;
        for (i, report) in self.contacts.iter_mut().enumerate() {
            if report.live && report.manager == Some(x) && i != s.0 {
                report.manager = Some(s);
                report.version += 1;
            }
        }
        if self.primary[client] == Some(x) {
            self.primary[client] = Some(s);
        }
        let merged = &mut self.contacts[x.0];
        (merged.live, merged.archived) = (false, false);
        merged.tags.clear();
        merged.projects.clear();
    }

    /// An archive: out of its client as a leaving contact, but keeping its links and tags; its
    /// own manager link cut, its portal access ended, its version moved.
    fn archive(&mut self, slot: Slot) {
        let links = std::mem::take(&mut self.contacts[slot.0].projects);
        self.leave(slot);
        let archived = &mut self.contacts[slot.0];
        archived.projects = links;
        (archived.live, archived.archived) = (false, true);
        archived.manager = None;
        archived.version += 1;
        archived.portal = match archived.portal {
            "invited" => "none",
            "active" => "revoked",
            other => other,
        };
    }

    /// What a contact leaving its client (deleted or moved) takes with it: its project links,
    /// its reports' link to it (each report's version moves), and the role if it was primary.
    fn leave(&mut self, slot: Slot) {
        let client = self.contacts[slot.0].client;
        self.contacts[slot.0].projects.clear();
        for c in self.contacts.iter_mut().filter(|c| c.live && c.manager == Some(slot)) {
            c.manager = None;
            c.version += 1;
        }
        if self.primary[client] == Some(slot) {
            self.primary[client] = None;
        }
    }
}
