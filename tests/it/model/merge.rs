//! One field of a JSON merge patch (RFC 7396), as the model understands it.

use std::fmt;

/// Left out, `null`, or a value. The model's own, so that it does not borrow the rules it
/// checks from the code.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Merge<T> {
    Keep,
    Clear,
    Set(T),
}

impl<T> Merge<T> {
    pub(super) fn is_absent(&self) -> bool {
        matches!(self, Merge::Keep)
    }

    pub(super) fn map<U>(self, f: impl FnOnce(T) -> U) -> Merge<U> {
        match self {
            Merge::Keep => Merge::Keep,
            Merge::Clear => Merge::Clear,
            Merge::Set(value) => Merge::Set(f(value)),
        }
    }

    /// The field after the patch: kept when left out, gone when `null`, replaced when set.
    pub(super) fn applied_to(self, current: Option<T>) -> Option<T> {
        match self {
            Merge::Keep => current,
            Merge::Clear => None,
            Merge::Set(value) => Some(value),
        }
    }
}

/// A merge-patch field as a reader of a failing sequence wants to see it.
pub(super) fn field<T: fmt::Debug>(f: &mut fmt::Formatter<'_>, name: &str, value: &Merge<T>) -> fmt::Result {
    match value {
        Merge::Keep => Ok(()),
        Merge::Clear => write!(f, " {name}=null"),
        Merge::Set(v) => write!(f, " {name}={v:?}"),
    }
}
