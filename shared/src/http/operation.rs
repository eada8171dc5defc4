//! What an operation is, besides its handler: its route and who may call it, and what its
//! function needs when deployed. Each operation is declared once, in `crate::handlers`; the
//! route table and handler registry come from that list, and `tools/generate` writes each
//! operation's function crate and its block of template.yaml from it.

use super::routes::{Access, Route};

/// The leading-key prefixes of a tenant's own items (docs/table.md).
pub(crate) const TENANT_ITEMS: &[&str] = &["TENANT#*"];
/// A tenant's items and the invitations (keyed by token, not tenant) that it writes.
pub(crate) const TENANT_ITEMS_AND_INVITES: &[&str] = &["TENANT#*", "INVITE#*"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub route: Route,
    /// The function's memory (MB) and timeout (s).
    pub memory_mb: u32,
    pub timeout_s: u32,
    /// The DynamoDB actions (without `dynamodb:`) its role may take on the table's items...
    pub table_actions: &'static [&'static str],
    /// ...whose partition keys start with one of these.
    pub leading_keys: &'static [&'static str],
    /// The indexes it queries, under the same leading keys.
    pub indexes: &'static [&'static str],
    /// Whether it sends email (`ses:SendEmail`, pinned to the sender address).
    pub sends_email: bool,
    /// What it may do to the portal pool's users (`cognito-idp:` actions); with any, the
    /// function is told the pool's id.
    pub portal_users: &'static [&'static str],
    /// Whether a template parameter (`<Function>ReservedConcurrency`) can cap its concurrency.
    pub capped: bool,
    /// Whether it hands out links to export files (`s3:GetObject` on the export bucket's
    /// objects, which a presigned link is signed with); with it, the function is told the bucket.
    pub reads_exports: bool,
}

/// The memory and timeout every function has unless its declaration says otherwise (the
/// template's `Globals`).
pub(crate) const DEFAULT_MEMORY_MB: u32 = 128;
pub(crate) const DEFAULT_TIMEOUT_S: u32 = 10;

/// An operation serving `method template` by the function `function`, for callers `access`
/// allows; the rest is added with the methods below.
pub const fn op(
    method: &'static str,
    template: &'static str,
    function: &'static str,
    access: Access,
) -> Operation {
    Operation {
        route: Route { method, template, function, access },
        memory_mb: DEFAULT_MEMORY_MB,
        timeout_s: DEFAULT_TIMEOUT_S,
        table_actions: &[],
        leading_keys: TENANT_ITEMS,
        indexes: &[],
        sends_email: false,
        portal_users: &[],
        capped: false,
        reads_exports: false,
    }
}

impl Operation {
    /// May take `actions` on the tenant's items.
    pub const fn table(self, actions: &'static [&'static str]) -> Self {
        Operation { table_actions: actions, ..self }
    }

    /// Reaches only items whose keys start with one of `prefixes` (default: the tenant's).
    pub const fn keys(self, prefixes: &'static [&'static str]) -> Self {
        Operation { leading_keys: prefixes, ..self }
    }

    /// Queries these indexes.
    pub const fn indexes(self, names: &'static [&'static str]) -> Self {
        Operation { indexes: names, ..self }
    }

    pub const fn sends_email(self) -> Self {
        Operation { sends_email: true, ..self }
    }

    pub const fn portal_users(self, actions: &'static [&'static str]) -> Self {
        Operation { portal_users: actions, ..self }
    }

    pub const fn memory(self, mb: u32) -> Self {
        Operation { memory_mb: mb, ..self }
    }

    pub const fn timeout(self, seconds: u32) -> Self {
        Operation { timeout_s: seconds, ..self }
    }

    pub const fn capped(self) -> Self {
        Operation { capped: true, ..self }
    }

    pub const fn reads_exports(self) -> Self {
        Operation { reads_exports: true, ..self }
    }
}
