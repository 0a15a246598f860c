//! contract-users: senders of transactions to the contracts and addresses their events name.

use super::checkpoint::{CheckpointStore, LedgerState};
use super::events::EventSpec;
use super::logs::{self, LogQuery};
use super::params::Params;
use super::result::{Rows, SnapshotMeta, UserRow};
use super::resume::{bad_state, check_range, key, resume, saver};
use super::{deploy_block, Pin};
use crate::error::{ChainError, Result};
use crate::progress::Progress;
use crate::rpc::{ChainClient, RawLog};
use alloy_primitives::{Address, U256};
use std::collections::{BTreeSet, HashMap};

pub(super) async fn users<C: ChainClient>(
    rpc: &C,
    params: &Params,
    pin: &Pin,
    store: &dyn CheckpointStore,
    progress: &dyn Progress,
    meta: &mut SnapshotMeta,
) -> Result<Rows> {
    if params.contracts.is_empty() {
        return Err(ChainError::Params(
            "contract-users needs at least one contract (--contract ADDR)".into(),
        ));
    }
    if !params.include_txs && params.events.is_empty() {
        return Err(ChainError::Params(
            "contract-users with transactions off needs at least one event (--event \"Name(type indexed name, …)\")".into(),
        ));
    }
    let mut from = u64::MAX;
    for c in &params.contracts {
        let f = match params.from_block {
            Some(f) => {
                if rpc.code(*c, pin.block).await?.is_empty() {
                    return Err(ChainError::NotAContract {
                        address: *c,
                        block: pin.block,
                    });
                }
                f
            }
            None => deploy_block(rpc, *c, pin.block).await?,
        };
        from = from.min(f);
    }
    let to = check_range(from, params.to_block, pin.block)?;
    meta.from_block = Some(from);
    let key = key(params, pin, from, to);
    let mut users: HashMap<Address, (u64, u64, u64)> = HashMap::new();
    let mut start = from;
    if let Some(cp) = resume(store, &key, pin, progress)? {
        match cp.state {
            LedgerState::Users { users: saved } => {
                users.extend(saved.into_iter().map(|(a, f, t, e)| (a, (f, t, e))))
            }
            _ => return Err(bad_state(&key)),
        }
        start = cp.next_block;
    }
    let mut saver = saver(store, key.clone(), pin, from, params.checkpoint_every);
    let contracts: BTreeSet<Address> = params.contracts.iter().copied().collect();
    let state = |u: &HashMap<Address, (u64, u64, u64)>| {
        let mut v: Vec<(Address, u64, u64, u64)> =
            u.iter().map(|(a, (f, t, e))| (*a, *f, *t, *e)).collect();
        v.sort_unstable();
        LedgerState::Users { users: v }
    };
    let note = |users: &mut HashMap<Address, (u64, u64, u64)>,
                a: Address,
                block: u64,
                tx: u64,
                ev: u64| {
        if a == Address::ZERO {
            return;
        }
        let e = users.entry(a).or_insert((block, 0, 0));
        e.0 = e.0.min(block);
        e.1 += tx;
        e.2 += ev;
    };
    let query = LogQuery {
        addresses: params.contracts.clone(),
        topic0: params.events.iter().map(|e| e.topic0).collect(),
        topics: Vec::new(),
    };
    progress.phase("blocks", to - from + 1);
    progress.set(start - from);
    if params.include_txs {
        let step = (rpc.config().batch_size * rpc.config().concurrency).max(1) as u64;
        let mut s = start;
        while s <= to {
            let e = s.saturating_add(step - 1).min(to);
            let numbers: Vec<u64> = (s..=e).collect();
            let blocks = rpc.full_blocks(&numbers).await?;
            for b in &blocks {
                let n = b.number.to::<u64>();
                for tx in &b.transactions {
                    if tx.to.is_some_and(|t| contracts.contains(&t)) {
                        note(&mut users, tx.from, n, 1, 0);
                    }
                }
            }
            if !params.events.is_empty() {
                let mut logs_seen = Vec::new();
                logs::scan(rpc, &query, s, e, &params.range, |_, logs| {
                    logs_seen.extend(logs);
                    Ok(())
                })
                .await?;
                for l in &logs_seen {
                    apply_event(&params.events, l, |a, n| note(&mut users, a, n, 0, 1));
                }
            }
            progress.set(e - from + 1);
            saver.maybe_save(e + 1, || state(&users))?;
            s = e + 1;
        }
    } else {
        logs::scan(rpc, &query, start, to, &params.range, |end, logs| {
            for l in &logs {
                apply_event(&params.events, l, |a, n| note(&mut users, a, n, 0, 1));
            }
            progress.set(end - from + 1);
            saver.maybe_save(end + 1, || state(&users))
        })
        .await?;
    }
    progress.finish();
    store.clear(&key)?;
    let mut rows: Vec<UserRow> = users
        .into_iter()
        .map(|(address, (first_block, tx_count, event_count))| UserRow {
            address,
            first_block,
            tx_count,
            event_count,
        })
        .filter(|r| U256::from(r.tx_count + r.event_count) >= params.min)
        .collect();
    rows.sort_unstable_by_key(|r| r.address);
    Ok(Rows::Users(rows))
}

pub(super) fn apply_event(events: &[EventSpec], log: &RawLog, mut note: impl FnMut(Address, u64)) {
    let Some(topic0) = log.topics.first() else {
        return;
    };
    let n = log.block_number.to::<u64>();
    // An address named twice by one event (a self-transfer) counts once for it.
    let mut named: Vec<Address> = events
        .iter()
        .filter(|e| e.topic0 == *topic0)
        .flat_map(|e| e.addresses(log))
        .collect();
    named.sort_unstable();
    named.dedup();
    for a in named {
        note(a, n);
    }
}
