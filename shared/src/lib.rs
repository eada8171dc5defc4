//! Client contacts: the domain, the DynamoDB store and the HTTP adapter shared by every
//! Lambda function of the service. Each function's `main.rs` only wires these together.

pub mod app;
pub mod config;
pub mod deadline;
pub mod domain;
pub mod duplicate_candidates;
pub mod email;
pub mod error;
pub mod exports;
pub mod feedback;
pub mod handlers;
pub mod http;
pub mod import;
pub mod invites;
pub mod metrics;
pub mod notes;
pub mod notify;
pub mod personal_data;
pub mod portal;
pub mod portal_users;
pub mod quota;
pub mod settings;
pub mod store;
pub mod sweep;
pub mod tags;
pub mod telemetry;

pub use app::App;
