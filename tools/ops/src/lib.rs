//! Operations on a deployed stack, run by an operator with the functions' configuration.

pub mod migrate;
