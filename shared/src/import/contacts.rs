//! `POST /clients/{clientId}/contacts/import`: create or update a client's contacts by email.

use super::csv_rows::Cell;
use super::tags::{retag, TagNames};
use super::{failed_row, keyed_rows, row_errors, write_rows, ImportReport, RowOutcome};
use super::{ImportFile, Importer};
use std::collections::{BTreeSet, HashMap};

use crate::domain::custom_field::{CustomFields, FieldType};
use crate::domain::settings::TenantSettings;
use crate::domain::{
    ClientId, Contact, ContactFields, ContactId, ContactPatch, DomainError, FieldError, Patch, Stamp, TagId,
    TenantId,
};
use crate::error::ServiceResult;
use crate::store::batch_lengths;
use serde_json::{Map, Value};

/// The columns of a contacts file: the template's (`docs/import-contacts-template.csv`), then
/// the two an export adds for people to read, which the import reads past.
pub const COLUMNS: &[(&str, Cell)] = &[
    ("salutation", Cell::Text),
    ("first_name", Cell::Text),
    ("last_name", Cell::Text),
    ("job_title", Cell::Text),
    ("department", Cell::Text),
    ("description", Cell::Text),
    ("email", Cell::Text),
    ("mobile", Cell::Phone),
    ("phone", Cell::Phone),
    ("secondary_phone", Cell::Phone),
    ("address.line1", Cell::Text),
    ("address.line2", Cell::Text),
    ("address.city", Cell::Text),
    ("address.region", Cell::Text),
    ("address.postal_code", Cell::Text),
    ("address.country", Cell::Text),
    ("notifications", Cell::List),
    ("permissions", Cell::List),
    ("portal.support_start", Cell::Date),
    ("portal.support_end", Cell::Date),
    ("tags", Cell::Names),
    ("client_id", Cell::Reference),
    ("client_name", Cell::Reference),
];

/// The template's columns, every one the import reads: all but the export's last two.
pub const TEMPLATE_COLUMNS: &[(&str, Cell)] = COLUMNS.split_at(COLUMNS.len() - 2).0;

/// A row as read: its patch, and the tags its `tags` cell names (none: leave them).
type Row = (ContactPatch, Option<BTreeSet<TagId>>);

pub async fn import(
    importer: &Importer<'_>,
    tenant: &TenantId,
    client: ClientId,
    file: ImportFile<'_>,
    dry_run: bool,
    stamp: &Stamp,
) -> ServiceResult<ImportReport> {
    // The client must exist; the tenant's settings give new rows their default permissions
    // and topics. Two reads side by side, once per file.
    let (_, settings) = futures_util::future::try_join(
        importer.store.get_client(tenant, client),
        importer.store.get_settings(tenant),
    )
    .await?;
    let fields = &settings.settings.custom_fields;
    let custom_columns = custom_columns(fields);
    let columns: Vec<(&str, Cell)> = COLUMNS
        .iter()
        .copied()
        .chain(custom_columns.iter().map(|(name, cell)| (name.as_str(), *cell)))
        .collect();
    let rows = file.rows(&columns, &["email"])?;
    let mut report = ImportReport { dry_run, rows: rows.len(), ..ImportReport::default() };
    let names = TagNames::of(importer.store, tenant).await?;

    let parsed = keyed_rows(
        rows,
        &mut report,
        "email",
        |row| row_of(row, (&names, fields), importer),
        |(patch, _)| match &patch.email {
            Patch::Set(email) => Ok(email.key()),
            _ => Err(FieldError::new("email", "is required: imported rows are matched by email")),
        },
    )?;

    let keys: Vec<String> = parsed.iter().map(|p| p.key.clone()).collect();
    let owners = importer.store.email_owners(tenant, &keys).await?;
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    let mut new_tags = HashMap::new();
    for row in parsed {
        let (patch, tags) = row.patch;
        match owners.get(&row.key).copied() {
            Some((other, _)) if other != client => {
                let e = FieldError::new("email", "belongs to a contact of another client of this tenant");
                report.count(row.number, RowOutcome::Failed(vec![e]));
            }
            Some((_, id)) => updates.push((row.number, (id, patch, tags))),
            None => match ContactFields::create(with_defaults(patch, &settings.settings)) {
                Ok(fields) => {
                    new_tags.insert(row.number, tags.unwrap_or_default());
                    creates.push((row.number, new_contact(client, fields, stamp)));
                }
                Err(e) => report.count(row.number, RowOutcome::Failed(row_errors(e)?)),
            },
        }
    }
    let created = create_all(importer, tenant, client, creates, &mut report, dry_run, stamp).await?;
    let created = created.into_iter().map(|(number, id)| (number, (id, new_tags.remove(&number))));
    write_rows(created.collect(), &mut report, |(id, tags)| async move {
        let wanted = tags.unwrap_or_default();
        if !dry_run && !wanted.is_empty() {
            if let Err(e) = retag(importer.store, tenant, (client, id), (&[], &wanted), stamp).await {
                return failed_row(e);
            }
        }
        Ok(RowOutcome::Created)
    })
    .await?;

    let ids: Vec<ContactId> = updates.iter().map(|(_, (id, _, _))| *id).collect();
    let mut current = importer.store.get_contacts(tenant, client, &ids).await?;
    let updates = (updates.into_iter())
        .map(|(number, (id, patch, tags))| (number, (current.remove(&id), patch, tags)))
        .collect();
    write_rows(updates, &mut report, |(contact, patch, tags)| {
        update_row(importer, tenant, client, contact, (patch, tags), dry_run, stamp)
    })
    .await?;
    Ok(report.finish("contacts"))
}

