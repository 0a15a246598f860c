//! The chain crate's integration tests, one test binary: the contracts against a real anvil.

mod contracts;
