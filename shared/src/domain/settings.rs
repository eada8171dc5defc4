//! A tenant's settings (Perfex's Setup): the permissions and email topics a new contact gets
//! when its request leaves them out, whether adding a contact sends the portal invitation, the
//! name emails are signed with, and how long an invitation stays valid. What a tenant has not
//! set falls back to the deployment's parameters (`Fallbacks`), so a tenant that never saved
//! its settings behaves as before they existed.

use std::ops::RangeInclusive;

use serde::Serialize;
use serde_json::{Map, Value};

use super::audit::{Audit, Stamp};
use super::custom_field::CustomFields;
use super::error::{DomainError, FieldError};
use super::fields::FieldReader;
use super::patch::Patch;
use super::text::Text;
use super::topics::{NotificationTopic, Permission};

/// Hours an invitation may be set to last: at least one, at most a week (an invitation record
/// is kept a week past its validity, and a longer-lived link is a longer-lived credential).
pub const INVITE_TTL_HOURS: RangeInclusive<u32> = 1..=168;
/// Days an archived contact may be kept before it is erased: a day at least (an archive is not
/// a deletion), a year at most (archived data kept longer than that is data nobody uses).
pub const ARCHIVE_RETENTION_DAYS: RangeInclusive<u32> = 1..=365;
/// How long an archived contact is kept when the tenant has not said.
pub const DEFAULT_ARCHIVE_RETENTION_DAYS: u32 = 30;
/// The longest name emails may be signed with.
pub(crate) const SIGNATURE_NAME_MAX: usize = 100;

/// What a tenant has set; `None` = not set, the fallback applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantSettings {
    pub default_permissions: Option<Vec<Permission>>,
    pub default_notifications: Option<Vec<NotificationTopic>>,
    pub invite_on_add: Option<bool>,
    pub signature_name: Option<Text>,
    pub invite_ttl_hours: Option<u32>,
    pub archive_retention_days: Option<u32>,
    /// The tenant's own contact fields (`domain::custom_field`); none by default.
    pub custom_fields: CustomFields,
}

/// A tenant's settings as stored: none saved yet is version 0 and no audit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredSettings {
    pub settings: TenantSettings,
    pub audit: Option<Audit>,
}

impl StoredSettings {
    pub fn version(&self) -> u64 {
        self.audit.as_ref().map_or(0, |a| a.version)
    }

    /// The strong entity tag, `"v0"` while nothing is saved (an `If-Match: "v0"` then means
    /// "only if nobody has saved settings yet").
    pub fn etag(&self) -> String {
        format!("\"v{}\"", self.version())
    }

    /// The audit of the next version, written by `stamp`.
    pub(crate) fn next_audit(&self, stamp: &Stamp) -> Audit {
        match &self.audit {
            Some(audit) => audit.next(stamp),
            None => Audit::new(stamp),
        }
    }
}

/// A merge patch of the settings: absent = unchanged, `null` = back to the fallback.
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    pub default_permissions: Patch<Vec<Permission>>,
    pub default_notifications: Patch<Vec<NotificationTopic>>,
    pub invite_on_add: Patch<bool>,
    pub signature_name: Patch<Text>,
    pub invite_ttl_hours: Patch<u32>,
    pub archive_retention_days: Patch<u32>,
    pub custom_fields: Patch<CustomFields>,
}

/// The read-only fields a client may send back from a `GET` unchanged.
const READ_ONLY: &[&str] = &["inherited", "version", "updated_at", "updated_by"];

impl SettingsPatch {
    /// Reads a JSON object; every bad or unknown field is reported at once.
    pub fn parse(mut body: Map<String, Value>) -> Result<Self, DomainError> {
        let mut errors = Vec::new();
        for name in READ_ONLY {
            if body.remove(*name).is_some() {
                errors.push(FieldError::new(*name, "is read-only"));
            }
        }
        let mut r = FieldReader::new(body);
        let patch = Self {
            default_permissions: r.list("default_permissions", 16, Permission::parse),
            default_notifications: r.list("default_notifications", 16, NotificationTopic::parse),
            invite_on_add: r.boolean("invite_on_add"),
            signature_name: r.text("signature_name", SIGNATURE_NAME_MAX),
            invite_ttl_hours: r.whole_number("invite_ttl_hours", INVITE_TTL_HOURS),
            archive_retention_days: r.whole_number("archive_retention_days", ARCHIVE_RETENTION_DAYS),
            custom_fields: match r.raw("custom_fields") {
                Patch::Set(Value::Array(items)) => match CustomFields::parse(items) {
                    Ok(fields) => Patch::Set(fields),
                    Err(e) => {
                        errors.extend(e);
                        Patch::Absent
                    }
                },
                Patch::Set(_) => {
                    errors.push(FieldError::new("custom_fields", "must be a list of field definitions"));
                    Patch::Absent
                }
                other => other.map(|_| CustomFields::default()),
            },
        };
        errors.extend(r.finish());
        if errors.is_empty() {
            Ok(patch)
        } else {
            Err(DomainError::Validation(errors))
        }
    }
}

