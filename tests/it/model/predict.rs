//! The answers the API may give to a step, by the model's rules.

use super::merge::Merge;
use super::state::{key, Model};
use super::steps::{IfMatch, Step};

/// An answer: its status and, for a problem, its code.
pub(super) type Answer = (u16, &'static str);
pub(super) const OK: Answer = (200, "");
pub(super) const CREATED: Answer = (201, "");
const ACCEPTED: Answer = (202, "");
const NO_CONTENT: Answer = (204, "");
const NOT_FOUND: Answer = (404, "not-found");
const STALE: Answer = (412, "precondition-failed");
const INVALID: Answer = (422, "validation-failed");
const EMAIL_TAKEN: Answer = (409, "email-taken");
const PRIMARY_REQUIRED: Answer = (409, "primary-required");
const NO_EMAIL: Answer = (409, "no-email");

/// A step's refusal when its new email is taken and its new manager does not exist:
/// both are conditions of one transaction, so either may be the one reported.
fn store_refusal(taken: bool, unknown_manager: bool) -> Option<Vec<Answer>> {
    match (taken, unknown_manager) {
        (true, true) => Some(vec![EMAIL_TAKEN, INVALID]),
        (true, false) => Some(vec![EMAIL_TAKEN]),
        (false, true) => Some(vec![INVALID]),
        (false, false) => None,
    }
}

impl Model {
    /// The answers the API may give to `step`.
    pub(super) fn predict(&self, step: &Step) -> Vec<Answer> {
        match step {
            Step::Add { email, phone, manager, .. } => {
                if email.is_none() && !phone {
                    return vec![INVALID];
                }
                let taken = email.is_some_and(|e| self.address_taken(e, None));
                let unknown_manager = manager.is_some_and(|m| self.live_at(m, 0).is_none());
                store_refusal(taken, unknown_manager).unwrap_or(vec![CREATED])
            }
            Step::Patch { .. } => self.predict_patch(step),
            // An archived contact is erased at once.
            Step::Delete { slot, if_match } if self.archived(*slot).is_some() => {
                vec![if *if_match == IfMatch::Stale { STALE } else { NO_CONTENT }]
            }
            Step::Delete { slot, if_match } => self.predict_leaving(*slot, *if_match, NO_CONTENT),
            Step::Archive { slot, if_match } => self.predict_leaving(*slot, *if_match, OK),
            // Back as it was: its address was kept, and a restore joins its client as an add
            // does, so nothing refuses it.
            Step::Restore { slot, if_match } => match self.archived(*slot) {
                None => vec![NOT_FOUND],
                Some(_) if *if_match == IfMatch::Stale => vec![STALE],
                Some(_) => vec![OK],
            },
            Step::Merge { survivor, merged, take_email } => {
                self.predict_merge(*survivor, *merged, *take_email)
            }
            // A move takes it to the other client, where it is new, so nothing there refuses it.
            Step::Move { slot, if_match } => self.predict_leaving(*slot, *if_match, OK),
            Step::Invite { slot } => match self.live(*slot) {
                None => vec![NOT_FOUND],
                Some(c) if c.email.is_none() => vec![NO_EMAIL],
                Some(_) => vec![ACCEPTED],
            },
            // Linking again answers the first link; unlinking answers alike whether or not
            // the link exists. Few projects: the bound of 30 is out of reach.
            Step::Link { slot, .. } => vec![if self.live(*slot).is_some() { OK } else { NOT_FOUND }],
            // Tagging again and untagging an untagged contact answer alike; two tags leave the
            // bound of 20 out of reach.
            Step::Unlink { slot, .. } | Step::Tag { slot, .. } | Step::Untag { slot, .. } => {
                vec![if self.live(*slot).is_some() { NO_CONTENT } else { NOT_FOUND }]
            }
        }
    }

    /// A merge: two live contacts of one client, leaving the survivor a way to reach it (few
    /// tags and projects: the bounds are out of reach).
    fn predict_merge(
        &self,
        survivor: super::steps::Slot,
        merged: super::steps::Slot,
        take_email: bool,
    ) -> Vec<Answer> {
        let (Some(s), Some(x)) = (self.live(survivor), self.live(merged)) else { return vec![INVALID] };
        if survivor == merged || s.client != x.client {
            return vec![INVALID];
        }
        let email = if take_email { x.email } else { s.email.or(x.email) };
        match email.is_some() || s.phone || x.phone || s.mobile || x.mobile {
            true => vec![OK],
            false => vec![INVALID],
        }
    }

    /// A contact leaving its client (a delete, a move): gone, stale, or the primary of others.
    fn predict_leaving(&self, slot: super::steps::Slot, if_match: IfMatch, done: Answer) -> Vec<Answer> {
        let client = self.client_of(slot);
        if self.live(slot).is_none() {
            vec![NOT_FOUND]
        } else if if_match == IfMatch::Stale {
            vec![STALE]
        } else if self.primary[client] == Some(slot) && self.live_count(client) > 1 {
            vec![PRIMARY_REQUIRED]
        } else {
            vec![done]
        }
    }

    fn predict_patch(&self, step: &Step) -> Vec<Answer> {
        let Step::Patch { slot, is_primary, manager, email, phone, mobile, if_match, .. } = step else {
            unreachable!("a patch")
        };
        let Some(current) = self.live(*slot) else { return vec![NOT_FOUND] };
        if *if_match == IfMatch::Stale {
            return vec![STALE];
        }
        let new_email = email.clone().applied_to(current.email);
        let new_phone = phone.clone().applied_to(current.phone.then_some(())).is_some();
        let new_mobile = mobile.clone().applied_to(current.mobile.then_some(())).is_some();
        let new_manager = manager.clone().applied_to(current.manager);
        if new_manager == Some(*slot) || (new_email.is_none() && !new_phone && !new_mobile) {
            return vec![INVALID];
        }
        let unsets_primary = matches!(is_primary, Merge::Set(false) | Merge::Clear);
        if unsets_primary && self.primary[current.client] == Some(*slot) {
            return vec![PRIMARY_REQUIRED];
        }
        let email_moves = key(new_email) != key(current.email);
        let taken = email_moves && new_email.is_some_and(|e| self.address_taken(e, Some(*slot)));
        let unknown_manager = new_manager != current.manager
            && new_manager.is_some_and(|m| self.live_at(m, current.client).is_none());
        store_refusal(taken, unknown_manager).unwrap_or(vec![OK])
    }
}
