//! A plain edit of a contact (`ContactPatch::is_plain`: title, phones, notes,
//! permissions...) in one round trip: one conditional `UpdateItem` whose condition states the
//! rules the read-then-write path checks on the item it reads (see `store::plain`).

use super::update::Updated;
use crate::domain::{ClientId, ContactId, ContactPatch, DomainError, Stamp, TenantId};
use crate::store::error::{StoreError, StoreResult};
use crate::store::items::{contact_plain_attrs, ContactRecord};
use crate::store::plain::{PlainOutcome, PlainWrite};
use crate::store::tx::Item;
use crate::store::Store;

/// The ways to reach a contact, of which one must remain.
const CHANNELS: [&str; 3] = ["email", "mobile", "phone"];

impl Store {
    /// Applies a plain patch in one conditional write. `Ok(None)`: refused for a reason the
    /// item as it was does not show (it cannot happen while items are written as
    /// `contact_editable_item` writes them); the caller then reads and writes.
    pub(super) async fn update_plain(
        &self,
        tenant: &TenantId,
        (client, id): (ClientId, ContactId),
        if_match: Option<u64>,
        patch: &ContactPatch,
        stamp: &Stamp,
    ) -> StoreResult<Option<Updated>> {
        let mut write = PlainWrite::new(stamp, if_match);
        let attrs = contact_plain_attrs(patch);
        for (attr, value) in &attrs {
            write.write(attr, value.clone());
        }
        // A patch that sets a channel keeps one; one that clears some needs one of the others.
        let written = |channel: &&str| attrs.iter().any(|(attr, _)| attr == channel);
        let sets_one = attrs.iter().any(|(attr, value)| CHANNELS.contains(attr) && value.is_some());
        if !sets_one && CHANNELS.iter().any(&written) {
            let kept: Vec<&str> = CHANNELS.iter().filter(|c| !written(c)).copied().collect();
            write.require_any(&kept);
        }
        match self.write_plain(Self::contact_key(tenant, client, id), write).await? {
            PlainOutcome::Written(item) => {
                Ok(Some(Updated { before: None, after: ContactRecord::from_item(item)?.into_contact()? }))
            }
            PlainOutcome::Refused(old) => explain_refusal(old, id, if_match, patch),
        }
    }
}

/// Says which rule refused a plain write, from the contact as it was, in the order the
/// read-then-write path checks them: gone (404), `If-Match` (412), the patch's own rules (422,
/// with the same errors, from the same code); a patch that changes nothing answers the contact
/// as it is.
fn explain_refusal(
    old: Option<Item>,
    id: ContactId,
    if_match: Option<u64>,
    patch: &ContactPatch,
) -> StoreResult<Option<Updated>> {
    let current = ContactRecord::from_item(old.ok_or(DomainError::NotFound("contact"))?)?.into_contact()?;
    if if_match.is_some_and(|v| v != current.audit.version) {
        return Err(StoreError::PreconditionFailed);
    }
    if current.fields.patched(patch.clone(), id)? == current.fields {
        return Ok(Some(Updated { before: Some(current.clone()), after: current }));
    }
    Ok(None)
}
