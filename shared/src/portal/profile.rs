//! What a portal user sees and changes of itself: its own contact, read and checked against
//! the portal rule on every call (so a revoked contact is refused at once, whatever its token
//! says), and updated with the self-service fields only.

use serde_json::{Map, Value};

use crate::domain::dates::Clock;
use crate::domain::portal::{check_access, PortalRefusal};
use crate::domain::{ClientId, Contact, ContactId, ContactPatch, DomainError, Stamp, TenantId};
use crate::error::{ServiceError, ServiceResult};
use crate::store::retry::{contended, retry_from, Attempt, Backoff, Retry};
use crate::store::{Store, StoreError};

/// The contact a portal user is, and where to find it.
pub(crate) struct Me<'a> {
    pub store: &'a Store,
    pub clock: &'a dyn Clock,
    pub tenant: &'a TenantId,
    pub client: ClientId,
    pub contact: ContactId,
}

/// Attempts of a self-service update whose contact changed between its check and its write,
/// each reading and checking the contact again at once.
const UPDATE_ATTEMPTS: Retry = Retry { attempts: 3, backoff: Backoff::None };

/// The fields of a contact its portal user sees: not the service company's notes
/// (`description`), recipient lists, line manager or audit names.
const VISIBLE: &[&str] = &[
    "id",
    "client_id",
    "salutation",
    "first_name",
    "last_name",
    "job_title",
    "department",
    "email",
    "mobile",
    "phone",
    "secondary_phone",
    "address",
    "is_primary",
    "permissions",
    "portal",
    "version",
    "updated_at",
];

impl Me<'_> {
    /// The user's contact, if it may use the portal now, and its client's name (two reads
    /// side by side).
    pub async fn open(&self) -> ServiceResult<(Contact, String)> {
        let (contact, client) = tokio::join!(self.checked(), self.store.get_client(self.tenant, self.client));
        let contact = contact?;
        let client = client.map_err(|e| match e {
            StoreError::Refused(DomainError::NotFound(_)) => {
                DomainError::PortalAccess(PortalRefusal::Gone).into()
            }
            other => ServiceError::from(other),
        })?;
        Ok((contact, client.fields.name.as_str().to_owned()))
    }

    /// The user's contact, if it may use the portal now.
    async fn checked(&self) -> ServiceResult<Contact> {
        let found = match self.store.get_contact(self.tenant, self.client, self.contact).await {
            Ok(contact) => Some(contact),
            Err(StoreError::Refused(DomainError::NotFound(_))) => None,
            Err(other) => return Err(other.into()),
        };
        check_access(found.as_ref(), self.clock.now().date()).map_err(DomainError::PortalAccess)?;
        Ok(found.ok_or(DomainError::PortalAccess(PortalRefusal::Gone))?)
    }

    /// Applies a self-service patch to the version `checked` (from `open`), so that a revoke
    /// (or any change) landing in between is seen: the contact is read and checked again, up to
    /// `UPDATE_ATTEMPTS` times in all. With `if_match`, a version other than the caller's is 412
    /// at once.
    pub async fn update(
        &self,
        checked: Contact,
        if_match: Option<u64>,
        patch: ContactPatch,
        stamp: &Stamp,
    ) -> ServiceResult<Contact> {
        // What the next attempt starts from: the checked contact, or nothing (read it again).
        let attempt = move |known: Option<Contact>| {
            let patch = patch.clone();
            async move {
                let current = match known {
                    Some(contact) => contact,
                    None => self.checked().await?,
                };
                if if_match.is_some_and(|v| v != current.audit.version) {
                    return Err(StoreError::PreconditionFailed.into());
                }
                let version = Some(current.audit.version);
                match self
                    .store
                    .update_contact(self.tenant, self.client, self.contact, version, patch, stamp)
                    .await
                {
                    Err(StoreError::PreconditionFailed) if if_match.is_none() => Ok(Attempt::RetryFrom(None)),
                    other => Ok(Attempt::Done(other?.after)),
                }
            }
        };
        retry_from(UPDATE_ATTEMPTS, Some(checked), attempt, contended).await
    }
}

/// The profile a portal user reads: its contact's visible fields and its client's name.
pub fn profile(contact: &Contact, client_name: &str) -> ServiceResult<Value> {
    let Value::Object(all) = serde_json::to_value(contact).map_err(ServiceError::internal)? else {
        return Err(ServiceError::internal("a contact serializes to an object"));
    };
    let mut visible: Map<String, Value> =
        all.into_iter().filter(|(k, _)| VISIBLE.contains(&k.as_str())).collect();
    visible.insert("client_name".into(), Value::String(client_name.to_owned()));
    Ok(Value::Object(visible))
}
