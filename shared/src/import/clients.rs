//! `POST /clients/import`: create or update clients, matched by name (trimmed, any case).

use std::collections::HashMap;

use super::csv_rows::Cell;
use super::{failed_row, keyed_rows, write_rows, ImportReport, RowOutcome};
use super::{ImportFile, Importer};
use crate::domain::{Audit, Client, ClientFields, ClientId, ClientPatch, FieldError, Patch, Stamp, TenantId};
use crate::error::ServiceResult;
use crate::store::ClientFilter;

/// The columns of a clients file (see `docs/import-clients-template.csv`).
pub const COLUMNS: &[(&str, Cell)] = &[
    ("name", Cell::Text),
    ("email", Cell::Text),
    ("phone", Cell::Phone),
    ("website", Cell::Text),
    ("address.line1", Cell::Text),
    ("address.line2", Cell::Text),
    ("address.city", Cell::Text),
    ("address.region", Cell::Text),
    ("address.postal_code", Cell::Text),
    ("address.country", Cell::Text),
    ("status", Cell::Text),
    ("sla.low.response_minutes", Cell::Number),
    ("sla.low.resolution_minutes", Cell::Number),
    ("sla.medium.response_minutes", Cell::Number),
    ("sla.medium.resolution_minutes", Cell::Number),
    ("sla.high.response_minutes", Cell::Number),
    ("sla.high.resolution_minutes", Cell::Number),
    ("sla.urgent.response_minutes", Cell::Number),
    ("sla.urgent.resolution_minutes", Cell::Number),
];

fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

pub async fn import(
    importer: &Importer<'_>,
    tenant: &TenantId,
    file: ImportFile<'_>,
    dry_run: bool,
    stamp: &Stamp,
) -> ServiceResult<ImportReport> {
    let rows = file.rows(COLUMNS, &["name"])?;
    let mut report = ImportReport { dry_run, rows: rows.len(), ..ImportReport::default() };

    // The tenant's clients by name: one query per 100 clients.
    let mut existing: HashMap<String, Client> = HashMap::new();
    let mut after = None;
    loop {
        let page = importer.store.list_clients(tenant, &ClientFilter::default(), 100, after).await?;
        for c in page.items {
            existing.entry(name_key(c.fields.name.as_str())).or_insert(c);
        }
        match page.last_sort_key {
            Some(sk) => after = Some(sk),
            None => break,
        }
    }

    let parsed = keyed_rows(
        rows,
        &mut report,
        "name",
        |fields| Ok(ClientPatch::parse(fields, importer.phone_region, true)?),
        |patch| match &patch.name {
            Patch::Set(name) => Ok(name_key(name.as_str())),
            _ => Err(FieldError::new("name", "is required: imported rows are matched by name")),
        },
    )?;
    let rows = parsed.into_iter().map(|row| (row.number, row)).collect();
    write_rows(rows, &mut report, |row| {
        let current = existing.get(&row.key).cloned();
        import_row(importer, tenant, current, row.patch, dry_run, stamp)
    })
    .await?;
    Ok(report.finish("clients"))
}

async fn import_row(
    importer: &Importer<'_>,
    tenant: &TenantId,
    current: Option<Client>,
    patch: ClientPatch,
    dry_run: bool,
    stamp: &Stamp,
) -> ServiceResult<RowOutcome> {
    match current {
        // The name only found the client: its spelling stays as it is.
        Some(client) => match client.fields.patched(ClientPatch { name: Patch::Absent, ..patch.clone() }) {
            Err(e) => failed_row(e),
            Ok(fields) if fields == client.fields => Ok(RowOutcome::Unchanged),
            Ok(_) if dry_run => Ok(RowOutcome::Updated),
            Ok(_) => match importer
                .store
                .update_client(tenant, client.id, None, ClientPatch { name: Patch::Absent, ..patch }, stamp)
                .await
            {
                Ok(_) => Ok(RowOutcome::Updated),
                Err(e) => failed_row(e),
            },
        },
        None => {
            let fields = match ClientFields::create(patch) {
                Ok(f) => f,
                Err(e) => return failed_row(e),
            };
            if dry_run {
                return Ok(RowOutcome::Created);
            }
            let client = Client {
                id: ClientId::generate(),
                fields,
                primary_contact_id: None,
                contact_count: 0,
                archived_count: 0,
                audit: Audit::new(stamp),
            };
            match importer.store.create_client(tenant, &client, None).await {
                Ok(_) => Ok(RowOutcome::Created),
                Err(e) => failed_row(e),
            }
        }
    }
}
