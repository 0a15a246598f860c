//! `airdrop-store`: the tool's local state. For now the push ledger ([`push_ledger`]), a SQLite
//! file that records every batch of `airdrop push` from plan to receipt so a crashed push
//! resumes without paying anyone twice or skipping anyone.
//!
//! The store knows nothing about chains: addresses, amounts and hashes are kept as the text the
//! caller gives (amounts as decimal strings of base units), raw transactions as bytes.

pub mod error;
pub mod push_ledger;

pub use error::{Result, StoreError};
pub use push_ledger::{AuxTx, Batch, BatchState, PlannedRecipient, PushLedger, PushRun};
