//! The steps a sequence is made of, printed the way a reader of a failing sequence wants them.

use std::fmt;

use super::merge::{field, Merge};
use super::{EMAILS, MOBILE, PHONE, PROJECTS, REGIONS, TAGS, TITLES};

/// A contact of the sequence, by the order it was added in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Slot(pub(super) usize);

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The `If-Match` a step sends: none, the contact's current ETag, or an older one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum IfMatch {
    Absent,
    Current,
    Stale,
}

#[derive(Clone)]
pub(super) enum Step {
    Add {
        email: Option<usize>,
        phone: bool,
        is_primary: Option<bool>,
        manager: Option<Slot>,
    },
    Patch {
        slot: Slot,
        is_primary: Merge<bool>,
        manager: Merge<Slot>,
        email: Merge<usize>,
        phone: Merge<()>,
        mobile: Merge<()>,
        title: Merge<usize>,
        /// The custom field `region`, one of `REGIONS`.
        region: Merge<usize>,
        revoke: bool,
        if_match: IfMatch,
    },
    Delete {
        slot: Slot,
        if_match: IfMatch,
    },
    Invite {
        slot: Slot,
    },
    /// Moves the contact to the sequence's other client.
    Move {
        slot: Slot,
        if_match: IfMatch,
    },
    /// Archives the contact: it keeps its links, tags and address, and is out of every list.
    Archive {
        slot: Slot,
        if_match: IfMatch,
    },
    /// Restores an archived contact.
    Restore {
        slot: Slot,
        if_match: IfMatch,
    },
    /// Merges `merged` into `survivor` (under the survivor's client), taking the merged
    /// contact's address when `take_email`, else each field by the default rule.
    Merge {
        survivor: Slot,
        merged: Slot,
        take_email: bool,
    },
    /// Links the contact to `PROJECTS[project]`.
    Link {
        slot: Slot,
        project: usize,
    },
    Unlink {
        slot: Slot,
        project: usize,
    },
    /// Tags the contact with `TAGS[tag]`.
    Tag {
        slot: Slot,
        tag: usize,
    },
    Untag {
        slot: Slot,
        tag: usize,
    },
}

struct Address(usize);

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EMAILS[self.0])
    }
}

fn fmt_add(
    f: &mut fmt::Formatter<'_>,
    email: &Option<usize>,
    phone: bool,
    is_primary: &Option<bool>,
    manager: &Option<Slot>,
) -> fmt::Result {
    f.write_str("add")?;
    if let Some(e) = email {
        write!(f, " email={:?}", Address(*e))?;
    }
    if phone {
        f.write_str(" phone")?;
    }
    if let Some(p) = is_primary {
        write!(f, " is_primary={p}")?;
    }
    if let Some(m) = manager {
        write!(f, " manager={m:?}")?;
    }
    Ok(())
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Add { email, phone, is_primary, manager } => fmt_add(f, email, *phone, is_primary, manager),
            Step::Patch {
                slot,
                is_primary,
                manager,
                email,
                phone,
                mobile,
                title,
                region,
                revoke,
                if_match,
            } => {
                write!(f, "patch {slot:?}")?;
                field(f, "is_primary", is_primary)?;
                field(f, "manager", manager)?;
                field(f, "email", &email.clone().map(Address))?;
                field(f, "phone", &phone.clone().map(|()| PHONE))?;
                field(f, "mobile", &mobile.clone().map(|()| MOBILE))?;
                field(f, "title", &title.clone().map(|t| TITLES[t]))?;
                field(f, "custom.region", &region.clone().map(|r| REGIONS[r]))?;
                if *revoke {
                    f.write_str(" revoke")?;
                }
                write!(f, " if_match={if_match:?}")
            }
            Step::Delete { slot, if_match } => write!(f, "delete {slot:?} if_match={if_match:?}"),
            Step::Invite { slot } => write!(f, "invite {slot:?}"),
            Step::Move { slot, if_match } => write!(f, "move {slot:?} if_match={if_match:?}"),
            Step::Archive { slot, if_match } => write!(f, "archive {slot:?} if_match={if_match:?}"),
            Step::Restore { slot, if_match } => write!(f, "restore {slot:?} if_match={if_match:?}"),
            Step::Merge { survivor, merged, take_email } => {
                write!(f, "merge {merged:?} into {survivor:?}")?;
                if *take_email {
                    f.write_str(" taking its email")?;
                }
                Ok(())
            }
            Step::Link { slot, project } => write!(f, "link {slot:?} {}", PROJECTS[*project]),
            Step::Unlink { slot, project } => write!(f, "unlink {slot:?} {}", PROJECTS[*project]),
            Step::Tag { slot, tag } => write!(f, "tag {slot:?} {}", TAGS[*tag]),
            Step::Untag { slot, tag } => write!(f, "untag {slot:?} {}", TAGS[*tag]),
        }
    }
}

/// A sequence, printed one numbered step a line (what proptest shows of a failing case).
#[derive(Clone)]
pub(super) struct Steps(pub(super) Vec<Step>);

impl fmt::Debug for Steps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            write!(f, "\n  {}. {step:?}", i + 1)?;
        }
        Ok(())
    }
}
