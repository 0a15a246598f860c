//! Token snapshots (ERC-20 balances, ERC-721 holdings): the Transfer-log scan of the token's
//! history into a ledger, resumable, refusing logs of the other shape.

use super::checkpoint::{CheckpointStore, LedgerState};
use super::ledger::{transfer_topic, Erc20Ledger, Erc721Ledger};
use super::logs::{self, LogQuery};
use super::params::{Kind, Params, Verify};
use super::result::{Rows, SnapshotMeta};
use super::resume::{bad_state, key, resume, saver};
use super::verify::{check_supply, rule, supports_erc721, total_supply, verify_rows};
use super::{deploy_block, warn, Pin};
use crate::error::{ChainError, Result, WrongShape};
use crate::progress::Progress;
use crate::rpc::{ChainClient, RawLog};
use alloy_primitives::{Address, U256};

pub(super) async fn token_range<C: ChainClient>(
    rpc: &C,
    params: &Params,
    pin: &Pin,
) -> Result<(Address, u64)> {
    let token = params.token.ok_or_else(|| {
        ChainError::Params(format!(
            "{} needs a token address (--token)",
            params.kind.name()
        ))
    })?;
    let from = match params.from_block {
        Some(f) => {
            if rpc.code(token, pin.block).await?.is_empty() {
                return Err(ChainError::NotAContract {
                    address: token,
                    block: pin.block,
                });
            }
            f
        }
        None => deploy_block(rpc, token, pin.block).await?,
    };
    if from > pin.block {
        return Err(ChainError::BadRange {
            detail: format!(
                "--from-block {from} is after the snapshot block {}",
                pin.block
            ),
        });
    }
    Ok((token, from))
}

/// A ledger rebuilt from Transfer logs of one shape.
pub(super) trait TransferLedger: Sized {
    /// The kind that reads this shape.
    const KIND: Kind;
    /// The shape, as error messages describe it.
    const SHAPE: &'static str;
    /// Whether `log` has this shape.
    fn fits(log: &RawLog) -> bool;
    fn apply_log(&mut self, log: &RawLog);
    fn state(&self) -> LedgerState;
    fn restore(state: LedgerState) -> Option<Self>;
    fn applied(&self) -> u64;
}

impl TransferLedger for Erc20Ledger {
    const KIND: Kind = Kind::Erc20Balances;
    const SHAPE: &'static str = "ERC-20 (from and to indexed, a 32-byte value)";
    fn fits(log: &RawLog) -> bool {
        log.topics.len() == 3 && log.data.len() == 32
    }
    fn apply_log(&mut self, log: &RawLog) {
        self.apply(log)
    }
    fn state(&self) -> LedgerState {
        self.to_state()
    }
    fn restore(state: LedgerState) -> Option<Self> {
        match state {
            LedgerState::Erc20 { balances } => Some(Erc20Ledger::from_balances(balances)),
            _ => None,
        }
    }
    fn applied(&self) -> u64 {
        self.applied
    }
}

impl TransferLedger for Erc721Ledger {
    const KIND: Kind = Kind::Erc721Holders;
    const SHAPE: &'static str = "ERC-721 (from, to and token id indexed)";
    fn fits(log: &RawLog) -> bool {
        log.topics.len() == 4
    }
    fn apply_log(&mut self, log: &RawLog) {
        self.apply(log)
    }
    fn state(&self) -> LedgerState {
        self.to_state()
    }
    fn restore(state: LedgerState) -> Option<Self> {
        match state {
            LedgerState::Erc721 { owners } => Some(Erc721Ledger::from_owners(owners)),
            _ => None,
        }
    }
    fn applied(&self) -> u64 {
        self.applied
    }
}

/// The error for Transfer logs the ledger `L` cannot read. Dropping them silently is how an NFT
/// read as an ERC-20 used to give an empty snapshot that looked fine.
pub(super) fn wrong_shape<L: TransferLedger>(token: Address, wrong: &[&RawLog]) -> ChainError {
    let first = wrong[0];
    let (found, hint) = match (first.topics.len(), first.data.len()) {
        (4, _) => (
            Erc721Ledger::SHAPE.to_owned(),
            "it looks like an ERC-721 collection: use --kind erc721-holders",
        ),
        (3, 32) => (
            Erc20Ledger::SHAPE.to_owned(),
            "it looks like an ERC-20 token: use --kind erc20-balances",
        ),
        (t, d) => (
            format!("non-standard ({t} topics, {d} bytes of data)"),
            "the contract is not a standard token: check --token, or import its holdings from an export (--kind import-balances)",
        ),
    };
    let block = |l: &&RawLog| l.block_number.to::<u64>();
    ChainError::WrongLogShape(Box::new(WrongShape {
        token,
        kind: L::KIND.name(),
        count: wrong.len() as u64,
        from: wrong.iter().map(block).min().unwrap_or(0),
        to: wrong.iter().map(block).max().unwrap_or(0),
        found,
        expected: L::SHAPE,
        hint,
    }))
}

