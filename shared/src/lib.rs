//! Client contacts: the domain, the DynamoDB store and the HTTP adapter shared by every
//! Lambda function of the service. Each function's `main.rs` only wires these together.

pub mod domain;
pub mod store;
