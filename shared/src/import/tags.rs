//! The `tags` column of a contacts file: names of the tenant's tags separated by `|`, compared
//! as tag names are (`domain::tag::name_key`). A cell sets the contact's tags to exactly those
//! it names; an empty cell leaves them, `[clear]` takes them all off. A name the tenant has no
//! tag of fails the row (an import does not make tags), as does a cell of more than 20.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use crate::domain::tag::{name_key, MAX_TAGS_PER_CONTACT};
use crate::domain::{ClientId, ContactId, FieldError, Stamp, TagId, TenantId};
use crate::store::{Store, StoreResult};

/// The tenant's tags by name key, read once per file; tags being deleted are left out.
pub(crate) struct TagNames(HashMap<String, TagId>);

impl TagNames {
    pub(crate) async fn of(store: &Store, tenant: &TenantId) -> StoreResult<Self> {
        let tags = store.all_tags(tenant).await?;
        Ok(Self(tags.into_iter().filter(|t| !t.deleting).map(|t| (t.name_key(), t.id)).collect()))
    }

    /// The tags a row's cell names: `None` for an empty cell (or no column).
    pub(crate) fn resolve(&self, cell: Option<Value>) -> Result<Option<BTreeSet<TagId>>, FieldError> {
        let names = match cell {
            None => return Ok(None),
            Some(Value::Null) => return Ok(Some(BTreeSet::new())),
            Some(Value::Array(names)) => names,
            Some(_) => return Err(FieldError::new("tags", "must be tag names separated by |")),
        };
        let mut ids = BTreeSet::new();
        for name in names.iter().filter_map(Value::as_str) {
            let id = self.0.get(&name_key(name));
            ids.insert(*id.ok_or_else(|| FieldError::new("tags", format!("no tag named {name:?}")))?);
        }
        match ids.len() as u64 <= MAX_TAGS_PER_CONTACT {
            true => Ok(Some(ids)),
            false => Err(FieldError::new("tags", format!("at most {MAX_TAGS_PER_CONTACT} tags"))),
        }
    }
}

/// Brings the contact's tags from `current` to `wanted`: tags it with the new ones, then takes
/// off the others.
pub(crate) async fn retag(
    store: &Store,
    tenant: &TenantId,
    contact: (ClientId, ContactId),
    (current, wanted): (&[TagId], &BTreeSet<TagId>),
    stamp: &Stamp,
) -> StoreResult<()> {
    for tag in wanted.iter().filter(|t| !current.contains(t)) {
        store.tag_contact(tenant, contact, *tag, stamp).await?;
    }
    for tag in current.iter().filter(|t| !wanted.contains(t)) {
        store.untag_contact(tenant, contact, *tag).await?;
    }
    Ok(())
}
