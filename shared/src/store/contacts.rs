//! Contact items live under their client: `PK = TENANT#t#CLIENT#c`, `SK = CONTACT#id`, so a
//! client's contacts are one query and a path naming another client (or tenant) finds nothing.
//!
//! Every change is one conditional `TransactWriteItems` (or a single conditional write when only
//! one item changes). Items are planned from what was read; the conditions make the write fail
//! if that changed meanwhile, and the change is then planned again from fresh state.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

mod bulk;
mod reports;

pub use bulk::BATCH_ROWS;
pub use reports::MAX_REPORTS;
use reports::{demotion_full, link_refused, report_id, too_many_reports, ROOM};

use super::idempotency::{replay, Created, Idempotency, StoredResponse};
use super::items::{
    contact_editable_item, n, new_contact_item, ClientRecord, ContactRecord, UpdateExpr, CONTACT_EDITABLE,
};
use super::stamp::{Stamped, STAMP};
use super::tx::{retry_planned, retry_planned_from, Attempt, Item, Reason, TxOutcome};
use super::{keys, last_sort_key, Page, Store};
use crate::domain::contact::wants_promotion;
use crate::domain::{
    Client, ClientId, Contact, ContactId, ContactPatch, DomainError, DomainResult, Email, NotificationTopic,
    PortalStatus, Stamp, TenantId,
};

/// The role of each item in a transaction, in request order, to read cancellation reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Contact,
    Client,
    NewEmailClaim,
    OldEmailClaim,
    NewManager,
    OldManager,
    OldPrimary,
    Report,
    Credential,
    Idempotency,
}

struct Plan {
    items: Vec<TransactWriteItem>,
    roles: Vec<Role>,
}

impl Plan {
    fn new() -> Self {
        Self { items: Vec::new(), roles: Vec::new() }
    }

    fn push(&mut self, role: Role, item: TransactWriteItem) {
        self.items.push(item);
        self.roles.push(role);
    }
}

/// How a planned transaction ended.
enum Outcome {
    Committed,
    /// Lost a race on an item (transaction conflict): plan again from fresh state.
    Retry,
    /// This item's condition failed (the first one in the caller's order of precedence).
    Failed(Role, Reason),
}

/// What the client item says about its contacts.
#[derive(Debug, Clone, Copy)]
struct ClientState {
    count: u64,
    primary: Option<ContactId>,
}

impl ClientState {
    fn from_item(item: Item) -> DomainResult<Self> {
        Ok(Self::of(&ClientRecord::from_item(item)?.into_client()?))
    }

    fn of(client: &Client) -> Self {
        Self { count: client.contact_count, primary: client.primary_contact_id }
    }
}

/// Renders the response recorded for an idempotent add, once the stored contact is known.
pub type RenderResponse = fn(&Contact) -> StoredResponse;

/// Filters of `list-contacts`.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    pub topic: Option<NotificationTopic>,
    pub primary: Option<bool>,
    pub portal_status: Option<PortalStatus>,
    /// Only contacts that have an email address (recipients).
    pub with_email: bool,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> DomainResult<T> {
    r.map_err(DomainError::internal)
}

impl Store {
    /// Runs a plan and names the item whose condition decided a cancellation.
    async fn run_plan(&self, plan: Plan, precedence: &[Role]) -> DomainResult<Outcome> {
        let mut reasons = match self.transact(plan.items).await? {
            TxOutcome::Committed => return Ok(Outcome::Committed),
            TxOutcome::Conflict => return Ok(Outcome::Retry),
            TxOutcome::Cancelled(reasons) => reasons,
        };
        let failed = precedence.iter().find_map(|role| {
            plan.roles.iter().zip(&reasons).position(|(r, reason)| r == role && reason.failed_condition())
        });
        match failed {
            Some(i) => Ok(Outcome::Failed(plan.roles[i], reasons.swap_remove(i))),
            None => Err(DomainError::internal(format!("transaction cancelled: {reasons:?}"))),
        }
    }

    pub(super) fn contact_key(tenant: &TenantId, client: ClientId, id: ContactId) -> Item {
        Self::key(keys::contacts_pk(tenant, client), keys::contact_sk(id))
    }

    fn client_key(tenant: &TenantId, client: ClientId) -> Item {
        Self::key(keys::tenant_pk(tenant), keys::client_sk(client))
    }

