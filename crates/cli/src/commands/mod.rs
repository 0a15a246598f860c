//! One file per command: each defines `XxxArgs` (clap) and `run`.

pub(crate) mod args;
pub(crate) mod build;
pub(crate) mod check;
pub(crate) mod claim;
pub(crate) mod clawback;
pub(crate) mod cost;
pub(crate) mod demo;
pub(crate) mod deploy;
pub(crate) mod diff;
pub(crate) mod explain;
pub(crate) mod keys;
pub(crate) mod kit;
pub(crate) mod push;
pub(crate) mod scan;
pub(crate) mod serve;
pub(crate) mod sign;
pub(crate) mod snapshot;
pub(crate) mod status;
pub(crate) mod sybil;
pub(crate) mod tax;
pub(crate) mod tree;
pub(crate) mod verify;
