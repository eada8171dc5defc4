//! A contact's request body: creating (absent = null) or merge-patching (RFC 7396).

use serde_json::{Map, Value};
use time::Date;

use super::address::AddressPatch;
use super::contact::NO_CHANNEL;
use super::custom_field::{CustomFields, CustomPatch};
use super::dates::parse_date;
use super::email::Email;
use super::error::{DomainError, FieldError};
use super::fields::FieldReader;
use super::ids::ContactId;
use super::patch::Patch;
use super::phone::{PhoneNumber, PhoneRegion};
use super::text::Text;
use super::topics::{NotificationTopic, Permission, PortalStatus};

/// A parsed request body for creating (absent = null) or merge-patching a contact.
#[derive(Debug, Clone, Default)]
pub struct ContactPatch {
    pub salutation: Patch<Text>,
    pub first_name: Patch<Text>,
    pub last_name: Patch<Text>,
    pub job_title: Patch<Text>,
    pub department: Patch<Text>,
    pub description: Patch<Text>,
    pub email: Patch<Email>,
    pub mobile: Patch<PhoneNumber>,
    pub phone: Patch<PhoneNumber>,
    pub secondary_phone: Patch<PhoneNumber>,
    pub address: Patch<AddressPatch>,
    pub line_manager_id: Patch<ContactId>,
    pub notifications: Patch<Vec<NotificationTopic>>,
    pub permissions: Patch<Vec<Permission>>,
    pub support_start: Patch<Date>,
    pub support_end: Patch<Date>,
    pub is_primary: Patch<bool>,
    /// The tenant's own fields it sets or clears, checked by their definitions.
    pub custom: CustomPatch,
    /// `portal.status: "revoked"`: end portal access (the only status a user sets directly).
    pub revoke_portal: bool,
}

impl ContactPatch {
    /// Reads a JSON object; every bad or unknown field is reported at once. For a new contact
    /// (`creating`), missing required fields are reported together with the bad ones. `custom`
    /// is read by the tenant's definitions (`fields`).
    pub fn parse(
        body: Map<String, Value>,
        region: PhoneRegion,
        fields: &CustomFields,
        creating: bool,
    ) -> Result<Self, DomainError> {
        let mut r = FieldReader::new(body);
        let phone = |s: &str| PhoneNumber::parse(s, region);
        let contact_id = |s: &str| ContactId::parse(s.trim()).ok_or("must be a contact id".to_owned());
        let (support_start, support_end, revoke_portal) = read_portal(&mut r, creating);
        let patch = Self {
            salutation: r.text("salutation", 20),
            first_name: r.text("first_name", 100),
            last_name: r.text("last_name", 100),
            job_title: r.text("job_title", 100),
            department: r.text("department", 100),
            description: r.multiline_text("description", 2000),
            email: r.parsed("email", Email::parse),
            mobile: r.parsed("mobile", phone),
            phone: r.parsed("phone", phone),
            secondary_phone: r.parsed("secondary_phone", phone),
            address: r.object("address", AddressPatch::read),
            line_manager_id: r.parsed("line_manager_id", contact_id),
            notifications: r.list("notifications", 16, NotificationTopic::parse),
            permissions: r.list("permissions", 16, Permission::parse),
            support_start,
            support_end,
            is_primary: r.boolean("is_primary"),
            custom: custom_patch(&mut r, fields),
            revoke_portal,
        };
        let mut errors = r.finish();
        if creating {
            let missing = missing_required(&patch, &errors);
            errors.extend(missing);
        }
        if errors.is_empty() {
            Ok(patch)
        } else {
            Err(DomainError::Validation(errors))
        }
    }

    pub fn is_empty(&self) -> bool {
        self.salutation.is_absent()
            && self.first_name.is_absent()
            && self.last_name.is_absent()
            && self.job_title.is_absent()
            && self.department.is_absent()
            && self.description.is_absent()
            && self.email.is_absent()
            && self.mobile.is_absent()
            && self.phone.is_absent()
            && self.secondary_phone.is_absent()
            && self.address.is_absent()
            && self.line_manager_id.is_absent()
            && self.notifications.is_absent()
            && self.permissions.is_absent()
            && self.support_start.is_absent()
            && self.support_end.is_absent()
            && self.is_primary.is_absent()
            && self.custom.is_absent()
            && !self.revoke_portal
    }

    /// Whether the patch's rules can be checked by a condition on the stored contact instead
    /// of on a read of it: it changes something, leaves the email, the names and the topics
    /// (whose index items must be moved with them, `store::index`), the primary role, the line
    /// manager (whose reports are kept on other items) and the portal alone, and at most clears
    /// the address (merging one into the current needs the current).
    pub(crate) fn is_plain(&self) -> bool {
        !self.is_empty()
            && self.email.is_absent()
            && self.first_name.is_absent()
            && self.last_name.is_absent()
            && self.notifications.is_absent()
            && self.is_primary.is_absent()
            && self.line_manager_id.is_absent()
            && self.support_start.is_absent()
            && self.support_end.is_absent()
            && !self.revoke_portal
            && self.custom.is_absent()
            && !self.address.is_set()
    }
}

/// Reads `custom` by the tenant's definitions (`null`: clear every value), and notes which
/// keys they require.
fn custom_patch(r: &mut FieldReader, fields: &CustomFields) -> CustomPatch {
    let values = match r.object("custom", |c| fields.read(c)) {
        Patch::Set(patch) => patch.values,
        Patch::Null => Patch::Null,
        Patch::Absent => Patch::Absent,
    };
    CustomPatch { values, required: fields.required() }
}

/// Reads `portal`: its support window, and whether it asks to revoke access (the only status a
/// user sets, and only on an existing contact). A `null` portal clears the window.
fn read_portal(r: &mut FieldReader, creating: bool) -> (Patch<Date>, Patch<Date>, bool) {
    let mut support_start = Patch::Absent;
    let mut support_end = Patch::Absent;
    let mut revoke_portal = false;
    let portal = r.object("portal", |p| {
        support_start = p.parsed("support_start", parse_date);
        support_end = p.parsed("support_end", parse_date);
        let status =
            p.parsed("status", |s| match s.parse::<PortalStatus>() {
                Ok(PortalStatus::Revoked) if !creating => Ok(()),
                _ => Err("only \"revoked\" can be set, on an existing contact; invitations set the rest"
                    .to_owned()),
            });
        // The status is the invitation flow's to set: clearing it means nothing.
        if matches!(status, Patch::Null) {
            p.error("status", "cannot be cleared; only \"revoked\" can be set");
        }
        revoke_portal = status.is_set();
    });
    if matches!(portal, Patch::Null) {
        support_start = Patch::Null;
        support_end = Patch::Null;
    }
    (support_start, support_end, revoke_portal)
}

/// The required fields a new contact's body lacks, other than those already `reported` bad.
fn missing_required(patch: &ContactPatch, reported: &[FieldError]) -> Vec<FieldError> {
    let reported = |name: &str| reported.iter().any(|e| e.field == name);
    let mut missing = Vec::new();
    if !matches!(patch.last_name, Patch::Set(_)) && !reported("last_name") {
        missing.push(FieldError::new("last_name", "is required"));
    }
    let channels =
        [("email", patch.email.is_set()), ("mobile", patch.mobile.is_set()), ("phone", patch.phone.is_set())];
    if channels.iter().all(|(name, set)| !set && !reported(name)) {
        missing.push(FieldError::new("email", NO_CHANNEL));
    }
    missing
}
