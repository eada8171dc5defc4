//! What the local stack and the tests both need: the table of template.yaml, local Bearer
//! tokens shaped like Cognito's, and the demo data. The binaries `create-table`, `mint-token`
//! and `seed-demo` (used by scripts/run-local and scripts/conformance) wrap them.

pub mod seed;
pub mod table;
pub mod tokens;
