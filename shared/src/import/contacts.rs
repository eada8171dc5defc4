//! `POST /clients/{clientId}/contacts/import`: create or update a client's contacts by email.

use super::csv_rows::{read_rows, Cell};
use super::{keyed_rows, row_errors, write_rows, ImportReport, RowOutcome};
use crate::app::App;
use crate::domain::{
    Audit, ClientId, Contact, ContactFields, ContactId, ContactPatch, DomainResult, FieldError, Patch,
    PortalState, Stamp, TenantId,
};
use crate::store::Created;

/// The columns of a contacts file (see `docs/import-contacts-template.csv`).
pub const COLUMNS: &[(&str, Cell)] = &[
    ("salutation", Cell::Text),
    ("first_name", Cell::Text),
    ("last_name", Cell::Text),
    ("job_title", Cell::Text),
    ("department", Cell::Text),
    ("description", Cell::Text),
    ("email", Cell::Text),
    ("mobile", Cell::Text),
    ("phone", Cell::Text),
    ("secondary_phone", Cell::Text),
    ("address.line1", Cell::Text),
    ("address.line2", Cell::Text),
    ("address.city", Cell::Text),
    ("address.region", Cell::Text),
    ("address.postal_code", Cell::Text),
    ("address.country", Cell::Text),
    ("notifications", Cell::List),
    ("permissions", Cell::List),
    ("portal.support_start", Cell::Text),
    ("portal.support_end", Cell::Text),
];

pub async fn import(
    app: &App,
    tenant: &TenantId,
    client: ClientId,
    bytes: &[u8],
    dry_run: bool,
    stamp: &Stamp,
) -> DomainResult<ImportReport> {
    app.store.get_client(tenant, client).await?;
    let rows = read_rows(bytes, COLUMNS, &["email"])?;
    let mut report = ImportReport { dry_run, rows: rows.len(), ..ImportReport::default() };

    let parsed = keyed_rows(
        rows,
        &mut report,
        "email",
        |fields| ContactPatch::parse(fields, app.phone_region, false),
        |patch| match &patch.email {
            Patch::Set(email) => Ok(email.key()),
            _ => Err(FieldError::new("email", "is required: imported rows are matched by email")),
        },
    )?;

    let keys: Vec<String> = parsed.iter().map(|p| p.key.clone()).collect();
    let owners = app.store.email_owners(tenant, &keys).await?;
    write_rows(parsed, &mut report, |row| {
        let owner = owners.get(&row.key).copied();
        import_row(app, tenant, client, row.patch, owner, dry_run, stamp)
    })
    .await?;
    Ok(report.finish())
}

async fn import_row(
    app: &App,
    tenant: &TenantId,
    client: ClientId,
    patch: ContactPatch,
    owner: Option<(ClientId, ContactId)>,
    dry_run: bool,
    stamp: &Stamp,
) -> DomainResult<RowOutcome> {
    let failed = |e| row_errors(e).map(RowOutcome::Failed);
    match owner {
        Some((other, _)) if other != client => Ok(RowOutcome::Failed(vec![FieldError::new(
            "email",
            "belongs to a contact of another client of this tenant",
        )])),
        Some((_, id)) => {
            let current = match app.store.get_contact(tenant, client, id).await {
                Ok(c) => c,
                Err(e) => return failed(e),
            };
            match current.fields.patched(patch.clone(), id) {
                Err(e) => failed(e),
                Ok(fields) if fields == current.fields => Ok(RowOutcome::Unchanged),
                Ok(_) if dry_run => Ok(RowOutcome::Updated),
                Ok(_) => match app.store.update_contact(tenant, client, id, None, patch, stamp).await {
                    Ok(_) => Ok(RowOutcome::Updated),
                    Err(e) => failed(e),
                },
            }
        }
        None => {
            let fields = match ContactFields::create(patch) {
                Ok(f) => f,
                Err(e) => return failed(e),
            };
            if dry_run {
                return Ok(RowOutcome::Created);
            }
            let contact = Contact {
                id: ContactId::generate(),
                client_id: client,
                fields,
                is_primary: false,
                portal: PortalState::default(),
                audit: Audit::new(stamp),
            };
            match app.store.add_contact(tenant, contact, false, stamp, None).await {
                Ok(Created::New(_) | Created::Replayed(_)) => Ok(RowOutcome::Created),
                Err(e) => failed(e),
            }
        }
    }
}
