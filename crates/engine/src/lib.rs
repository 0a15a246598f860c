//! `airdrop-engine`: every airdrop job as a library call, shared by the CLI, the server and the
//! pages.
//!
//! The shells (`airdrop` and the API server) parse arguments or requests into a job's typed
//! input, call the job with a [`Progress`] sink and a [`Cancel`] flag, and render the typed
//! result; none of them runs another process or parses another program's output. The layers:
//! `cli, server → engine → chain, store, core → merkle`.
//!
//! Jobs: [`build::run`] (a campaign spec → a bundle) and [`snapshot::run`] (a chain snapshot or
//! an import → a CSV and its sidecar), [`scan::run`] (what a wallet received, judged); [`input`] has the bounded readers of the files they are
//! given. A chain call inside a job reports its phases as stages and stops when the job is
//! cancelled.

pub mod announce;
pub mod distribution;
mod error;
mod progress;

// Build and snapshot jobs (and the chain crate's progress as engine events).
mod bridge;
pub mod build;
pub mod input;
/// The static claim kit (`airdrop kit`).
pub mod kit;
pub mod scan;
pub mod snapshot;
/// Sybil detection (`airdrop sybil`, and the build's `[sybil]` step).
pub mod sybil;
/// Taxes of received tokens (`airdrop tax`).
pub mod tax;
mod tax_chain;

pub use error::{EngineError, Result};
pub use progress::{Cancel, Collect, Event, NoProgress, Progress};