impl TenantSettings {
    pub fn patched(&self, patch: SettingsPatch) -> Self {
        Self {
            default_permissions: patch
                .default_permissions
                .apply(self.default_permissions.clone())
                .map(sorted),
            default_notifications: patch
                .default_notifications
                .apply(self.default_notifications.clone())
                .map(sorted),
            invite_on_add: patch.invite_on_add.apply(self.invite_on_add),
            signature_name: patch.signature_name.apply(self.signature_name.clone()),
            invite_ttl_hours: patch.invite_ttl_hours.apply(self.invite_ttl_hours),
            archive_retention_days: patch.archive_retention_days.apply(self.archive_retention_days),
            // A list is replaced whole (RFC 7396); `null` removes every definition.
            custom_fields: patch.custom_fields.apply(Some(self.custom_fields.clone())).unwrap_or_default(),
        }
    }

    /// The settings in force: the tenant's, else the fallbacks.
    pub(crate) fn effective(&self, fallbacks: &Fallbacks<'_>) -> Effective {
        Effective {
            default_permissions: self.default_permissions.clone().unwrap_or_default(),
            default_notifications: self.default_notifications.clone().unwrap_or_default(),
            invite_on_add: self.invite_on_add.unwrap_or(false),
            signature_name: self
                .signature_name
                .as_ref()
                .map_or_else(|| fallbacks.signature_name.to_owned(), |t| t.as_str().to_owned()),
            invite_ttl_hours: self.invite_ttl_hours.unwrap_or(fallbacks.invite_ttl_hours),
            archive_retention_days: self.archive_retention_days(),
            custom_fields: self.custom_fields.clone(),
        }
    }

    /// The fields this tenant has not set, which follow the fallbacks.
    pub fn inherited(&self) -> Vec<&'static str> {
        [
            ("default_permissions", self.default_permissions.is_none()),
            ("default_notifications", self.default_notifications.is_none()),
            ("invite_on_add", self.invite_on_add.is_none()),
            ("signature_name", self.signature_name.is_none()),
            ("invite_ttl_hours", self.invite_ttl_hours.is_none()),
            ("archive_retention_days", self.archive_retention_days.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, inherited)| inherited.then_some(name))
        .collect()
    }
}

impl TenantSettings {
    /// How many days an archived contact of this tenant is kept before it is erased.
    pub fn archive_retention_days(&self) -> u32 {
        self.archive_retention_days.unwrap_or(DEFAULT_ARCHIVE_RETENTION_DAYS)
    }
}

fn sorted<T: Ord>(mut values: Vec<T>) -> Vec<T> {
    values.sort_unstable();
    values.dedup();
    values
}

/// The deployment's parameters (`SENDER_NAME`, `INVITE_TTL_HOURS`) for what a tenant has not
/// set. Permissions and topics fall back to none and the invitation to not sent, as before
/// settings existed.
#[derive(Debug, Clone, Copy)]
pub struct Fallbacks<'a> {
    pub signature_name: &'a str,
    pub invite_ttl_hours: u32,
}

/// The settings in force for a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effective {
    pub default_permissions: Vec<Permission>,
    pub default_notifications: Vec<NotificationTopic>,
    pub invite_on_add: bool,
    pub signature_name: String,
    pub invite_ttl_hours: u32,
    pub archive_retention_days: u32,
    pub custom_fields: CustomFields,
}

/// `GET /settings`: the settings in force, which of them are inherited, and the version.
#[derive(Debug, Serialize)]
pub struct SettingsView<'a> {
    #[serde(flatten)]
    pub effective: Effective,
    pub inherited: Vec<&'static str>,
    pub version: u64,
    pub updated_at: Option<&'a str>,
    pub updated_by: Option<&'a str>,
}

