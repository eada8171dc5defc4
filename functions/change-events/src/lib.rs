//! The table's stream as domain events: each contact or client change becomes the events it
//! means on the service's EventBridge bus (`map`), a contact's changes become its activity, and
//! a deleted contact's activity is erased (`process`). Batches are answered with a partial
//! batch response, so a record that fails is retried, and after the event source mapping's
//! retries sent to its on-failure destination, without holding up the records after it.

pub mod map;
pub mod process;

pub use map::{map, DomainEvent, Mapped, StreamChange, Unmappable};
pub use process::{BatchResponse, ItemFailure, Processor, SOURCE};
