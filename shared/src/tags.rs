//! Changing and deleting a tag (`domain::tag`, `store::tags`). A change is made against the
//! version the caller read (`If-Match`) or, without one, the version just read, read again when
//! another change landed in between. A deletion first marks the tag, so no contact takes it
//! from then on, then takes it from its contacts a page at a time (`REMOVALS_PER_CALL`): a tag
//! on more contacts than one call removes answers that it goes on, and the next `DELETE` (or a
//! retry after a failure) continues where the last stopped, until the tag itself goes.

use crate::domain::tag::{Tag, TagPatch};
use crate::domain::{Stamp, TagId, TenantId};
use crate::error::ServiceResult;
use crate::store::retry::{retry_planned, Attempt};
use crate::store::{Store, StoreError, TagRemoval};

/// Applies `patch` to the tag; a patch that changes nothing writes nothing.
pub async fn update(
    store: &Store,
    tenant: &TenantId,
    (id, if_match): (TagId, Option<u64>),
    patch: TagPatch,
    stamp: &Stamp,
) -> ServiceResult<Tag> {
    let patch = &patch;
    retry_planned(move || async move {
        let tag = store.get_tag(tenant, id).await?;
        if if_match.is_some_and(|version| version != tag.audit.version) {
            return Err(StoreError::PreconditionFailed.into());
        }
        let next = tag.patched(patch.clone(), stamp);
        if next == tag {
            return Ok(Attempt::Done(tag));
        }
        match (store.put_tag(tenant, &tag, &next).await?, if_match) {
            (true, _) => Ok(Attempt::Done(next)),
            (false, Some(_)) => Err(StoreError::PreconditionFailed.into()),
            (false, None) => Ok(Attempt::Retry),
        }
    })
    .await
}

/// One call of a tag's deletion: `Ok(None)` once the tag is gone, else what this call removed.
pub async fn delete(store: &Store, tenant: &TenantId, id: TagId) -> ServiceResult<Option<TagRemoval>> {
    let tag = store.mark_tag_deleting(tenant, id).await?;
    let removal = store.remove_tag_members(tenant, id).await?;
    if removal.more {
        return Ok(Some(removal));
    }
    store.finish_tag_delete(tenant, &tag).await?;
    Ok(None)
}
