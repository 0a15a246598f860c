//! Resuming a scan: the checkpoint key of a run, loading a checkpoint made by the same run on
//! the same chain, and saving the scan's state as it goes.

use super::checkpoint::{Checkpoint, CheckpointStore, LedgerState, CHECKPOINT_VERSION};
use super::params::{Kind, Params};
use super::Pin;
use crate::error::{ChainError, Result};
use crate::progress::Progress;
use std::time::{Duration, Instant};

/// The checkpoint key of a run: every parameter that shapes the scanned state, so that only the
/// same run on the same chain resumes a checkpoint.
pub(super) fn key(params: &Params, pin: &Pin, from: u64, to: u64) -> String {
    let mut parts = vec![
        params.kind.name().to_owned(),
        format!("chain={}", pin.chain_id),
        format!("block={}", pin.block),
    ];
    if let Some(t) = params.token {
        parts.push(format!("token={t}"));
    }
    for c in &params.contracts {
        parts.push(format!("contract={c}"));
    }
    for e in &params.events {
        parts.push(format!("event={}", e.signature));
    }
    if params.kind == Kind::ContractUsers {
        parts.push(format!("txs={}", params.include_txs));
    }
    parts.push(format!("range={from}-{to}"));
    parts.join(" ")
}

/// Loads a checkpoint for `key`, checking it belongs to this run and the chain has not moved.
pub(super) fn resume(
    store: &dyn CheckpointStore,
    key: &str,
    pin: &Pin,
    progress: &dyn Progress,
) -> Result<Option<Checkpoint>> {
    let Some(cp) = store.load(key)? else {
        return Ok(None);
    };
    if cp.version != CHECKPOINT_VERSION || cp.key != key {
        return Err(ChainError::Checkpoint {
            key: key.to_owned(),
            detail: format!(
                "it was made for other parameters ({:?}, version {}); delete it or run with --fresh",
                cp.key, cp.version
            ),
        });
    }
    if cp.block_hash != pin.hash {
        return Err(ChainError::Reorg {
            block: pin.block,
            pinned: cp.block_hash,
            now: pin.hash,
        });
    }
    let line = format!(
        "resuming from block {} (checkpoint of block {} {})",
        cp.next_block, cp.block, cp.block_hash
    );
    tracing::info!("{line}");
    progress.note(&line);
    Ok(Some(cp))
}

pub(super) struct Saver<'a> {
    store: &'a dyn CheckpointStore,
    key: String,
    every: Duration,
    last: Instant,
    template: Checkpoint,
}

impl Saver<'_> {
    pub(super) fn maybe_save(
        &mut self,
        next_block: u64,
        state: impl FnOnce() -> LedgerState,
    ) -> Result<()> {
        self.maybe_save_logs(next_block, 0, state)
    }

    pub(super) fn maybe_save_logs(
        &mut self,
        next_block: u64,
        logs: u64,
        state: impl FnOnce() -> LedgerState,
    ) -> Result<()> {
        if self.last.elapsed() < self.every {
            return Ok(());
        }
        self.save(next_block, logs, state())
    }

    fn save(&mut self, next_block: u64, logs: u64, state: LedgerState) -> Result<()> {
        self.template.next_block = next_block;
        self.template.logs = logs;
        self.template.state = state;
        self.store.save(&self.key, &self.template)?;
        self.last = Instant::now();
        Ok(())
    }
}

pub(super) fn saver<'a>(
    store: &'a dyn CheckpointStore,
    key: String,
    pin: &Pin,
    from: u64,
    every: Duration,
) -> Saver<'a> {
    Saver {
        store,
        template: Checkpoint {
            version: CHECKPOINT_VERSION,
            key: key.clone(),
            chain_id: pin.chain_id,
            block: pin.block,
            block_hash: pin.hash,
            from_block: from,
            next_block: from,
            logs: 0,
            state: LedgerState::Addresses {
                addresses: Vec::new(),
            },
        },
        key,
        every,
        last: Instant::now(),
    }
}

pub(super) fn bad_state(key: &str) -> ChainError {
    ChainError::Checkpoint {
        key: key.to_owned(),
        detail: "its state is of another kind; delete it or run with --fresh".into(),
    }
}

pub(super) fn check_range(from: u64, to: Option<u64>, block: u64) -> Result<u64> {
    let to = to.unwrap_or(block);
    if to > block {
        return Err(ChainError::BadRange {
            detail: format!("--to-block {to} is after the snapshot block {block}"),
        });
    }
    if from > to {
        return Err(ChainError::BadRange {
            detail: format!("--from-block {from} is after the last block {to}"),
        });
    }
    Ok(to)
}