/// A row's fields as a patch, and the tags its `tags` cell names; every bad field at once.
fn row_of(
    mut row: Map<String, Value>,
    (names, fields): (&TagNames, &CustomFields),
    importer: &Importer<'_>,
) -> ServiceResult<Row> {
    let tags = names.resolve(row.remove("tags"));
    match (ContactPatch::parse(row, importer.phone_region, fields, false), tags) {
        (Ok(patch), Ok(tags)) => Ok((patch, tags)),
        (Err(DomainError::Validation(mut errors)), Err(e)) => {
            errors.push(e);
            Err(DomainError::Validation(errors).into())
        }
        (Err(e), _) => Err(e.into()),
        (Ok(_), Err(e)) => Err(DomainError::Validation(vec![e]).into()),
    }
}

/// A column per custom field, `custom.<key>`, after the template's, read as its type is.
pub fn custom_columns(fields: &CustomFields) -> Vec<(String, Cell)> {
    let cell = |kind| match kind {
        FieldType::Text | FieldType::Select => Cell::Text,
        FieldType::Number => Cell::Decimal,
        FieldType::Date => Cell::Date,
        FieldType::Boolean => Cell::Flag,
        FieldType::MultiSelect => Cell::Names,
    };
    fields.iter().map(|f| (format!("custom.{}", f.key), cell(f.kind))).collect()
}

/// A new row's patch with the tenant's defaults where its file leaves permissions or
/// topics out (a missing column or an empty cell; `[clear]` means none).
fn with_defaults(mut patch: ContactPatch, settings: &TenantSettings) -> ContactPatch {
    if let (Patch::Absent, Some(defaults)) = (&patch.permissions, &settings.default_permissions) {
        patch.permissions = Patch::Set(defaults.clone());
    }
    if let (Patch::Absent, Some(defaults)) = (&patch.notifications, &settings.default_notifications) {
        patch.notifications = Patch::Set(defaults.clone());
    }
    patch
}

fn new_contact(client: ClientId, fields: ContactFields, stamp: &Stamp) -> Contact {
    Contact::new(ContactId::generate(), client, fields, stamp)
}

/// New contacts go in batches, one transaction each, one batch at a time: every batch moves
/// the client's counter, so batches in parallel would only conflict on it. Returns the rows
/// created (counted once their tags are on), their refusals counted.
async fn create_all(
    importer: &Importer<'_>,
    tenant: &TenantId,
    client: ClientId,
    creates: Vec<(usize, Contact)>,
    report: &mut ImportReport,
    dry_run: bool,
    stamp: &Stamp,
) -> ServiceResult<Vec<(usize, ContactId)>> {
    let mut created = Vec::new();
    let mut rest = creates.as_slice();
    for length in batch_lengths(creates.iter().map(|(_, c)| c)) {
        let (batch, next) = rest.split_at(length);
        rest = next;
        let (numbers, contacts): (Vec<usize>, Vec<Contact>) = batch.iter().cloned().unzip();
        let results = if dry_run {
            contacts.into_iter().map(Ok).collect()
        } else {
            importer.store.add_contacts(tenant, client, contacts, stamp).await?
        };
        for (number, result) in numbers.into_iter().zip(results) {
            match result {
                Ok(contact) => created.push((number, contact.id)),
                Err(e) => report.count(number, RowOutcome::Failed(row_errors(e)?)),
            }
        }
    }
    Ok(created)
}

/// Updates one existing contact (its fields, then its tags) only if the row changes it.
async fn update_row(
    importer: &Importer<'_>,
    tenant: &TenantId,
    client: ClientId,
    current: Option<Contact>,
    (patch, tags): Row,
    dry_run: bool,
    stamp: &Stamp,
) -> ServiceResult<RowOutcome> {
    // Deleted since its email was looked up.
    let Some(current) = current else { return failed_row(DomainError::NotFound("contact")) };
    let fields = match current.fields.patched(patch.clone(), current.id) {
        Err(e) => return failed_row(e),
        Ok(fields) => fields,
    };
    let retagged = tags.filter(|wanted| !wanted.iter().eq(current.tag_ids.iter()));
    match (fields == current.fields, &retagged) {
        (true, None) => return Ok(RowOutcome::Unchanged),
        _ if dry_run => return Ok(RowOutcome::Updated),
        (true, Some(_)) => {}
        (false, _) => {
            if let Err(e) =
                importer.store.update_contact(tenant, client, current.id, None, patch, stamp).await
            {
                return failed_row(e);
            }
        }
    }
    if let Some(wanted) = retagged {
        let contact = (client, current.id);
        if let Err(e) = retag(importer.store, tenant, contact, (&current.tag_ids, &wanted), stamp).await {
            return failed_row(e);
        }
    }
    Ok(RowOutcome::Updated)
}
