//! `airdrop-store`: the tool's state. The push ledger ([`push_ledger`]), a SQLite file that
//! records every batch of `airdrop push` from plan to receipt so a crashed push resumes without
//! paying anyone twice or skipping anyone; and the server's store ([`db`]) on SQLite or
//! PostgreSQL.
//!
//! The store knows nothing about chains: addresses, amounts and hashes are kept as the text the
//! caller gives (amounts as decimal strings of base units), raw transactions as bytes.

pub mod db;
mod error;
pub mod push_ledger;
#[cfg(feature = "test-support")]
pub mod testing;

pub use db::{
    ApiKeyRow, Backend, CampaignRow, Db, DeploymentRow, JobRow, JobState, NewRelay, NewSubmission,
    NonceUse, Points, RelayRow, RelayState, SignupRow, SubmissionRow, SubmissionStatus, TaskRow,
};
pub use error::{Result, StoreError};
pub use push_ledger::{AuxTx, Batch, BatchState, PlannedRecipient, PushLedger, PushRun};
