//! `airdrop-core`: campaign spec, sources' facts, eligibility and exact allocation, fairness
//! metrics and the build bundle (allocations, decisions, report, manifest).
//!
//! No IO: the CLI reads files and hands bytes in; outputs come back as bytes or go through
//! [`airdrop_merkle::Sink`]. No clock, no floats for money.

pub mod allocate;
mod budget;
mod error;
pub mod math;
pub mod scan;
pub mod source;
pub mod spec;
pub mod units;

pub use allocate::{allocate, Allocation, Decision, Status};
pub use error::{CoreError, Result};
pub use manifest::{Deployment, Manifest};
pub use source::{Facts, FileSource, Source};
pub use spec::Campaign;
pub use vesting::{percent_to_bps, vested, VestingTerms};
pub mod bundle;
pub mod charts;
pub mod diff;
pub mod explain;
pub mod html;
pub mod manifest;
pub mod metrics;
pub mod sybil;
pub mod tax;
pub mod vesting;
