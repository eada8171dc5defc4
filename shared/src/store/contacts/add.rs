//! Adding one contact: the contact, its email claim, the client's count (and primary) and its
//! line manager's report count, in one transaction.

use aws_sdk_dynamodb::types::{ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};

use super::reports::{demotion_full, link_refused, too_many_reports};
use super::{built, n, new_contact_item, s, ClientState, Outcome, Plan, RenderRecord, Role};
use crate::domain::{Contact, DomainError, DomainResult, Stamp, TenantId};
use crate::store::idempotency::{replay, Created, Idempotency};
use crate::store::stamp::{Stamped, STAMP};
use crate::store::tx::{retry_planned_from, Attempt};
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
    ) -> DomainResult<Created<Contact>> {
        let client = contact.client_id;
        let (contact, idempotency) = (&contact, &idempotency);
        // Nothing is known of the client at first: the first plan assumes the common case.
        retry_planned_from(None, move |known: Option<ClientState>| async move {
            let mut contact = contact.clone();
            // Decide the primary role from what is known (or assumed) of the client.
            let (first, demote) = match known {
                None => (wants_primary, None),
                Some(state) if state.count == 0 => (true, None),
                Some(state) if wants_primary => (
                    false,
                    Some(state.primary.ok_or_else(|| DomainError::internal("client without primary"))?),
                ),
                Some(_) => (false, None),
            };
            contact.is_primary = first || demote.is_some();

            let mut plan = Plan::new();
            let mut client_update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(Self::client_key(tenant, client)))
                .expression_attribute_values(":one", n(1))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
            let mut set = format!("contact_count = contact_count + :one, {STAMP}");
            // DynamoDB refuses unused expression values, so `:zero` is added only where used.
            let condition = if contact.is_primary {
                set.push_str(", primary_contact_id = :new");
                client_update = client_update.expression_attribute_values(":new", s(contact.id.to_string()));
                match demote {
                    Some(old) => {
                        client_update = client_update.expression_attribute_values(":old", s(old.to_string()));
                        "attribute_exists(PK) AND primary_contact_id = :old"
                    }
                    None => {
                        client_update = client_update.expression_attribute_values(":zero", n(0));
                        "attribute_exists(PK) AND contact_count = :zero"
                    }
                }
            } else {
                client_update = client_update.expression_attribute_values(":zero", n(0));
                "attribute_exists(PK) AND contact_count > :zero"
            };
            let client_update = built(
                client_update
                    .stamped(stamp)
                    .update_expression(format!("SET {set}"))
                    .condition_expression(condition)
                    .build(),
            )?;
            plan.push(Role::Client, TransactWriteItem::builder().update(client_update).build());
            plan.push(Role::Contact, self.put_new(new_contact_item(tenant, &contact)?)?);
            if let Some(email) = &contact.fields.email {
                plan.push(Role::NewEmailClaim, self.claim_email(tenant, email, &contact)?);
            }
            let changes = [(Role::NewManager, contact.fields.line_manager_id, 1)];
            let demoted_reports =
                self.push_report_links(&mut plan, tenant, client, contact.id, &changes, demote)?;
            if let Some(old) = demote {
                let link = (contact.id, demoted_reports);
                plan.push(Role::OldPrimary, self.demote(tenant, client, old, link, stamp)?);
            }
            if let Some(idem) = &idempotency {
                let response = (idem.record)(&contact);
                plan.push(
                    Role::Idempotency,
                    self.idempotency_put(tenant, idem.request, response, idem.now_epoch)?,
                );
            }

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
                    None => Err(DomainError::NotFound("client")),
                    Some(item) => Ok(Attempt::Replan(Some(ClientState::from_item(item)?))),
                },
                Outcome::Failed(Role::NewEmailClaim, _) => Err(DomainError::EmailTaken),
                Outcome::Failed(Role::NewManager, r) => Err(link_refused(&r)),
                Outcome::Failed(Role::OldPrimary, r) if demotion_full(&r, demoted_reports > 0) => {
                    Err(too_many_reports())
                }
                Outcome::Failed(Role::OldPrimary, _) => Ok(Attempt::Replan(None)),
                Outcome::Failed(role, _) => {
                    Err(DomainError::internal(format!("add-contact cancelled on {role:?}")))
                }
            }
        })
        .await
    }
}
