//! `airdrop-engine`: every airdrop job as a library call, shared by the CLI, the server and the
//! pages.
//!
//! The shells (`airdrop` and the API server) parse arguments or requests into a job's typed
//! input, call the job with a [`Progress`] sink and a [`Cancel`] flag, and render the typed
//! result; none of them runs another process or parses another program's output. The layers:
//! `cli, server → engine → chain, store, core → merkle`.

mod error;
mod progress;

// h1: build and snapshot jobs.
mod bridge;
pub mod build;
pub mod input;
pub mod snapshot;

pub use error::{EngineError, Result};
pub use progress::{Cancel, Collect, Event, NoProgress, Progress};
