//! Checkpoints: the state of an unfinished snapshot, saved as it goes so that an interrupted run
//! resumes where it stopped. The store is a trait: the CLI keeps one JSON file next to the
//! output; the server's SQLite/PostgreSQL store will implement the same trait.

use crate::error::Result;
use alloy_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// Format version of [`Checkpoint`].
pub const CHECKPOINT_VERSION: u32 = 1;

/// Everything needed to resume a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Format version ([`CHECKPOINT_VERSION`]).
    pub version: u32,
    /// The snapshot's parameters in one string (kind, chain, token, range); a checkpoint is only
    /// resumed by a run with the same key.
    pub key: String,
    /// Chain id of the node the checkpoint was made on.
    pub chain_id: u64,
    /// The snapshot block.
    pub block: u64,
    /// The snapshot block's hash when the run started; a different hash on resume is a reorg.
    pub block_hash: B256,
    /// First block of the scan.
    pub from_block: u64,
    /// First block not yet applied to `state`.
    pub next_block: u64,
    /// Transfer logs applied so far (token kinds).
    #[serde(default)]
    pub logs: u64,
    /// Accumulated state up to `next_block - 1`.
    pub state: LedgerState,
}

/// The accumulated state of a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "ledger", rename_all = "kebab-case")]
pub enum LedgerState {
    /// ERC-20 balances (two's complement while in flight).
    Erc20 {
        /// Balance per address.
        balances: Vec<(Address, U256)>,
    },
    /// ERC-721 owner per token id.
    Erc721 {
        /// Owner per token id.
        owners: Vec<(U256, Address)>,
    },
    /// Candidate addresses seen so far (native balances over a block range).
    Addresses {
        /// Addresses, sorted.
        addresses: Vec<Address>,
    },
    /// Contract users so far.
    Users {
        /// (address, first block, transactions, events).
        users: Vec<(Address, u64, u64, u64)>,
    },
}

/// Where checkpoints live.
pub trait CheckpointStore: Send + Sync {
    /// The checkpoint saved under `key`, if any.
    fn load(&self, key: &str) -> Result<Option<Checkpoint>>;
    /// Saves (replaces) the checkpoint under `key`; must be atomic (all or nothing).
    fn save(&self, key: &str, checkpoint: &Checkpoint) -> Result<()>;
    /// Forgets the checkpoint under `key` (the snapshot completed).
    fn clear(&self, key: &str) -> Result<()>;
}

/// No checkpoints: every run starts from the beginning.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoCheckpoints;

impl CheckpointStore for NoCheckpoints {
    fn load(&self, _key: &str) -> Result<Option<Checkpoint>> {
        Ok(None)
    }
    fn save(&self, _key: &str, _checkpoint: &Checkpoint) -> Result<()> {
        Ok(())
    }
    fn clear(&self, _key: &str) -> Result<()> {
        Ok(())
    }
}

/// Checkpoints in memory (tests, and a server job that keeps its own).
#[derive(Debug, Default)]
pub struct MemoryCheckpoints {
    saved: Mutex<HashMap<String, Checkpoint>>,
    saves: std::sync::atomic::AtomicU64,
}

impl MemoryCheckpoints {
    /// How many times a checkpoint was saved.
    pub fn saves(&self) -> u64 {
        self.saves.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl CheckpointStore for MemoryCheckpoints {
    fn load(&self, key: &str) -> Result<Option<Checkpoint>> {
        Ok(self
            .saved
            .lock()
            .map(|m| m.get(key).cloned())
            .unwrap_or(None))
    }
    fn save(&self, key: &str, checkpoint: &Checkpoint) -> Result<()> {
        if let Ok(mut m) = self.saved.lock() {
            m.insert(key.to_owned(), checkpoint.clone());
        }
        self.saves
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
    fn clear(&self, key: &str) -> Result<()> {
        if let Ok(mut m) = self.saved.lock() {
            m.remove(key);
        }
        Ok(())
    }
}
