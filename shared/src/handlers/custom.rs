//! The tenant's custom field definitions (`domain::custom_field`) as a request needs them.
//!
//! A body carrying `custom` values is checked against the definitions in force: one consistent
//! `GetItem` of the settings. Showing values, and a new contact's required fields, use the
//! settings as this instance read them within `SETTINGS_TTL` (docs/table.md): a definition
//! changed through another instance shows in its values' display that much later.

use serde_json::{Map, Value};

use crate::domain::custom_field::CustomFields;
use crate::domain::Contact;
use crate::http::{Call, HttpResult};
use crate::store::TenantContact;
use crate::App;

/// The definitions a contact body is read with: read now when it carries `custom`, as recently
/// read when it creates a contact (for the required fields), none otherwise (an edit that
/// leaves `custom` alone checks nothing of it).
pub(crate) async fn for_body(
    call: &Call<'_, App>,
    body: &Map<String, Value>,
    creating: bool,
) -> HttpResult<CustomFields> {
    let tenant = call.tenant()?;
    if body.contains_key("custom") {
        return Ok(call.app.store.get_settings(tenant).await?.settings.custom_fields);
    }
    if creating {
        return in_force(call).await;
    }
    Ok(CustomFields::default())
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
