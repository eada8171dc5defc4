//! Many new contacts of one client at once (imports): one transaction per batch instead of
//! one per contact, so the client's counter, which every add must move, is written once per
//! batch rather than once per row, and a large file is a few hundred writes, not thousands.
//! Each contact still lands whole or not at all: a contact whose email claim fails its
//! condition (someone took the address meanwhile) is dropped from the batch with
//! `EmailTaken` and the rest is written again.

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::new_contact_item;
use super::primary::{client_contacts_of_item, PrimaryWrite};
use crate::domain::primary::{self, ClientContacts, OnImport};
use crate::domain::{ClientId, Contact, DomainError, Stamp, TenantId};
use crate::store::error::{StoreError, StoreResult};
use crate::store::retry::{retry_from, Attempt, Retry};
use crate::store::tx::{Reason, TxOutcome};
use crate::store::Store;

/// Contacts per transaction at most: one client update plus a contact and an email claim per
/// row fit in DynamoDB's 100 actions. Index items take room too: `batch_lengths` packs rows.
pub const BATCH_ROWS: usize = 49;

/// Actions of one transaction at most (DynamoDB's limit).
const MAX_ACTIONS: usize = 100;

/// The actions a contact takes in a batch: itself, its email claim and its index items.
fn batch_actions(contact: &Contact) -> usize {
    1 + usize::from(contact.fields.email.is_some()) + crate::store::index::index_count(contact)
}

/// How many of `contacts`, in order, go in each batch: as many as fit one transaction with
/// the client's update, at most `BATCH_ROWS`.
pub fn batch_lengths<'a>(contacts: impl IntoIterator<Item = &'a Contact>) -> Vec<usize> {
    let mut lengths = Vec::new();
    let (mut rows, mut actions) = (0, 1);
    for contact in contacts {
        let needs = batch_actions(contact);
        if rows == BATCH_ROWS || actions + needs > MAX_ACTIONS {
            lengths.push(rows);
            (rows, actions) = (0, 1);
        }
        rows += 1;
        actions += needs;
    }
    if rows > 0 {
        lengths.push(rows);
    }
    lengths
}

impl Store {
    /// Adds new contacts of one client, at most `BATCH_ROWS`, in one transaction. The first
    /// contact of a client without contacts becomes its primary. Returns each contact's result
    /// in order; the `Err` of the whole call is for failures of the batch (client missing,
    /// store unavailable).
    pub async fn add_contacts(
        &self,
        tenant: &TenantId,
        client: ClientId,
        contacts: Vec<Contact>,
        stamp: &Stamp,
    ) -> StoreResult<Vec<StoreResult<Contact>>> {
        if batch_lengths(&contacts).len() > 1 || contacts.iter().any(|c| c.fields.line_manager_id.is_some()) {
            // A line manager's report count would be one more item per row: not planned for.
            return Err(StoreError::internal("batch add takes one batch of contacts without line managers"));
        }
        let rows = contacts.len();
        let start =
            Batch { pending: contacts.into_iter().enumerate().collect(), known: None, taken: Vec::new() };
        let attempt = move |mut batch: Batch| async move {
            if batch.pending.is_empty() {
                return Ok(Attempt::Done((batch, true)));
            }
            let decision = primary::on_import(batch.known);
            for (k, (_, contact)) in batch.pending.iter_mut().enumerate() {
                contact.is_primary = decision.is_primary(k);
            }
            let (items, claim_of) = self.batch_plan(tenant, client, &batch.pending, decision, stamp)?;
            let reasons = match self.transact(items).await? {
                TxOutcome::Committed => return Ok(Attempt::Done((batch, true))),
                TxOutcome::Conflict => return Ok(Attempt::Retry),
                TxOutcome::Cancelled(reasons) => reasons,
            };
            if let Some(client_reason) = reasons.first().filter(|r| r.failed_condition()) {
                match &client_reason.old {
                    None => return Err(StoreError::Refused(DomainError::NotFound("client"))),
                    Some(item) => batch.known = Some(client_contacts_of_item(item.clone())?),
                }
                return Ok(Attempt::Replan(batch));
            }
            // A contact whose address someone took meanwhile drops out; the rest is written again.
            for k in taken_claims(&claim_of, &reasons)?.into_iter().rev() {
                let (i, _) = batch.pending.remove(k);
                batch.taken.push(i);
            }
            Ok(Attempt::Progress(batch))
        };
        // Given up after its attempts, the contacts still pending are `Contention` each.
        let (batch, written) = retry_from(Retry::PLANNED, start, attempt, |batch| Ok((batch, false))).await?;
        let mut results: Vec<Option<StoreResult<Contact>>> = (0..rows).map(|_| None).collect();
        for i in batch.taken {
            results[i] = Some(Err(DomainError::EmailTaken.into()));
        }
        for (i, contact) in batch.pending {
            results[i] = Some(if written { Ok(contact) } else { Err(StoreError::Contention) });
        }
        Ok(results.into_iter().map(|r| r.expect("every contact has a result")).collect())
    }

