//! What the local stack and the tests both need: the table of template.yaml and the demo data.
//! The binaries `create-table` and `seed-demo` (used by scripts/run-local) wrap them; tokens
//! come from the local Cognito emulator (`tools/local-cognito`).

pub mod reindex;
pub mod seed;
pub mod table;
