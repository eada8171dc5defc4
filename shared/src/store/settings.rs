//! A tenant's settings: one item, `PK = TENANT#t`, `SK = SETTINGS`, in the partition of the
//! tenant's clients (whose queries ask for `CLIENT#` sort keys only, so they never read it).
//! Versioned like clients and contacts: every write is conditioned on the version it read.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use serde::{Deserialize, Serialize};
use serde_dynamo::{from_item, to_item};

use super::items::{ClientRecord, ContactRecord};
use super::n;
use super::retry::{retry_planned, Attempt};
use super::tx::Item;
use super::{keys, Store};
use crate::domain::custom_field::{CustomField, CustomFields, FieldType};
use crate::domain::settings::{SettingsPatch, StoredSettings, TenantSettings};
use crate::domain::{
    Audit, Client, ClientId, ContactId, DomainError, NotificationTopic, Permission, Stamp, TenantId, Text,
};
use crate::store::error::{StoreError, StoreResult};

/// The item's attributes besides its key; an unset setting has no attribute.
#[derive(Serialize, Deserialize)]
struct SettingsItem {
    entity: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_permissions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_notifications: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invite_on_add: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invite_ttl_hours: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    archive_retention_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    custom_fields: Vec<CustomFieldItem>,
    version: u64,
    created_at: String,
    updated_at: String,
    created_by: String,
    updated_by: String,
}

/// A custom field's definition as stored, in the tenant's order.
#[derive(Serialize, Deserialize)]
struct CustomFieldItem {
    key: String,
    label: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    options: Vec<String>,
    #[serde(default)]
    required: bool,
}

fn custom_field_items(fields: &CustomFields) -> Vec<CustomFieldItem> {
    (fields.iter())
        .map(|f| CustomFieldItem {
            key: f.key.clone(),
            label: f.label.as_str().to_owned(),
            kind: f.kind.as_str().to_owned(),
            options: f.options.clone(),
            required: f.required,
        })
        .collect()
}

fn stored_custom_fields(items: Vec<CustomFieldItem>) -> StoreResult<CustomFields> {
    let field = |i: CustomFieldItem| {
        Ok(CustomField {
            kind: FieldType::parse(&i.kind)
                .map_err(|e| StoreError::internal(format!("stored field: {e}")))?,
            key: i.key,
            label: Text::from_stored(i.label),
            options: i.options,
            required: i.required,
        })
    };
    Ok(CustomFields::from_stored(items.into_iter().map(field).collect::<StoreResult<_>>()?))
}

fn names<T: Copy>(values: &Option<Vec<T>>, name: fn(T) -> &'static str) -> Option<Vec<String>> {
    values.as_ref().map(|v| v.iter().map(|x| name(*x).to_owned()).collect())
}

fn parsed<T>(
    values: Option<Vec<String>>,
    parse: fn(&str) -> Result<T, String>,
) -> StoreResult<Option<Vec<T>>> {
    values
        .map(|v| v.iter().map(|x| parse(x)).collect::<Result<Vec<T>, String>>())
        .transpose()
        .map_err(|e| StoreError::internal(format!("stored settings: {e}")))
}

fn settings_item(tenant: &TenantId, s: &TenantSettings, audit: &Audit) -> StoreResult<Item> {
    let record = SettingsItem {
        entity: "settings".into(),
        default_permissions: names(&s.default_permissions, Permission::as_str),
        default_notifications: names(&s.default_notifications, NotificationTopic::as_str),
        invite_on_add: s.invite_on_add,
        signature_name: s.signature_name.as_ref().map(|t| t.as_str().to_owned()),
        invite_ttl_hours: s.invite_ttl_hours,
        archive_retention_days: s.archive_retention_days,
        custom_fields: custom_field_items(&s.custom_fields),
        version: audit.version,
        created_at: audit.created_at.clone(),
        updated_at: audit.updated_at.clone(),
        created_by: audit.created_by.clone(),
        updated_by: audit.updated_by.clone(),
    };
    let mut item: Item = to_item(record).map_err(StoreError::internal)?;
    item.extend(Store::settings_key(tenant));
    Ok(item)
}

/// The stored settings of an item read back (`None`: none saved yet).
pub(crate) fn stored_settings(item: Option<Item>) -> StoreResult<StoredSettings> {
    let Some(item) = item else { return Ok(StoredSettings::default()) };
    let r: SettingsItem = from_item(item).map_err(StoreError::internal)?;
    Ok(StoredSettings {
        settings: TenantSettings {
            default_permissions: parsed(r.default_permissions, Permission::parse)?,
            default_notifications: parsed(r.default_notifications, NotificationTopic::parse)?,
            invite_on_add: r.invite_on_add,
            signature_name: r.signature_name.map(Text::from_stored),
            invite_ttl_hours: r.invite_ttl_hours,
            archive_retention_days: r.archive_retention_days,
            custom_fields: stored_custom_fields(r.custom_fields)?,
        },
        audit: Some(Audit {
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            created_by: r.created_by,
            updated_by: r.updated_by,
        }),
    })
}

