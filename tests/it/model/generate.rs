//! The generators of sequences: which steps, how often, on which contacts.

use std::fmt;

use proptest::prelude::*;

use super::merge::Merge;
use super::steps::{IfMatch, Slot, Step, Steps};
use super::{EMAILS, MAX_STEPS, PROJECTS, REGIONS, SLOTS, TAGS, TITLES};

/// Mostly one of the first few contacts, which most sequences have added.
fn slot() -> impl Strategy<Value = Slot> {
    prop_oneof![4 => 0..3usize, 1 => 3..SLOTS].prop_map(Slot)
}

fn address() -> impl Strategy<Value = usize> {
    0..EMAILS.len()
}

/// A merge-patch field: mostly absent, sometimes cleared, sometimes set.
fn merge<T: Clone + fmt::Debug>(value: impl Strategy<Value = T>) -> impl Strategy<Value = Merge<T>> {
    prop_oneof![3 => Just(Merge::Keep), 1 => Just(Merge::Clear), 2 => value.prop_map(Merge::Set)]
}

fn if_match() -> impl Strategy<Value = IfMatch> {
    prop_oneof![2 => Just(IfMatch::Absent), 2 => Just(IfMatch::Current), 1 => Just(IfMatch::Stale)]
}

/// An add; `phone` decides whether it has a phone (without one nor an email it is a 422).
fn add(phone: impl Strategy<Value = bool>) -> impl Strategy<Value = Step> {
    (
        prop::option::weighted(0.8, address()),
        phone,
        prop::option::of(any::<bool>()),
        prop::option::weighted(0.3, slot()),
    )
        .prop_map(|(email, phone, is_primary, manager)| Step::Add { email, phone, is_primary, manager })
}

/// The custom field `region`: kept more often than other fields, so that the patches that
/// leave it alone stay many.
fn region() -> impl Strategy<Value = Merge<usize>> {
    prop_oneof![5 => Just(Merge::Keep), 1 => Just(Merge::Clear), 2 => (0..REGIONS.len()).prop_map(Merge::Set)]
}

fn patch() -> impl Strategy<Value = Step> {
    // Moving the primary role is where transactions touch the most items: ask for it often.
    let is_primary = prop_oneof![3 => Just(Merge::Keep), 3 => Just(Merge::Set(true)), 1 => Just(Merge::Set(false)), 1 => Just(Merge::Clear)];
    let plain_fields = (merge(Just(())), merge(Just(())), merge(0..TITLES.len()));
    (
        (slot(), is_primary, merge(slot()), merge(address())),
        plain_fields,
        (region(), prop::bool::weighted(0.15)),
        if_match(),
    )
        .prop_map(
            |((slot, is_primary, manager, email), (phone, mobile, title), (region, revoke), if_match)| {
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
                }
            },
        )
}

/// Phones and title alone: the edit written in one conditional write, without a read. Its
/// phones are often cleared, to reach the rule that one way to reach a contact remains.
fn plain_patch() -> impl Strategy<Value = Step> {
    let clears = || prop_oneof![2 => Just(Merge::Keep), 2 => Just(Merge::Clear), 1 => Just(Merge::Set(()))];
    let plain_fields = (clears(), clears(), merge(0..TITLES.len()));
    (slot(), plain_fields, if_match()).prop_map(|(slot, (phone, mobile, title), if_match)| {
        let keep = (Merge::Keep, Merge::Keep, Merge::Keep, Merge::Keep);
        let (is_primary, manager, email, region) = keep;
        Step::Patch {
            slot,
            is_primary,
            manager,
            email,
            phone,
            mobile,
            title,
            region,
            revoke: false,
            if_match,
        }
    })
}

/// The contact and project of a link or an unlink: mostly one of the first two contacts, which
/// every sequence adds, and one of few projects, the first most often, so that links collide
/// (linked again, unlinked, their contact deleted) in a sequence of few steps.
fn linked() -> impl Strategy<Value = (Slot, usize)> {
    let slot = prop_oneof![6 => 0..2usize, 1 => 2..SLOTS].prop_map(Slot);
    let project = prop_oneof![3 => Just(0), 1 => 1..PROJECTS.len()];
    (slot, project)
}

/// The contact and tag of a tag or an untag: mostly the first contact and the first tag, so
/// that an untag often meets a tag (fewer steps are tags than links).
fn tagged() -> impl Strategy<Value = (Slot, usize)> {
    let slot = prop_oneof![4 => Just(0), 1 => 1..SLOTS].prop_map(Slot);
    (slot, prop_oneof![4 => Just(0), 1 => 1..TAGS.len()])
}

/// The contact of an archive or a restore: mostly the second contact (seldom the primary, which
/// stays while others remain), so that a restore often finds the contact archived.
fn archived() -> impl Strategy<Value = Slot> {
    prop_oneof![4 => Just(1), 1 => 0..SLOTS].prop_map(Slot)
}

/// The contacts of a merge: mostly the first two (the first is often the primary), either way
/// round, so that both are often live at one client; now and then any two, or one twice.
fn merged() -> impl Strategy<Value = (Slot, Slot)> {
    let pair = prop_oneof![3 => Just((0, 1)), 2 => Just((1, 0)), 2 => (0..SLOTS, 0..SLOTS)];
    pair.prop_map(|(a, b)| (Slot(a), Slot(b)))
}

fn step() -> impl Strategy<Value = Step> {
    let delete = (slot(), if_match()).prop_map(|(slot, if_match)| Step::Delete { slot, if_match });
    let invite = slot().prop_map(|slot| Step::Invite { slot });
    let moves = (slot(), if_match()).prop_map(|(slot, if_match)| Step::Move { slot, if_match });
    let archive = (archived(), if_match()).prop_map(|(slot, if_match)| Step::Archive { slot, if_match });
    let restore = (archived(), if_match()).prop_map(|(slot, if_match)| Step::Restore { slot, if_match });
    let link = linked().prop_map(|(slot, project)| Step::Link { slot, project });
    let unlink = linked().prop_map(|(slot, project)| Step::Unlink { slot, project });
    let merge = (merged(), any::<bool>()).prop_map(|((survivor, merged), take_email)| Step::Merge {
        survivor,
        merged,
        take_email,
    });
    let tag = tagged().prop_map(|(slot, tag)| Step::Tag { slot, tag });
    let untag = tagged().prop_map(|(slot, tag)| Step::Untag { slot, tag });
    prop_oneof![
        3 => add(any::<bool>()),
        6 => patch(),
        3 => plain_patch(),
        2 => delete,
        2 => invite,
        2 => moves,
        3 => archive,
        3 => restore,
        2 => merge,
        4 => link,
        3 => unlink,
        3 => tag,
        3 => untag,
    ]
}

/// A few adds that can succeed first, so that the later steps have contacts to act on, then
/// any steps.
pub(super) fn steps() -> impl Strategy<Value = Steps> {
    const LEADING: usize = 4;
    let leading = prop::collection::vec(add(Just(true)), 2..=LEADING);
    (leading, prop::collection::vec(step(), 0..=MAX_STEPS - LEADING))
        .prop_map(|(adds, rest)| Steps(adds.into_iter().chain(rest).collect()))
}
