//! The primary-contact rule's decisions (`domain::primary`) as writes: the client's side of a
//! change of its contacts (count and `primary_contact_id`) under the condition that checks the
//! state the decision was made on, and the demotion of a primary that loses the role.

use aws_sdk_dynamodb::types::{
    AttributeValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

use super::reports::{report_id, MAX_REPORTS, ROOM};
use super::{built, n, s};
use crate::domain::primary::{ClientContacts, OnAdd, OnDelete, OnImport};
use crate::domain::{Client, ClientId, ContactId, Stamp, TenantId};
use crate::store::error::StoreResult;
use crate::store::items::ClientRecord;
use crate::store::tx::Item;
use crate::store::update_expr::UpdateExpr;
use crate::store::Store;

/// What a write does to the client's primary, and so what it must find to hold.
#[derive(Debug, Clone, Copy)]
pub(super) enum PrimaryWrite {
    /// The client must have no contacts; `new` becomes primary.
    First(ContactId),
    /// `from` must still be primary; `to` takes over.
    Moves { from: ContactId, to: ContactId },
    /// The client must have contacts; its primary stays.
    Joins,
    /// The client must exist; its primary stays.
    Stays,
    /// `last` must be the primary and the only contact; the client then names none.
    LastGoes(ContactId),
}

impl PrimaryWrite {
    pub(super) fn on_add(decision: OnAdd, new: ContactId) -> Self {
        match decision {
            OnAdd::First => Self::First(new),
            OnAdd::TakesOver { demote } => Self::Moves { from: demote, to: new },
            OnAdd::Joins => Self::Joins,
        }
    }

    /// The client's side of contact `leaving` going (deleted, moved, archived) by the rule's
    /// decision: a primary goes only as the last one.
    pub(super) fn on_leave(decision: OnDelete, leaving: ContactId) -> Self {
        match decision {
            OnDelete::OnlyAsLast => Self::LastGoes(leaving),
            OnDelete::KeepsPrimary => Self::Stays,
        }
    }

    pub(super) fn on_import(decision: OnImport, first_row: ContactId) -> Self {
        match decision {
            OnImport::FirstRowPrimary => Self::First(first_row),
            OnImport::KeepsPrimary => Self::Joins,
        }
    }
}

/// The client's contacts in the rule's terms, from its item (a refusal's old image).
pub(super) fn client_contacts_of_item(item: Item) -> StoreResult<ClientContacts> {
    client_contacts(&ClientRecord::from_item(item)?.into_client()?)
}

pub(super) fn client_contacts(client: &Client) -> StoreResult<ClientContacts> {
    Ok(ClientContacts::of(client.contact_count, client.primary_contact_id)?)
}

impl Store {
    /// The client's side of a change of its contacts: its count moves by `added` and its
    /// primary as `primary` says, under the condition that checks what that decision assumed.
    /// A refusal returns the client as it was, for the rule to decide again.
    pub(super) fn client_contacts_update(
        &self,
        tenant: &TenantId,
        client: ClientId,
        added: i64,
        primary: PrimaryWrite,
        stamp: &Stamp,
    ) -> StoreResult<TransactWriteItem> {
        self.client_counts_update(tenant, client, (added, 0), primary, stamp)
    }

    /// `client_contacts_update` with the count of archived contacts moving by `archived` too
    /// (absent counts as 0).
    pub(super) fn client_counts_update(
        &self,
        tenant: &TenantId,
        client: ClientId,
        (added, archived): (i64, i64),
        primary: PrimaryWrite,
        stamp: &Stamp,
    ) -> StoreResult<TransactWriteItem> {
        let mut expr = UpdateExpr::new();
        if added != 0 {
            expr.increment("contact_count", added);
        }
        if archived != 0 {
            expr.count("archived_count", archived);
        }
        expr.stamp(stamp);
        let condition = match primary {
            PrimaryWrite::First(new) => {
                expr.set("primary_contact_id", s(new.to_string())).value(":zero", n(0));
                "attribute_exists(PK) AND contact_count = :zero"
            }
            PrimaryWrite::Moves { from, to } => {
                expr.set("primary_contact_id", s(to.to_string())).value(":old", s(from.to_string()));
                "attribute_exists(PK) AND primary_contact_id = :old"
            }
            PrimaryWrite::Joins => {
                expr.value(":zero", n(0));
                "attribute_exists(PK) AND contact_count > :zero"
            }
            PrimaryWrite::Stays => "attribute_exists(PK)",
            PrimaryWrite::LastGoes(last) => {
                expr.remove("primary_contact_id").value(":one", n(1)).value(":id", s(last.to_string()));
                "contact_count = :one AND primary_contact_id = :id"
            }
        };
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(Self::client_key(tenant, client)))
            .condition_expression(condition)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        Ok(TransactWriteItem::builder().update(built(expr.apply(update).build())?).build())
    }

    /// Takes the primary role from `old`, which must still hold it, and links (`reports` = 1)
    /// or unlinks (-1) `report` when the same change makes `old` its manager or stops it being
    /// one; a link needs room for one more report.
    pub(super) fn demote(
        &self,
        tenant: &TenantId,
        client: ClientId,
        old: ContactId,
        (report, reports): (ContactId, i64),
        stamp: &Stamp,
    ) -> StoreResult<TransactWriteItem> {
        let mut expr = UpdateExpr::new();
        expr.set("is_primary", AttributeValue::Bool(false))
            .stamp(stamp)
            .value(":true", AttributeValue::Bool(true));
        let mut condition = "is_primary = :true".to_owned();
        if reports != 0 {
            expr.count("report_count", reports);
            match reports > 0 {
                true => expr.add_to_set("report_ids", report_id(report)),
                false => expr.delete_from_set("report_ids", report_id(report)),
            };
        }
        if reports > 0 {
            condition.push_str(ROOM);
            expr.value(":max", n(MAX_REPORTS));
        }
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(Self::contact_key(tenant, client, old)))
            .condition_expression(condition)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        Ok(TransactWriteItem::builder().update(built(expr.apply(update).build())?).build())
    }
}
