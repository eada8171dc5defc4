//! How often each kind of step met each answer, over a whole run: proof that the generator
//! reaches the writes themselves, not only their refusals.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;

use super::merge::Merge;
use super::predict::Answer;
use super::steps::Step;

#[derive(Default)]
pub(super) struct Reached(Mutex<BTreeMap<String, u32>>);

/// The kind of a step, as the run's tally names it; `linked` tells whether the model held the
/// link a link or an unlink names, so that linking again and unlinking a link are counted apart.
fn kind(step: &Step, linked: bool) -> &'static str {
    match step {
        Step::Add { .. } => "add",
        Step::Patch { is_primary: Merge::Set(true), .. } => "patch is_primary=true",
        Step::Patch { is_primary, manager, email, revoke, phone, mobile, title, region, .. }
            if is_primary.is_absent()
                && manager.is_absent()
                && email.is_absent()
                && region.is_absent()
                && !revoke
                && !(phone.is_absent() && mobile.is_absent() && title.is_absent()) =>
        {
            "plain patch"
        }
        Step::Patch { region, .. } if !region.is_absent() => "patch custom",
        Step::Patch { .. } => "patch",
        Step::Delete { .. } => "delete",
        Step::Invite { .. } => "invite",
        Step::Move { .. } => "move",
        Step::Archive { .. } => "archive",
        Step::Restore { .. } => "restore",
        Step::Merge { .. } => "merge",
        Step::Link { .. } if linked => "link again",
        Step::Link { .. } => "link",
        Step::Unlink { .. } if linked => "unlink linked",
        Step::Unlink { .. } => "unlink",
        Step::Tag { .. } if linked => "tag again",
        Step::Tag { .. } => "tag",
        Step::Untag { .. } if linked => "untag tagged",
        Step::Untag { .. } => "untag",
    }
}

impl Reached {
    pub(super) fn count(&self, step: &Step, linked: bool, (status, code): Answer) {
        let kind = kind(step, linked);
        *self.0.lock().unwrap().entry(format!("{kind} -> {status} {code}")).or_default() += 1;
    }

    pub(super) fn times(&self, kind_and_answer: &str) -> u32 {
        self.0.lock().unwrap().get(kind_and_answer).copied().unwrap_or(0)
    }

    fn steps(&self) -> u32 {
        self.0.lock().unwrap().values().sum()
    }
}

impl fmt::Debug for Reached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} steps", self.steps())?;
        for (answer, times) in self.0.lock().unwrap().iter() {
            write!(f, "\n  {times:4} {answer}")?;
        }
        Ok(())
    }
}
