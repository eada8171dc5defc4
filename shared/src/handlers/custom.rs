//! The tenant's custom field definitions (`domain::custom_field`) as a request needs them.
//!
//! A body carrying `custom` values is checked against the definitions in force: one consistent
//! `GetItem` of the settings. Showing values, and a new contact's required fields, use the
//! settings as this instance read them within `SETTINGS_TTL` (docs/table.md): a definition
//! changed through another instance shows in its values' display that much later.

use serde_json::{Map, Value};

use crate::domain::custom_field::CustomFields;
use crate::domain::settings::StoredSettings;
use crate::domain::Contact;
use crate::http::{Call, HttpResult};
use crate::store::TenantContact;
use crate::App;

/// The settings a new contact's body is read with, and its defaults filled from, in one read:
/// read now when the body carries `custom` (its values are checked against the definitions in
/// force), else as this instance read them within `SETTINGS_TTL` (for the required fields).
pub(crate) async fn for_new(call: &Call<'_, App>, body: &Map<String, Value>) -> HttpResult<StoredSettings> {
    let tenant = call.tenant()?;
    Ok(match body.contains_key("custom") {
        true => call.app.store.get_settings(tenant).await?,
        false => call.app.store.recent_settings(tenant, call.app.clock.now()).await?,
    })
}

/// The definitions an edit's body is read with: read now when it carries `custom`, not read
/// otherwise (`None`: an edit that leaves `custom` alone checks nothing of it).
pub(crate) async fn for_change(
    call: &Call<'_, App>,
    body: &Map<String, Value>,
) -> HttpResult<Option<CustomFields>> {
    match body.contains_key("custom") {
        true => Ok(Some(call.app.store.get_settings(call.tenant()?).await?.settings.custom_fields)),
        false => Ok(None),
    }
}

/// The definitions as this instance read them within `SETTINGS_TTL`.
pub(crate) async fn in_force(call: &Call<'_, App>) -> HttpResult<CustomFields> {
    let stored = call.app.store.recent_settings(call.tenant()?, call.app.clock.now()).await?;
    Ok(stored.settings.custom_fields)
}

/// What holds a contact a response shows.
pub(crate) trait ShowsContact {
    fn contact_mut(&mut self) -> &mut Contact;
}

impl ShowsContact for Contact {
    fn contact_mut(&mut self) -> &mut Contact {
        self
    }
}

impl ShowsContact for crate::store::ArchivedContact {
    fn contact_mut(&mut self) -> &mut Contact {
        &mut self.contact
    }
}

impl ShowsContact for TenantContact {
    fn contact_mut(&mut self) -> &mut Contact {
        &mut self.contact
    }
}

/// `items` as a response shows them: each contact's values of defined fields only.
pub(crate) async fn shown<T: ShowsContact>(call: &Call<'_, App>, mut items: Vec<T>) -> HttpResult<Vec<T>> {
    if items.iter_mut().all(|i| i.contact_mut().fields.custom.is_empty()) {
        return Ok(items);
    }
    let fields = in_force(call).await?;
    for item in &mut items {
        let contact = item.contact_mut();
        contact.fields.custom = fields.visible(&contact.fields.custom);
    }
    Ok(items)
}

/// One contact as a response shows it.
pub(crate) async fn shown_one(call: &Call<'_, App>, contact: Contact) -> HttpResult<Contact> {
    Ok(shown(call, vec![contact]).await?.remove(0))
}

/// One contact as a response shows it, by the definitions the request already read (`Some`),
/// else as `shown_one` does.
pub(crate) async fn shown_by(
    call: &Call<'_, App>,
    fields: Option<&CustomFields>,
    mut contact: Contact,
) -> HttpResult<Contact> {
    match fields {
        Some(fields) => {
            contact.fields.custom = fields.visible(&contact.fields.custom);
            Ok(contact)
        }
        None => shown_one(call, contact).await,
    }
}
