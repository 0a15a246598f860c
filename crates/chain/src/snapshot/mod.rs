//! Snapshots over JSON-RPC: the four chain source kinds, pinned to a block hash, resumable from
//! checkpoints, and proven against the chain with batched `balanceOf` calls (every address by
//! default); imports of snapshots made elsewhere; snapshots as campaign sources.
//!
//! - `params`: the kinds and what to snapshot; `tokens`: the Transfer-log scan into `ledger`s;
//!   `verify`: the proof against the chain; `native` and `users`: the other two kinds;
//!   `resume` and `checkpoint`: resuming; `logs`: adaptive `eth_getLogs`; `result`: the rows
//!   and sidecar; `import` and `source`: other inputs and the campaign side.
//!
//! Everything here talks to the node through [`ChainClient`], so the logic runs against a mock
//! in unit tests (`tests.rs`) and against anvil in `tests/it/contracts.rs`.

mod checkpoint;
mod events;
mod import;
mod ledger;
pub(crate) mod logs;
mod native;
mod params;
mod result;
mod resume;
mod source;
mod tokens;
/// Transfers among sybil candidates and their funders, from a node.
pub mod transfers;
mod users;
mod verify;

#[cfg(test)]
mod tests;

pub use checkpoint::{
    Checkpoint, CheckpointStore, LedgerState, MemoryCheckpoints, NoCheckpoints, CHECKPOINT_VERSION,
};
pub use events::EventSpec;
pub use import::{import, parse_amount, ImportFormat, ImportKind, ImportParams};
pub use ledger::{transfer_topic, Erc20Ledger, Erc721Ledger};
pub use logs::RangeConfig;
pub use params::{Kind, Params, Traces, Verify};
pub use result::{Rows, Snapshot, SnapshotMeta, UserRow, Verification};
pub use source::{ChainSource, SnapshotSource};

use crate::error::{ChainError, Result};
use crate::progress::Progress;
use crate::rpc::{ChainClient, Rpc};
use alloy_primitives::{Address, B256};
use std::collections::BTreeSet;

struct Pin {
    chain_id: u64,
    block: u64,
    hash: B256,
}

/// Runs a snapshot. Checkpoints go to `store` under a key derived from the parameters, and are
/// cleared when the snapshot completes.
pub async fn run<C: ChainClient>(
    rpc: &C,
    params: &Params,
    store: &dyn CheckpointStore,
    progress: &dyn Progress,
) -> Result<Snapshot> {
    let pin = pin(rpc, params).await?;
    let mut meta = SnapshotMeta {
        kind: params.kind.name().to_owned(),
        chain_id: Some(pin.chain_id),
        block: Some(pin.block),
        block_hash: Some(pin.hash),
        token: params.token,
        contracts: params.contracts.clone(),
        events: params.events.iter().map(|e| e.signature.clone()).collect(),
        from_block: None,
        min: params.min,
        exclude_contracts: params.exclude_contracts,
        generator: format!("airdrop-chain {}", env!("CARGO_PKG_VERSION")),
        ..SnapshotMeta::default()
    };
    let mut rows = match params.kind {
        Kind::Erc20Balances => tokens::erc20(rpc, params, &pin, store, progress, &mut meta).await?,
        Kind::Erc721Holders => {
            tokens::erc721(rpc, params, &pin, store, progress, &mut meta).await?
        }
        Kind::NativeBalances => {
            native::native(rpc, params, &pin, store, progress, &mut meta).await?
        }
        Kind::ContractUsers => users::users(rpc, params, &pin, store, progress, &mut meta).await?,
    };
    if params.exclude_contracts {
        meta.excluded_contracts =
            exclude_contracts(rpc, &mut rows, &params.allow, pin.block, progress).await?;
    }
    // The pin holds to the end: a reorg during the run is an error, not a silent mix of chains.
    let now = rpc.block_hash(pin.block).await?;
    if now != pin.hash {
        return Err(ChainError::Reorg {
            block: pin.block,
            pinned: pin.hash,
            now,
        });
    }
    meta.rows = rows.len();
    meta.total = rows.total();
    Ok(Snapshot { meta, rows })
}

async fn pin<C: ChainClient>(rpc: &C, params: &Params) -> Result<Pin> {
    let chain_id = rpc.chain_id().await?;
    if let Some(expected) = params.expected_chain_id {
        if expected != chain_id {
            return Err(ChainError::ChainIdMismatch {
                url: rpc.shown_url(),
                expected,
                actual: chain_id,
            });
        }
    }
    let head = rpc.head().await?;
    let block = params.block.unwrap_or(head);
    if block > head {
        return Err(ChainError::FutureBlock { block, head });
    }
    let hash = rpc.block_hash(block).await?;
    tracing::info!(chain_id, block, %hash, "snapshot pinned");
    Ok(Pin {
        chain_id,
        block,
        hash,
    })
}

/// The first block at which `address` has code, by binary search on `eth_getCode` (needs an
/// archive node; a node that has pruned old state gives 0 with a warning).
pub async fn deploy_block<C: ChainClient>(rpc: &C, address: Address, block: u64) -> Result<u64> {
    if rpc.code(address, block).await?.is_empty() {
        return Err(ChainError::NotAContract { address, block });
    }
    let (mut lo, mut hi) = (0u64, block);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match rpc.code(address, mid).await {
            Ok(code) if !code.is_empty() => hi = mid,
            Ok(_) => lo = mid + 1,
            Err(ChainError::Node { message, .. }) => {
                tracing::warn!(%address, mid, %message, "cannot read old state (pruned node?); scanning from block 0");
                return Ok(0);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(lo)
}

/// Records a warning in the sidecar and says it on stderr.
fn warn(meta: &mut SnapshotMeta, progress: &dyn Progress, text: String) {
    tracing::warn!("{text}");
    progress.note(&format!("warning: {text}"));
    meta.warnings.push(text);
}

/// Drops rows whose address has code at `block` (batched `eth_getCode`), except allowlisted
/// ones and EIP-7702 delegated accounts (code `0xef0100…`, which are EOAs). Returns how many
/// were dropped.
pub async fn exclude_contracts<C: ChainClient>(
    rpc: &C,
    rows: &mut Rows,
    allow: &[Address],
    block: u64,
    progress: &dyn Progress,
) -> Result<usize> {
    let addresses = rows.addresses();
    progress.phase("contract check", addresses.len() as u64);
    let mut contracts = BTreeSet::new();
    let step = (rpc.config().batch_size * rpc.config().concurrency).max(1);
    let mut done = 0u64;
    for part in addresses.chunks(step) {
        let codes = rpc.codes(part, block).await?;
        for (a, code) in part.iter().zip(codes) {
            let delegated = code.len() == 23 && code.starts_with(&[0xef, 0x01, 0x00]);
            if !code.is_empty() && !delegated && !allow.contains(a) {
                contracts.insert(*a);
            }
        }
        done += part.len() as u64;
        progress.set(done);
    }
    progress.finish();
    rows.retain(|a| !contracts.contains(a));
    Ok(contracts.len())
}

/// [`run`] on a runtime of its own, for synchronous callers (the campaign build). Must not be
/// called from inside an async runtime: there, call [`run`].
pub fn run_blocking(
    rpc_url: &str,
    rpc_config: crate::rpc::RpcConfig,
    params: &Params,
    store: &dyn CheckpointStore,
    progress: &dyn Progress,
) -> Result<Snapshot> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ChainError::Params(format!("cannot start the async runtime: {e}")))?;
    let rpc = Rpc::new(rpc_url, rpc_config)?;
    runtime.block_on(run(&rpc, params, store, progress))
}
