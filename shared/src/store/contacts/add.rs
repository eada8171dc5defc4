//! Adding one contact: the contact, its email claim, the client's count (and primary) and its
//! line manager's report count and its index items, in one transaction.

use super::primary::{client_contacts_of_item, PrimaryWrite};
use super::reports::{demotion_full, link_refused, too_many_reports};
use super::{new_contact_item, Outcome, Plan, RenderRecord, Role};
use crate::domain::primary::{self, ClientContacts, OnAdd};
use crate::domain::{Contact, DomainError, Stamp, TenantId};
use crate::store::error::{StoreError, StoreResult};
use crate::store::idempotency::{replay, Created, CreatedBy, Idempotency};
use crate::store::retry::{retry_planned_from, Attempt};
use crate::store::Store;

impl Store {
    /// Stores a new contact, its email claim and the client's count (and primary) in one
    /// transaction. The client's state is not read first: the write assumes the common case and,
    /// if the client disagrees, its condition failure returns the real state to plan again.
    pub async fn add_contact(
        &self,
        tenant: &TenantId,
        contact: Contact,
        wants_primary: bool,
        stamp: &Stamp,
        idempotency: Option<Idempotency<'_, RenderRecord>>,
    ) -> StoreResult<Created<Contact>> {
        let (contact, idempotency) = (&contact, &idempotency);
        // Nothing is known of the client at first: the first plan assumes the common case.
        retry_planned_from(None, move |known: Option<ClientContacts>| async move {
            let decision = primary::on_add(known, wants_primary);
            let mut contact = contact.clone();
            contact.is_primary = decision.is_primary();
            let (plan, demoted_reports) = self.add_plan(tenant, &contact, decision, stamp, idempotency)?;
            const PRECEDENCE: [Role; 6] = [
                Role::Idempotency,
                Role::Client,
                Role::NewEmailClaim,
                Role::NewManager,
                Role::OldPrimary,
                Role::Contact,
            ];
            match self.run_plan(plan, &PRECEDENCE).await? {
                Outcome::Committed => Ok(Attempt::Done(Created::New(contact))),
                Outcome::Retry => Ok(Attempt::Retry),
                Outcome::Failed(Role::Idempotency, r) => {
                    let idem = idempotency.as_ref().expect("planned only with a key");
                    Ok(Attempt::Done(Created::Replayed(replay(r.old, idem.request)?)))
                }
                // The client is not as assumed: its old image tells how it is.
                Outcome::Failed(Role::Client, r) => match r.old {
                    None => Err(DomainError::NotFound("client").into()),
                    Some(item) => Ok(Attempt::Replan(Some(client_contacts_of_item(item)?))),
                },
                Outcome::Failed(Role::NewEmailClaim, _) => Err(DomainError::EmailTaken.into()),
                Outcome::Failed(Role::NewManager, r) => Err(link_refused(&r).into()),
                Outcome::Failed(Role::OldPrimary, r) if demotion_full(&r, demoted_reports > 0) => {
                    Err(too_many_reports().into())
                }
                Outcome::Failed(Role::OldPrimary, _) => Ok(Attempt::Replan(None)),
                Outcome::Failed(role, _) => {
                    Err(StoreError::internal(format!("add-contact cancelled on {role:?}")))
                }
            }
        })
        .await
    }

    /// The add's transaction: the client's side as the primary decision has it, the contact,
    /// its email claim, its manager's link (or the demoted primary's), and the idempotency
    /// record. Also returns the link the demotion carries.
    fn add_plan(
        &self,
        tenant: &TenantId,
        contact: &Contact,
        decision: OnAdd,
        stamp: &Stamp,
        idempotency: &Option<Idempotency<'_, RenderRecord>>,
    ) -> StoreResult<(Plan, i64)> {
        let client = contact.client_id;
        let mut plan = Plan::new();
        let client_side = PrimaryWrite::on_add(decision, contact.id);
        plan.push(Role::Client, self.client_contacts_update(tenant, client, 1, client_side, stamp)?);
        let mut item = new_contact_item(tenant, contact)?;
        if let Some(idem) = idempotency {
            // The record will hold the contact's data: the contact names it, to erase it with.
            item.extend(CreatedBy::of(tenant, idem.request, idem.now_epoch).attributes());
        }
        plan.push(Role::Contact, self.put_new(item)?);
        plan.push_index(self.index_writes(tenant, None, Some(contact))?);
        if let Some(email) = &contact.fields.email {
            plan.push(Role::NewEmailClaim, self.claim_email(tenant, email, contact)?);
        }
        let demote = match decision {
            OnAdd::TakesOver { demote } => Some(demote),
            OnAdd::First | OnAdd::Joins => None,
        };
        let changes = [(Role::NewManager, contact.fields.line_manager_id, 1)];
        let demoted_reports =
            self.push_report_links(&mut plan, tenant, client, contact.id, &changes, demote)?;
        if let Some(old) = demote {
            plan.push(
                Role::OldPrimary,
                self.demote(tenant, client, old, (contact.id, demoted_reports), stamp)?,
            );
        }
        if let Some(idem) = idempotency {
            let response = (idem.record)(contact);
            plan.push(
                Role::Idempotency,
                self.idempotency_put(tenant, idem.request, response, idem.now_epoch)?,
            );
        }
        Ok((plan, demoted_reports))
    }
}
