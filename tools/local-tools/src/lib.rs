//! What the local stack and the tests both need: the table of template.yaml, the demo data,
//! the stream read as Lambda's event source mapping reads it, the event bus and the export
//! bucket. The binaries
//! `create-table`, `seed-demo`, `stream-poller` and `events` (used by scripts/run-local and
//! scripts/events) wrap them; tokens come from the local Cognito emulator
//! (`tools/local-cognito`).

pub mod bucket;
pub mod bus;
pub mod reindex;
pub mod seed;
pub mod streams;
pub mod table;
