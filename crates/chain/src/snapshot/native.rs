//! native-balances: candidate addresses from a list or from a block range (transaction
//! parties, fee recipients, withdrawals, value recipients in call traces), then their balances.

use super::checkpoint::{CheckpointStore, LedgerState};
use super::params::{Params, Traces};
use super::result::{Rows, SnapshotMeta};
use super::resume::{bad_state, check_range, key, resume, saver};
use super::{warn, Pin};
use crate::error::{ChainError, Result};
use crate::progress::Progress;
use crate::rpc::{ChainClient, TraceMethod};
use alloy_primitives::{Address, U256};
use std::collections::BTreeSet;

pub(super) async fn native<C: ChainClient>(
    rpc: &C,
    params: &Params,
    pin: &Pin,
    store: &dyn CheckpointStore,
    progress: &dyn Progress,
    meta: &mut SnapshotMeta,
) -> Result<Rows> {
    if params.candidates.is_none() && params.from_block.is_none() {
        return Err(ChainError::Params(
            "native-balances needs candidate addresses (--addresses FILE) or a block range to collect them from (--from-block N, optionally --to-block M)".into(),
        ));
    }
    let mut candidates = BTreeSet::new();
    let mut key = None;
    if let Some(from) = params.from_block {
        let (seen, k) = scan_candidates(rpc, params, pin, store, progress, meta, from).await?;
        candidates = seen;
        key = Some(k);
    } else {
        meta.not_covered
            .push("every address not in the candidate list (no block range scanned)".into());
    }
    if let Some(list) = &params.candidates {
        meta.covered
            .push(format!("candidate list ({} addresses)", list.len()));
        candidates.extend(list.iter().copied());
    }
    // The zero address is never a holder (burns and empty fee recipients land there).
    candidates.remove(&Address::ZERO);
    let candidates: Vec<Address> = candidates.into_iter().collect();
    progress.phase("balances", candidates.len() as u64);
    let mut balances = Vec::with_capacity(candidates.len());
    let step = rpc.config().batch_size * rpc.config().concurrency;
    for part in candidates.chunks(step.max(1)) {
        balances.extend(rpc.balances(part, pin.block).await?);
        progress.set(balances.len() as u64);
    }
    progress.finish();
    if let Some(key) = key {
        store.clear(&key)?;
    }
    let min = params.min.max(U256::from(1u8));
    Ok(Rows::Balances(
        candidates
            .into_iter()
            .zip(balances)
            .filter(|(_, b)| *b >= min)
            .collect(),
    ))
}

/// Decides whether the range scan reads traces, and records the choice in the sidecar. Probes
/// the oldest block of the range: a node that has pruned its state fails there, not halfway.
pub(super) async fn trace_choice<C: ChainClient>(
    rpc: &C,
    params: &Params,
    from: u64,
    to: u64,
    progress: &dyn Progress,
    meta: &mut SnapshotMeta,
) -> Result<Option<TraceMethod>> {
    let missing = "internal transfers (ETH paid by contracts, not named by any transaction)";
    if params.traces == Traces::Off {
        meta.not_covered.push(format!("{missing}: --traces off"));
        return Ok(None);
    }
    let probe = from.max(1).min(to);
    match rpc.trace_method(probe).await? {
        Ok(method) => Ok(Some(method)),
        Err(detail) if params.traces == Traces::On => Err(ChainError::NoTraces {
            block: probe,
            detail,
        }),
        Err(detail) => {
            meta.not_covered.push(format!(
                "{missing}: the node cannot trace blocks ({detail})"
            ));
            warn(
                meta,
                progress,
                format!("the node cannot trace block {probe}, so addresses paid only by contracts are missing; use a node with debug_traceBlockByNumber or trace_block, or add them with --addresses"),
            );
            Ok(None)
        }
    }
}

/// Collects native-balances candidates from blocks `[from, to]`: transaction parties, fee
/// recipients, withdrawals, and value recipients in call traces; resumes from a checkpoint.
#[allow(clippy::too_many_arguments)]
pub(super) async fn scan_candidates<C: ChainClient>(
    rpc: &C,
    params: &Params,
    pin: &Pin,
    store: &dyn CheckpointStore,
    progress: &dyn Progress,
    meta: &mut SnapshotMeta,
    from: u64,
) -> Result<(BTreeSet<Address>, String)> {
    let to = check_range(from, params.to_block, pin.block)?;
    meta.from_block = Some(from);
    let traces = trace_choice(rpc, params, from, to, progress, meta).await?;
    // A checkpoint made without traces must not be finished with them (or the reverse).
    let key = format!(
        "{} traces={}",
        key(params, pin, from, to),
        traces.map_or("off", TraceMethod::name)
    );
    let mut seen: BTreeSet<Address> = BTreeSet::new();
    let mut start = from;
    if let Some(cp) = resume(store, &key, pin, progress)? {
        match cp.state {
            LedgerState::Addresses { addresses } => seen.extend(addresses),
            _ => return Err(bad_state(&key)),
        }
        start = cp.next_block;
    }
    let mut saver = saver(store, key.clone(), pin, from, params.checkpoint_every);
    progress.phase("blocks", to - from + 1);
    progress.set(start - from);
    let step = (rpc.config().batch_size * rpc.config().concurrency).max(1) as u64;
    let mut s = start;
    while s <= to {
        let e = s.saturating_add(step - 1).min(to);
        let numbers: Vec<u64> = (s..=e).collect();
        for b in rpc.full_blocks(&numbers).await? {
            for tx in &b.transactions {
                seen.insert(tx.from);
                seen.extend(tx.to);
            }
            seen.extend(b.miner);
            seen.extend(b.withdrawals.iter().flatten().map(|w| w.address));
        }
        if let Some(method) = traces {
            seen.extend(rpc.value_recipients(method, &numbers).await?.concat());
        }
        progress.set(e - from + 1);
        saver.maybe_save(e + 1, || LedgerState::Addresses {
            addresses: seen.iter().copied().collect(),
        })?;
        s = e + 1;
    }
    progress.finish();
    let range = format!("blocks {from}..{to}");
    meta.covered.extend([
        format!("transaction senders and recipients, {range}"),
        format!("fee recipients (block miner), {range}"),
        format!("withdrawals (EIP-4895), {range}"),
    ]);
    if let Some(method) = traces {
        meta.covered.push(format!(
            "internal transfers: value recipients in call traces ({}), {range}",
            method.name()
        ));
    }
    meta.not_covered.push(
        "genesis allocations (not visible over JSON-RPC: add those addresses with --addresses)"
            .into(),
    );
    if from > 0 {
        meta.not_covered.push(format!(
            "addresses whose ETH arrived before block {from} and that did nothing in the range"
        ));
    }
    Ok((seen, key))
}