    /// Plans the managers' changes of `report`'s link (role, manager, delta). A transaction
    /// takes one operation per item, so a manager that is also the primary being `demoted` is
    /// left out: the returned delta is for the demotion to apply.
    fn push_report_links(
        &self,
        plan: &mut Plan,
        tenant: &TenantId,
        client: ClientId,
        report: ContactId,
        changes: &[(Role, Option<ContactId>, i64)],
        demoted: Option<ContactId>,
    ) -> DomainResult<i64> {
        let mut demoted_reports = 0;
        for &(role, manager, delta) in changes {
            match manager {
                Some(m) if Some(m) == demoted => demoted_reports += delta,
                Some(m) => plan.push(role, self.report_link(tenant, client, m, report, delta)?),
                None => {}
            }
        }
        Ok(demoted_reports)
    }

    /// Takes the primary role from `old`, which must still hold it, and links (`reports` = 1)
    /// or unlinks (-1) `report` when the same change makes `old` its manager or stops it being
    /// one; a link needs room for one more report.
    fn demote(
        &self,
        tenant: &TenantId,
        client: ClientId,
        old: ContactId,
        (report, reports): (ContactId, i64),
        stamp: &Stamp,
    ) -> DomainResult<TransactWriteItem> {
        let mut set = format!("SET is_primary = :false, {STAMP}");
        let mut condition = "is_primary = :true".to_owned();
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(Self::contact_key(tenant, client, old)))
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        // DynamoDB refuses unused expression values, so these are added only when used.
        if reports != 0 {
            set.push_str(", report_count = if_not_exists(report_count, :zero) + :reports");
            set.push_str(if reports > 0 { " ADD report_ids :report" } else { " DELETE report_ids :report" });
            update = update
                .expression_attribute_values(":zero", n(0))
                .expression_attribute_values(":reports", AttributeValue::N(reports.to_string()))
                .expression_attribute_values(":report", report_id(report));
        }
        if reports > 0 {
            condition.push_str(ROOM);
            update = update.expression_attribute_values(":max", n(MAX_REPORTS));
        }
        let update =
            built(update.update_expression(set).stamped(stamp).condition_expression(condition).build())?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Stores a new contact, its email claim and the client's count (and primary) in one
    /// transaction. The client's state is not read first: the write assumes the common case and,
    /// if the client disagrees, its condition failure returns the real state to plan again.
    pub async fn add_contact(
        &self,
        tenant: &TenantId,
        contact: Contact,
        wants_primary: bool,
        stamp: &Stamp,
        idempotency: Option<Idempotency<'_, RenderResponse>>,
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
                let response = (idem.response)(&contact);
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

    pub async fn get_contact(
        &self,
        tenant: &TenantId,
        client: ClientId,
        id: ContactId,
    ) -> DomainResult<Contact> {
        let item =
            self.get(Self::contact_key(tenant, client, id)).await?.ok_or(DomainError::NotFound("contact"))?;
        ContactRecord::from_item(item)?.into_contact()
    }

    /// One query per page. With filters a page may hold fewer than `limit` contacts (DynamoDB
    /// filters after reading `limit` items); `next_cursor` still continues where it stopped.
    pub async fn list_contacts(
        &self,
        tenant: &TenantId,
        client: ClientId,
        filter: &ContactFilter,
        limit: i32,
        after: Option<String>,
    ) -> DomainResult<Page<Contact>> {
        let pk = keys::contacts_pk(tenant, client);
        let first_page = after.is_none();
        let mut query = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":prefix", s(keys::CONTACT_SK_PREFIX))
            .limit(limit)
            .set_exclusive_start_key(after.map(|sk| Self::key(pk.clone(), sk)));
        let mut filters = Vec::new();
        if let Some(topic) = filter.topic {
            filters.push("contains(notifications, :topic)");
            query = query.expression_attribute_values(":topic", s(topic.as_str()));
        }
        if let Some(primary) = filter.primary {
            filters.push("is_primary = :primary");
            query = query.expression_attribute_values(":primary", AttributeValue::Bool(primary));
        }
        if let Some(status) = filter.portal_status {
            filters.push("portal_status = :status");
            query = query.expression_attribute_values(":status", s(status.as_str()));
        }
        if filter.with_email {
            filters.push("attribute_exists(email)");
        }
        if !filters.is_empty() {
            query = query.filter_expression(filters.join(" AND "));
        }
        let out = query
            .send()
            .await
            .map_err(|e| DomainError::internal(format!("Query: {}", e.into_service_error())))?;
        if first_page && out.scanned_count() == 0 {
            // An empty partition: either a client without contacts or no such client here.
            self.get_client(tenant, client).await?;
        }
        let items = out
            .items()
            .iter()
            .map(|item| ContactRecord::from_item(item.clone())?.into_contact())
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page { items, last_sort_key: last_sort_key(out.last_evaluated_key()) })
    }

    /// The contact and, when asked for, its client, in one strongly consistent read.
    pub async fn read_contact(
        &self,
        tenant: &TenantId,
        client: ClientId,
        id: ContactId,
        with_client: bool,
    ) -> DomainResult<(ContactRecord, Option<Client>)> {
        if !with_client {
            let item = self
                .get(Self::contact_key(tenant, client, id))
                .await?
                .ok_or(DomainError::NotFound("contact"))?;
            return Ok((ContactRecord::from_item(item)?, None));
        }
        let keys = vec![Self::contact_key(tenant, client, id), Self::client_key(tenant, client)];
        let items = self.batch_get(keys).await?;
        let mut contact = None;
        let mut state = None;
        for item in items {
            let is_contact = item
                .get(keys::SK)
                .and_then(|v| v.as_s().ok())
                .is_some_and(|sk| sk.starts_with(keys::CONTACT_SK_PREFIX));
            if is_contact {
                contact = Some(ContactRecord::from_item(item)?);
            } else {
                state = Some(ClientRecord::from_item(item)?.into_client()?);
            }
        }
        Ok((contact.ok_or(DomainError::NotFound("contact"))?, state))
    }

    /// Applies a merge patch. A change of plain fields is one conditional update; a change of
    /// email, line manager or primary role is one transaction over every item it touches.
    pub async fn update_contact(
        &self,
        tenant: &TenantId,
        client: ClientId,
        id: ContactId,
        if_match: Option<u64>,
        patch: ContactPatch,
        stamp: &Stamp,
    ) -> DomainResult<Contact> {
        let needs_client = matches!(patch.is_primary, crate::domain::Patch::Set(true));
        let patch = &patch;
        retry_planned(move || async move {
            let (record, client_item) = self.read_contact(tenant, client, id, needs_client).await?;
            let state = client_item.as_ref().map(ClientState::of);
            let pending_invite = record.invite_hash.is_some();
            let reminded_for = record.reminded_for();
            let current = record.into_contact()?;
            if if_match.is_some_and(|v| v != current.audit.version) {
                return Err(DomainError::PreconditionFailed);
            }
            let fields = current.fields.patched(patch.clone(), id)?;
            let promote = wants_promotion(current.is_primary, &patch.is_primary)?;
            let revoke = patch.revoke_portal && current.portal.status != PortalStatus::Revoked;
            if fields == current.fields && !promote && !revoke {
                return Ok(Attempt::Done(current));
            }
            let mut updated = Contact { fields, audit: current.audit.next(stamp), ..current.clone() };
            updated.is_primary |= promote;

            let old_key = current.fields.email.as_ref().map(Email::key);
            let new_key = updated.fields.email.as_ref().map(Email::key);
            let email_moves = old_key != new_key;
            let manager_moves = current.fields.line_manager_id != updated.fields.line_manager_id;

            let mut edit = UpdateExpr::editable(
                contact_editable_item(&updated.fields)?,
                CONTACT_EDITABLE,
                &updated.audit,
            );
            if promote {
                edit.set("is_primary", AttributeValue::Bool(true));
            }
            if revoke {
                updated.portal.status = PortalStatus::Revoked;
                edit.set("portal_status", AttributeValue::S(PortalStatus::Revoked.as_str().into()));
            }
            // A pending invitation was sent to the old address: it dies with the change.
            if email_moves && updated.portal.status == PortalStatus::Invited {
                updated.portal.status = PortalStatus::None;
                edit.set("portal_status", AttributeValue::S(PortalStatus::None.as_str().into()));
            }
            if pending_invite && (revoke || email_moves) {
                edit.remove("invite_hash");
            }
            edit.sweep_index(self.sweep_index(tenant, &updated, reminded_for));
            let contact_update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(Self::contact_key(tenant, client, id)))
                .update_expression(edit.expression())
                .set_expression_attribute_names(Some(edit.names))
                .set_expression_attribute_values(Some(edit.values))
                .expression_attribute_values(":expected", n(current.audit.version))
                .condition_expression("version = :expected");

            if !email_moves && !manager_moves && !promote {
                return match self.update_single(contact_update).await {
                    Ok(()) => Ok(Attempt::Done(updated)),
                    Err(Some(e)) => Err(e),
                    Err(None) if if_match.is_some() => Err(DomainError::PreconditionFailed),
                    Err(None) => Ok(Attempt::Retry),
                };
            }

            let mut plan = Plan::new();
            plan.push(
                Role::Contact,
                TransactWriteItem::builder().update(built(contact_update.build())?).build(),
            );
            if email_moves {
                if let Some(old) = &current.fields.email {
                    plan.push(Role::OldEmailClaim, self.release_email(tenant, old, id)?);
                }
                if let Some(new) = &updated.fields.email {
                    plan.push(Role::NewEmailClaim, self.claim_email(tenant, new, &updated)?);
                }
            }
            let old_primary = match (promote, state) {
                (false, _) => None,
                (true, None) => return Err(DomainError::NotFound("client")),
                (true, Some(state)) => {
                    Some(state.primary.ok_or_else(|| DomainError::internal("client without primary"))?)
                }
            };
            if old_primary == Some(id) {
                // The client still names this contact primary while the contact is already
                // demoted: the read met another move of the primary half-applied (BatchGetItem
                // is read-committed per item, not per batch). Read again once it has settled.
                return Ok(Attempt::Retry);
            }
            let changes = if manager_moves {
                vec![
                    (Role::NewManager, updated.fields.line_manager_id, 1),
                    (Role::OldManager, current.fields.line_manager_id, -1),
                ]
            } else {
                Vec::new()
            };
            let demoted_reports =
                self.push_report_links(&mut plan, tenant, client, id, &changes, old_primary)?;
            if let Some(old) = old_primary {
                let move_primary = built(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(Self::client_key(tenant, client)))
                        .update_expression(format!("SET primary_contact_id = :new, {STAMP}"))
                        .condition_expression("primary_contact_id = :old")
                        .expression_attribute_values(":new", s(id.to_string()))
                        .expression_attribute_values(":old", s(old.to_string()))
                        .stamped(stamp)
                        .build(),
                )?;
                plan.push(Role::Client, TransactWriteItem::builder().update(move_primary).build());
                plan.push(Role::OldPrimary, self.demote(tenant, client, old, (id, demoted_reports), stamp)?);
            }

            const PRECEDENCE: [Role; 7] = [
                Role::Contact,
                Role::NewEmailClaim,
                Role::NewManager,
                Role::Client,
                Role::OldPrimary,
                Role::OldEmailClaim,
                Role::OldManager,
            ];
            match self.run_plan(plan, &PRECEDENCE).await? {
                Outcome::Committed => Ok(Attempt::Done(updated)),
                Outcome::Failed(Role::Contact, _) if if_match.is_some() => {
                    Err(DomainError::PreconditionFailed)
                }
                Outcome::Failed(Role::NewEmailClaim, _) => Err(DomainError::EmailTaken),
                Outcome::Failed(Role::NewManager, r) => Err(link_refused(&r)),
                Outcome::Failed(Role::OldPrimary, r) if demotion_full(&r, demoted_reports > 0) => {
                    Err(too_many_reports())
                }
                // The contact, the client or another contact changed since the read.
                Outcome::Retry | Outcome::Failed(..) => Ok(Attempt::Retry),
            }
        })
        .await
    }

    /// Runs a single conditional update. `Err(None)` means the condition failed.
    async fn update_single(
        &self,
        update: aws_sdk_dynamodb::types::builders::UpdateBuilder,
    ) -> Result<(), Option<DomainError>> {
        let u = built(update.build()).map_err(Some)?;
        let result = self
            .db
            .update_item()
            .table_name(u.table_name)
            .set_key(Some(u.key))
            .update_expression(u.update_expression)
            .set_condition_expression(u.condition_expression)
            .set_expression_attribute_names(u.expression_attribute_names)
            .set_expression_attribute_values(u.expression_attribute_values)
            .return_values(ReturnValue::None)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => match e.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(_) => Err(None),
                other => Err(Some(DomainError::internal(format!("UpdateItem: {other}")))),
            },
        }
    }

    /// Deletes a contact, releasing its email claim, updates the client's count, and clears the
    /// line-manager link of its reports, all in one transaction.
    pub async fn delete_contact(
        &self,
        tenant: &TenantId,
        client: ClientId,
        id: ContactId,
        if_match: Option<u64>,
        stamp: &Stamp,
    ) -> DomainResult<()> {
        retry_planned(move || async move {
            let record = self
                .get(Self::contact_key(tenant, client, id))
                .await?
                .ok_or(DomainError::NotFound("contact"))?;
            let record = ContactRecord::from_item(record)?;
            let (report_count, report_ids) = (record.report_count, record.report_ids.clone());
            let current = record.into_contact()?;
            if if_match.is_some_and(|v| v != current.audit.version) {
                return Err(DomainError::PreconditionFailed);
            }
            // Only an item from before the limit can have more; known without any query.
            if report_count > MAX_REPORTS {
                return Err(too_many_reports());
            }
            let reports = self.reports_of(tenant, client, id, report_count, &report_ids).await?;

            let mut plan = Plan::new();
            let delete = built(
                Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(Self::contact_key(tenant, client, id)))
                    .condition_expression("version = :expected AND (attribute_not_exists(report_count) OR report_count = :reports)")
                    .expression_attribute_values(":expected", n(current.audit.version))
                    .expression_attribute_values(":reports", n(reports.len() as u64))
                    .build(),
            )?;
            plan.push(Role::Contact, TransactWriteItem::builder().delete(delete).build());

            let mut client_update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(Self::client_key(tenant, client)))
                .expression_attribute_values(":one", n(1))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
            client_update = if current.is_primary {
                // The primary may only go when it is the last contact.
                client_update
                    .update_expression(format!("SET contact_count = contact_count - :one, {STAMP} REMOVE primary_contact_id"))
                    .condition_expression("contact_count = :one AND primary_contact_id = :id")
                    .expression_attribute_values(":id", s(id.to_string()))
            } else {
                client_update
                    .update_expression(format!("SET contact_count = contact_count - :one, {STAMP}"))
                    .condition_expression("attribute_exists(PK)")
            };
            let client_update = built(client_update.stamped(stamp).build())?;
            plan.push(Role::Client, TransactWriteItem::builder().update(client_update).build());
            if let Some(email) = &current.fields.email {
                plan.push(Role::OldEmailClaim, self.release_email(tenant, email, id)?);
            }
            // A transaction takes one operation per item: when this contact's own manager is
            // also one of its reports, clearing that report's link also lowers its count.
            let manager = current.fields.line_manager_id;
            if let Some(manager) = manager.filter(|m| !reports.contains(m)) {
                plan.push(Role::OldManager, self.report_link(tenant, client, manager, id, -1)?);
            }
            plan.push(Role::Credential, self.credential_delete(tenant, id)?);
            for report in &reports {
                let mut clear = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(Self::contact_key(tenant, client, *report)))
                    .condition_expression("line_manager_id = :manager")
                    .expression_attribute_values(":manager", s(id.to_string()))
                    .expression_attribute_values(":one", n(1));
                let mut expression = format!("REMOVE line_manager_id SET {STAMP}");
                if manager == Some(*report) {
                    expression.push_str(", report_count = report_count - :one DELETE report_ids :gone");
                    clear = clear.expression_attribute_values(":gone", report_id(id));
                }
                let clear = built(clear.update_expression(expression).stamped(stamp).build())?;
                plan.push(Role::Report, TransactWriteItem::builder().update(clear).build());
            }

            const PRECEDENCE: [Role; 5] =
                [Role::Contact, Role::Client, Role::Report, Role::OldEmailClaim, Role::OldManager];
            match self.run_plan(plan, &PRECEDENCE).await? {
                Outcome::Committed => Ok(Attempt::Done(())),
                Outcome::Failed(Role::Contact, _) if if_match.is_some() => Err(DomainError::PreconditionFailed),
                Outcome::Failed(Role::Client, r) if current.is_primary => {
                    let others_remain = match r.old {
                        Some(item) => ClientState::from_item(item)?.count > 1,
                        None => false,
                    };
                    if others_remain {
                        return Err(DomainError::PrimaryRequired);
                    }
                    Ok(Attempt::Retry)
                }
                Outcome::Retry | Outcome::Failed(..) => Ok(Attempt::Retry),
            }
        })
        .await
    }
}

fn unknown_manager() -> DomainError {
    DomainError::invalid("line_manager_id", "no such contact of this client")
}
