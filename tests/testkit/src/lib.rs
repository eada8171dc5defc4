//! The test kit: the real DynamoDB Local (started by `scripts/test` or `scripts/stack`), one
//! fresh table per test so tests run in parallel, and the handlers driven in-process with API
//! Gateway HTTP API v2 events, exactly as Lambda would pass them.

pub mod api;
pub mod clock;
pub mod cognito;
pub mod contract;
pub mod events;
pub mod exports;
pub mod invariants;
pub mod logs;
pub mod mail;
pub mod proxy;
pub mod sign_in;
pub mod table;
pub mod watch;

pub use local_tools::bucket;
pub use local_tools::reindex;
pub use local_tools::seed;

pub use api::{Caller, TestApi, TestResponse};