impl Store {
    pub(crate) fn settings_key(tenant: &TenantId) -> Item {
        Self::key(keys::tenant_pk(tenant), keys::SETTINGS_SK)
    }

    /// Whether `item` (read in a batch with others) is a settings item.
    pub(crate) fn is_settings(item: &Item) -> bool {
        item.get(keys::SK).and_then(|v| v.as_s().ok()).is_some_and(|sk| sk == keys::SETTINGS_SK)
    }

    /// The tenant's settings (version 0 when none were saved): one consistent `GetItem`.
    pub async fn get_settings(&self, tenant: &TenantId) -> StoreResult<StoredSettings> {
        stored_settings(self.get(Self::settings_key(tenant)).await?)
    }

    /// Applies a merge patch with optimistic locking: the write is conditioned on the version
    /// read (or on no item, for the first save), and planned again when another writer got
    /// there first, unless `If-Match` pinned the version, which is then 412.
    pub async fn update_settings(
        &self,
        tenant: &TenantId,
        if_match: Option<u64>,
        patch: SettingsPatch,
        stamp: &Stamp,
    ) -> StoreResult<StoredSettings> {
        let patch = &patch;
        retry_planned(move || async move {
            let current = self.get_settings(tenant).await?;
            if if_match.is_some_and(|v| v != current.version()) {
                return Err(StoreError::PreconditionFailed);
            }
            let settings = current.settings.patched(patch.clone());
            if settings == current.settings {
                return Ok(Attempt::Done(current));
            }
            let audit = current.next_audit(stamp);
            let request = self
                .db
                .put_item()
                .table_name(&self.table)
                .set_item(Some(settings_item(tenant, &settings, &audit)?));
            let request = match current.version() {
                0 => request.condition_expression("attribute_not_exists(PK)"),
                v => request
                    .condition_expression("version = :expected")
                    .expression_attribute_values(":expected", n(v)),
            };
            match request.send().await {
                Ok(_) => {
                    self.settings_cache.forget(tenant);
                    Ok(Attempt::Done(StoredSettings { settings, audit: Some(audit) }))
                }
                Err(e) => match e.into_service_error() {
                    PutItemError::ConditionalCheckFailedException(_) if if_match.is_some() => {
                        Err(StoreError::PreconditionFailed)
                    }
                    PutItemError::ConditionalCheckFailedException(_) => Ok(Attempt::Retry),
                    other => Err(StoreError::failed("PutItem", other)),
                },
            }
        })
        .await
    }

    /// A client and the tenant's settings in one consistent `BatchGetItem` (a notification
    /// signs with the tenant's name).
    pub(crate) async fn get_client_with_settings(
        &self,
        tenant: &TenantId,
        client: ClientId,
    ) -> StoreResult<(Client, StoredSettings)> {
        let items =
            self.batch_get(vec![Self::client_key(tenant, client), Self::settings_key(tenant)]).await?;
        let (settings, others): (Vec<Item>, Vec<Item>) = items.into_iter().partition(Self::is_settings);
        let client = others.into_iter().next().ok_or(DomainError::NotFound("client"))?;
        Ok((ClientRecord::from_item(client)?.into_client()?, stored_settings(settings.into_iter().next())?))
    }

    /// A contact, its client and the tenant's settings in one consistent `BatchGetItem`: what
    /// sending an invitation or a password reset needs, in the one read it always made.
    pub(crate) async fn read_link_context(
        &self,
        tenant: &TenantId,
        client: ClientId,
        id: ContactId,
    ) -> StoreResult<(ContactRecord, Option<Client>, StoredSettings)> {
        let keys = vec![
            Self::contact_key(tenant, client, id),
            Self::client_key(tenant, client),
            Self::settings_key(tenant),
        ];
        let (mut contact, mut client_item, mut settings) = (None, None, None);
        for item in self.batch_get(keys).await? {
            let sk = item.get(keys::SK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            if sk == keys::SETTINGS_SK {
                settings = Some(item);
            } else if sk.starts_with(keys::CONTACT_SK_PREFIX) {
                contact = Some(ContactRecord::from_item(item)?);
            } else {
                client_item = Some(ClientRecord::from_item(item)?.into_client()?);
            }
        }
        Ok((contact.ok_or(DomainError::NotFound("contact"))?, client_item, stored_settings(settings)?))
    }
}