    /// The client update first, then each contact, its index items and its email claim; also, for each contact,
    /// the position of its claim in the request (cancellation reasons come back by position).
    fn batch_plan(
        &self,
        tenant: &TenantId,
        client: ClientId,
        pending: &[(usize, Contact)],
        decision: OnImport,
        stamp: &Stamp,
    ) -> StoreResult<(Vec<TransactWriteItem>, Vec<Option<usize>>)> {
        let client_side = PrimaryWrite::on_import(decision, pending[0].1.id);
        let added = pending.len() as i64;
        let mut items = vec![self.client_contacts_update(tenant, client, added, client_side, stamp)?];
        let mut claim_of = Vec::with_capacity(pending.len());
        for (_, contact) in pending {
            items.push(self.put_new(new_contact_item(tenant, contact)?)?);
            items.extend(self.index_writes(tenant, None, Some(contact))?);
            claim_of.push(match &contact.fields.email {
                Some(email) => {
                    items.push(self.claim_email(tenant, email, contact)?);
                    Some(items.len() - 1)
                }
                None => None,
            });
        }
        Ok((items, claim_of))
    }
}

/// Where adding a batch stands between attempts.
#[derive(Clone)]
struct Batch {
    /// The contacts still to write, with their positions in the request.
    pending: Vec<(usize, Contact)>,
    /// The client's contacts as the last cancellation showed them (first: assumed to have none).
    known: Option<ClientContacts>,
    /// The positions of the contacts dropped because someone took their address meanwhile.
    taken: Vec<usize>,
}

/// The pending contacts (by position) whose email claim failed its condition; a cancellation
/// for any other reason is not planned for.
fn taken_claims(claim_of: &[Option<usize>], reasons: &[Reason]) -> StoreResult<Vec<usize>> {
    let taken: Vec<usize> = claim_of
        .iter()
        .enumerate()
        .filter(|(_, position)| position.is_some_and(|p| reasons[p].failed_condition()))
        .map(|(k, _)| k)
        .collect();
    if taken.is_empty() {
        return Err(StoreError::internal(format!("batch add cancelled: {reasons:?}")));
    }
    Ok(taken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ContactFields, ContactId, ContactPatch, Email, NotificationTopic, Patch, Text};

    /// A contact with a last name, an address (2 search items) and `topics`.
    fn contact(topics: &[NotificationTopic]) -> Contact {
        let mut fields = ContactFields::create(ContactPatch {
            last_name: Patch::Set(Text::from_stored("Lovelace".into())),
            email: Patch::Set(Email::parse("ada@x.test").expect("valid")),
            ..ContactPatch::default()
        })
        .expect("valid fields");
        fields.notifications = topics.to_vec();
        let stamp = Stamp { at: "2024-01-01T00:00:00Z".into(), by: "u".into() };
        let (id, client_id) = (ContactId::generate(), ClientId::generate());
        Contact::new(id, client_id, fields, &stamp)
    }

    #[test]
    fn a_batch_holds_as_many_rows_as_fit_one_transaction_with_the_clients_update() {
        // Contact, claim and 2 search items: 4 actions, so 24 rows and the client's update.
        let plain = vec![contact(&[]); 50];
        // And all 8 topics: 12 actions, so 8 rows.
        let busy = vec![contact(NotificationTopic::ALL); 9];

        assert_eq!(batch_lengths(&plain), [24, 24, 2]);
        assert_eq!(batch_lengths(&busy), [8, 1]);
        assert_eq!(batch_lengths(&[]), Vec::<usize>::new());
    }
}