/// Scans Transfer logs of `token` over `[from, pin.block]`, resuming from and saving checkpoints.
/// Stops at the first window holding a log of another shape.
#[allow(clippy::too_many_arguments)]
pub(super) async fn scan_transfers<C: ChainClient, L: TransferLedger>(
    rpc: &C,
    params: &Params,
    pin: &Pin,
    store: &dyn CheckpointStore,
    progress: &dyn Progress,
    token: Address,
    from: u64,
    ledger: &mut L,
) -> Result<(String, u64)> {
    let key = key(params, pin, from, pin.block);
    let mut start = from;
    let mut base = 0;
    if let Some(cp) = resume(store, &key, pin, progress)? {
        base = cp.logs;
        *ledger = L::restore(cp.state).ok_or_else(|| bad_state(&key))?;
        start = cp.next_block;
    }
    let mut saver = saver(store, key.clone(), pin, from, params.checkpoint_every);
    let query = LogQuery {
        addresses: vec![token],
        topic0: vec![transfer_topic()],
        topics: Vec::new(),
    };
    progress.phase("transfer logs", pin.block - from + 1);
    progress.set(start - from);
    logs::scan(rpc, &query, start, pin.block, &params.range, |end, logs| {
        let wrong: Vec<&RawLog> = logs.iter().filter(|l| !L::fits(l)).collect();
        if !wrong.is_empty() {
            return Err(wrong_shape::<L>(token, &wrong));
        }
        for l in &logs {
            ledger.apply_log(l);
        }
        progress.set(end - from + 1);
        saver.maybe_save_logs(end + 1, base + ledger.applied(), || ledger.state())
    })
    .await?;
    progress.finish();
    Ok((key, base))
}

pub(super) async fn erc20<C: ChainClient>(
    rpc: &C,
    params: &Params,
    pin: &Pin,
    store: &dyn CheckpointStore,
    progress: &dyn Progress,
    meta: &mut SnapshotMeta,
) -> Result<Rows> {
    let (token, from) = token_range(rpc, params, pin).await?;
    meta.from_block = Some(from);
    let mut ledger = Erc20Ledger::new();
    let (key, base) =
        scan_transfers(rpc, params, pin, store, progress, token, from, &mut ledger).await?;
    meta.logs = base + ledger.applied;
    if let Some(address) = ledger.negative() {
        return Err(ChainError::NegativeBalance {
            token,
            address,
            block: pin.block,
        });
    }
    // Every ERC-20 answers totalSupply(): a revert means this is not one, whatever the logs say.
    let supply = total_supply(rpc, token, pin.block).await?;
    let proving = rule(params) != Verify::Off;
    if proving || meta.logs == 0 {
        check_supply(token, pin.block, ledger.sum(), supply)?;
    }
    if meta.logs == 0 {
        warn(
            meta,
            progress,
            format!("token {token} emitted no Transfer log in blocks {from}..{} and its total supply is 0: the snapshot is empty", pin.block),
        );
    }
    let all = ledger.balances();
    let mut verification = verify_rows(rpc, params, token, pin, &all, false, progress).await?;
    verification.total_supply = proving;
    meta.verified_sample = verification.checked;
    meta.verification = Some(verification);
    store.clear(&key)?;
    let min = params.min.max(U256::from(1u8));
    Ok(Rows::Balances(
        all.into_iter().filter(|(_, b)| *b >= min).collect(),
    ))
}

pub(super) async fn erc721<C: ChainClient>(
    rpc: &C,
    params: &Params,
    pin: &Pin,
    store: &dyn CheckpointStore,
    progress: &dyn Progress,
    meta: &mut SnapshotMeta,
) -> Result<Rows> {
    let (token, from) = token_range(rpc, params, pin).await?;
    meta.from_block = Some(from);
    let mut ledger = Erc721Ledger::new();
    let (key, base) =
        scan_transfers(rpc, params, pin, store, progress, token, from, &mut ledger).await?;
    meta.logs = base + ledger.applied;
    if meta.logs == 0 {
        // An empty collection is legitimate; an empty answer from a non-collection is not.
        if !supports_erc721(rpc, token, pin.block).await? {
            return Err(ChainError::NotAToken {
                address: token,
                block: pin.block,
                expected: "an ERC-721 collection",
                detail: format!("it emitted no Transfer log in blocks {from}..{} and supportsInterface(0x80ac58cd) is not true", pin.block),
                hint: "check --token (an ERC-20 token is --kind erc20-balances)",
            });
        }
        warn(
            meta,
            progress,
            format!("collection {token} emitted no Transfer log in blocks {from}..{}: the snapshot is empty", pin.block),
        );
    }
    let holdings = ledger.holdings();
    let counts: Vec<(Address, U256)> = holdings
        .iter()
        .map(|(a, ids)| (*a, U256::from(ids.len())))
        .collect();
    let verification = verify_rows(rpc, params, token, pin, &counts, true, progress).await?;
    meta.verified_sample = verification.checked;
    meta.verification = Some(verification);
    store.clear(&key)?;
    let min = params.min.max(U256::from(1u8));
    Ok(Rows::Holdings(
        holdings
            .into_iter()
            .filter(|(_, ids)| U256::from(ids.len()) >= min)
            .collect(),
    ))
}
