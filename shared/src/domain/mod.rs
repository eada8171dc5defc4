//! The domain: types that cannot hold invalid values, and the rules of contacts and clients.
//! Nothing here knows about HTTP or DynamoDB.

pub mod activity;
pub mod address;
pub mod archive;
pub mod audit;
pub mod client;
pub mod contact;
pub mod contact_patch;
pub mod custom_field;
pub mod custom_value;
pub mod dates;
pub mod duplicates;
pub mod email;
pub mod error;
pub mod export;
pub mod fields;
pub mod ids;
pub mod invite;
pub mod lookup;
pub mod merge;
pub mod moving;
pub mod note;
pub mod patch;
pub mod phone;
pub mod portal;
pub mod primary;
pub mod project;
pub mod quota;
pub mod settings;
pub mod sla;
pub mod sweep;
pub mod tag;
pub mod task;
pub mod text;
pub mod topics;

pub use client::{Client, ClientFields, ClientPatch};
pub use contact::{Audit, Contact, ContactFields, ContactPatch, PortalState, Stamp};
pub use email::Email;
pub use error::{DomainError, DomainResult, FieldError};
pub use ids::{ClientId, ContactId, ExportId, NoteId, TagId, TenantId, UserId};
pub use patch::Patch;
pub use phone::{PhoneNumber, PhoneRegion};
pub use project::{ProjectId, ProjectLink};
pub use text::Text;
pub use topics::{ClientStatus, EmailStatus, NotificationTopic, Permission, PortalStatus, Priority};
