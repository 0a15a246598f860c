//! One file per command: each defines `XxxArgs` (clap) and `run`.

pub mod build;
pub mod diff;
pub mod explain;
pub mod serve;
pub mod snapshot;
pub mod tree_build;
pub mod tree_proof;
pub mod tree_verify;
