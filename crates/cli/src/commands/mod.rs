//! One file per command: each defines `XxxArgs` (clap) and `run`.

pub mod args;
pub mod build;
pub mod claim;
pub mod clawback;
pub mod cost;
pub mod deploy;
pub mod diff;
pub mod explain;
pub mod keys;
pub mod push;
pub mod serve;
pub mod snapshot;
pub mod status;
pub mod tree;