impl StoredSettings {
    pub fn view(&self, fallbacks: &Fallbacks<'_>) -> SettingsView<'_> {
        SettingsView {
            effective: self.settings.effective(fallbacks),
            inherited: self.settings.inherited(),
            version: self.version(),
            updated_at: self.audit.as_ref().map(|a| a.updated_at.as_str()),
            updated_by: self.audit.as_ref().map(|a| a.updated_by.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<SettingsPatch, DomainError> {
        SettingsPatch::parse(value.as_object().unwrap().clone())
    }

    const FALLBACKS: Fallbacks<'static> = Fallbacks { signature_name: "Team", invite_ttl_hours: 48 };

    #[test]
    fn every_bad_field_is_named_at_once() {
        let err = parse(json!({
            "default_permissions": ["invoices", "payroll"], "default_notifications": "invoice",
            "invite_on_add": "yes", "signature_name": "a\nb", "invite_ttl_hours": 169, "colour": 1,
        }))
        .unwrap_err();
        let DomainError::Validation(errors) = err else { panic!("{err:?}") };
        let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "colour",
                "default_notifications",
                "default_permissions[1]",
                "invite_on_add",
                "invite_ttl_hours",
                "signature_name"
            ]
        );
    }

    #[test]
    fn the_invitation_lifetime_is_a_whole_number_of_hours_from_one_to_a_week() {
        for ok in [1, 48, 168] {
            assert!(parse(json!({ "invite_ttl_hours": ok })).is_ok(), "{ok}");
        }
        for bad in [json!(0), json!(169), json!(1.5), json!(-1), json!("48")] {
            assert!(parse(json!({ "invite_ttl_hours": bad })).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_archived_contact_is_kept_a_whole_number_of_days_from_one_to_a_year_thirty_unless_set() {
        for ok in [1, 30, 365] {
            assert!(parse(json!({ "archive_retention_days": ok })).is_ok(), "{ok}");
        }
        for bad in [json!(0), json!(366), json!(1.5), json!("30")] {
            assert!(parse(json!({ "archive_retention_days": bad })).is_err(), "{bad}");
        }
        assert_eq!(TenantSettings::default().effective(&FALLBACKS).archive_retention_days, 30);
        let set = TenantSettings::default().patched(parse(json!({ "archive_retention_days": 7 })).unwrap());
        assert_eq!(set.archive_retention_days(), 7);
    }

    #[test]
    fn a_whole_number_of_hours_written_with_a_zero_fraction_is_that_number() {
        // JSON Schema's integers include 142.0, and clients that hold numbers as floats send it.
        let patch = parse(json!({ "invite_ttl_hours": 142.0 })).expect("142.0 is a whole number");
        assert_eq!(patch.invite_ttl_hours, Patch::Set(142));
        assert!(parse(json!({ "invite_ttl_hours": 169.0 })).is_err());
    }

    #[test]
    fn unset_settings_follow_the_fallbacks_and_null_returns_to_them() {
        let set = TenantSettings::default()
            .patched(parse(json!({ "signature_name": " Acme ", "invite_ttl_hours": 24 })).unwrap());
        assert_eq!(set.effective(&FALLBACKS).signature_name, "Acme");
        assert_eq!(set.effective(&FALLBACKS).invite_ttl_hours, 24);

        let reset = set.patched(parse(json!({ "signature_name": null })).unwrap());
        assert_eq!(reset.effective(&FALLBACKS).signature_name, "Team");
        assert_eq!(reset.effective(&FALLBACKS).invite_ttl_hours, 24, "absent is unchanged");
        assert!(reset.inherited().contains(&"signature_name"));
    }

    #[test]
    fn default_lists_are_kept_sorted_without_repeats() {
        let set = TenantSettings::default()
            .patched(parse(json!({ "default_permissions": ["support", "invoices", "support"] })).unwrap());
        assert_eq!(set.default_permissions, Some(vec![Permission::Invoices, Permission::Support]));
    }

    #[test]
    fn read_only_fields_sent_back_are_named() {
        let err = parse(json!({ "version": 3, "inherited": [] })).unwrap_err();
        let DomainError::Validation(errors) = err else { panic!() };
        assert_eq!(errors.len(), 2);
    }
}
