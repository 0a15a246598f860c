//! Snapshots over JSON-RPC: the four chain source kinds, pinned to a block hash, resumable from
//! checkpoints, and proven against the chain with batched `balanceOf` calls (every address by
//! default).

use crate::checkpoint::{Checkpoint, CheckpointStore, LedgerState, CHECKPOINT_VERSION};
use crate::error::{ChainError, Mismatch, Result, WrongShape};
use crate::events::EventSpec;
use crate::ledger::{balanceOfCall, totalSupplyCall, transfer_topic, Erc20Ledger, Erc721Ledger};
use crate::logs::{self, LogQuery, RangeConfig};
use crate::node::{RawLog, TraceMethod};
use crate::progress::Progress;
use crate::result::{Rows, Snapshot, SnapshotMeta, UserRow, Verification};
use crate::rpc::Rpc;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, Bytes, B256, U256};
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

alloy::sol! {
    function supportsInterface(bytes4 interfaceId) external view returns (bool);
}

/// ERC-165 interface id of ERC-721.
const ERC721_INTERFACE: [u8; 4] = [0x80, 0xac, 0x58, 0xcd];

/// Which computed balances are proven against `balanceOf` at the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Every address the logs named (the default; batched, so cheap).
    All,
    /// Every holder with at least `above_ppm` millionths of the supply, plus
    /// [`Params::verify_sample`] others picked at random (seeded with the block hash).
    Sample {
        /// The share of the supply, in millionths (1000 = 0.1 %).
        above_ppm: u32,
    },
    /// No comparison with the chain (`totalSupply()` is still called: a revert means the
    /// contract is not an ERC-20).
    Off,
}

/// Whether native-balances reads call traces to find addresses paid by contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Traces {
    /// Use them when the node can trace the range; otherwise go on and warn.
    Auto,
    /// Require them: a node without traces is an error.
    On,
    /// Don't ask for them.
    Off,
}

/// The chain source kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// ERC-20 balances at the block, from Transfer logs.
    Erc20Balances,
    /// ERC-721 tokens held per address, from Transfer logs.
    Erc721Holders,
    /// Native coin balances (`eth_getBalance`) of candidate addresses.
    NativeBalances,
    /// Addresses that sent transactions to, or appear in events of, given contracts.
    ContractUsers,
}

impl Kind {
    /// The spec name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Erc20Balances => "erc20-balances",
            Kind::Erc721Holders => "erc721-holders",
            Kind::NativeBalances => "native-balances",
            Kind::ContractUsers => "contract-users",
        }
    }

    /// Parses a spec name.
    pub fn parse(name: &str) -> Result<Kind> {
        Ok(match name {
            "erc20-balances" => Kind::Erc20Balances,
            "erc721-holders" => Kind::Erc721Holders,
            "native-balances" => Kind::NativeBalances,
            "contract-users" => Kind::ContractUsers,
            other => {
                return Err(ChainError::Params(format!(
                    "unknown snapshot kind {other:?}; use erc20-balances, erc721-holders, native-balances or contract-users"
                )))
            }
        })
    }
}

/// What to snapshot.
#[derive(Debug, Clone)]
pub struct Params {
    /// Source kind.
    pub kind: Kind,
    /// Snapshot block; `None` is the node's head at the start.
    pub block: Option<u64>,
    /// Token (ERC-20/721).
    pub token: Option<Address>,
    /// First block to scan; default: the token's (or first contract's) deploy block, found by
    /// binary search on `eth_getCode`. For native balances over a range, required.
    pub from_block: Option<u64>,
    /// Last block to scan for candidates/users; default: the snapshot block.
    pub to_block: Option<u64>,
    /// Rows whose balance (ERC-20, native) or count (ERC-721) is below this are dropped; zero
    /// balances are always dropped.
    pub min: U256,
    /// Native balances: the candidate addresses (otherwise every sender and recipient in the
    /// range).
    pub candidates: Option<Vec<Address>>,
    /// Contract users: the contracts.
    pub contracts: Vec<Address>,
    /// Contract users: events whose address arguments count as users.
    pub events: Vec<EventSpec>,
    /// Contract users: whether senders of transactions to the contracts count.
    pub include_txs: bool,
    /// Drop addresses that have code at the block.
    pub exclude_contracts: bool,
    /// Addresses kept even though they have code (smart wallets).
    pub allow: Vec<Address>,
    /// The chain the campaign is for; a node of another chain is an error.
    pub expected_chain_id: Option<u64>,
    /// Which computed token balances to check with `balanceOf`.
    pub verify: Verify,
    /// The random part of [`Verify::Sample`]; 0 turns the proof off whatever `verify` says
    /// (older callers used it as the on/off switch).
    pub verify_sample: usize,
    /// native-balances over a block range: whether to read call traces.
    pub traces: Traces,
    /// Log window sizing.
    pub range: RangeConfig,
    /// How often to save a checkpoint while scanning.
    pub checkpoint_every: Duration,
}

impl Params {
    /// Defaults for `kind`: latest block, no threshold, every balance verified, traces where
    /// the node has them, checkpoint every 5 s.
    pub fn new(kind: Kind) -> Params {
        Params {
            kind,
            block: None,
            token: None,
            from_block: None,
            to_block: None,
            min: U256::ZERO,
            candidates: None,
            contracts: Vec::new(),
            events: Vec::new(),
            include_txs: true,
            exclude_contracts: false,
            allow: Vec::new(),
            expected_chain_id: None,
            verify: Verify::All,
            verify_sample: 32,
            traces: Traces::Auto,
            range: RangeConfig::default(),
            checkpoint_every: Duration::from_secs(5),
        }
    }
}

struct Pin {
    chain_id: u64,
    block: u64,
    hash: B256,
}

/// Runs a snapshot. Checkpoints go to `store` under a key derived from the parameters, and are
/// cleared when the snapshot completes.
pub async fn run(
    rpc: &Rpc,
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
        Kind::Erc20Balances => erc20(rpc, params, &pin, store, progress, &mut meta).await?,
        Kind::Erc721Holders => erc721(rpc, params, &pin, store, progress, &mut meta).await?,
        Kind::NativeBalances => native(rpc, params, &pin, store, progress, &mut meta).await?,
        Kind::ContractUsers => users(rpc, params, &pin, store, progress, &mut meta).await?,
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

async fn pin(rpc: &Rpc, params: &Params) -> Result<Pin> {
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
pub async fn deploy_block(rpc: &Rpc, address: Address, block: u64) -> Result<u64> {
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

fn key(params: &Params, pin: &Pin, from: u64, to: u64) -> String {
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
fn resume(
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

struct Saver<'a> {
    store: &'a dyn CheckpointStore,
    key: String,
    every: Duration,
    last: Instant,
    template: Checkpoint,
}

impl Saver<'_> {
    fn maybe_save(&mut self, next_block: u64, state: impl FnOnce() -> LedgerState) -> Result<()> {
        self.maybe_save_logs(next_block, 0, state)
    }

    fn maybe_save_logs(
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

fn saver<'a>(
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

async fn token_range(rpc: &Rpc, params: &Params, pin: &Pin) -> Result<(Address, u64)> {
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
trait TransferLedger: Sized {
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
fn wrong_shape<L: TransferLedger>(token: Address, wrong: &[&RawLog]) -> ChainError {
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
async fn scan_transfers<L: TransferLedger>(
    rpc: &Rpc,
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

/// Records a warning in the sidecar and says it on stderr.
fn warn(meta: &mut SnapshotMeta, progress: &dyn Progress, text: String) {
    tracing::warn!("{text}");
    progress.note(&format!("warning: {text}"));
    meta.warnings.push(text);
}

async fn erc20(
    rpc: &Rpc,
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

async fn erc721(
    rpc: &Rpc,
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

/// `totalSupply()` at the block; a revert or a non-uint256 answer means "not an ERC-20".
async fn total_supply(rpc: &Rpc, token: Address, block: u64) -> Result<U256> {
    let not_erc20 = |detail: String| {
        ChainError::NotAToken {
        address: token,
        block,
        expected: "an ERC-20 token",
        detail,
        hint: "every ERC-20 answers totalSupply(): check --token, or use --kind erc721-holders for an NFT collection",
    }
    };
    let input = vec![Bytes::from(totalSupplyCall {}.abi_encode())];
    let out = match rpc.calls(token, input, block).await {
        Ok(out) => out,
        Err(ChainError::Node { message, .. }) => {
            return Err(not_erc20(format!("totalSupply() reverted ({message})")))
        }
        Err(e) => return Err(e),
    };
    let answer = out.first().cloned().unwrap_or_default();
    word(&answer).ok_or_else(|| {
        not_erc20(format!(
            "totalSupply() returned {} bytes, not a uint256",
            answer.len()
        ))
    })
}

fn check_supply(token: Address, block: u64, sum: U256, supply: U256) -> Result<()> {
    if supply == sum {
        return Ok(());
    }
    Err(ChainError::ProofMismatch(Box::new(Mismatch {
        token,
        block,
        address: token,
        computed: sum,
        onchain: supply,
        hint: "(that is the total supply) the token's supply changes without Transfer events: it is likely rebasing or mints/burns silently, or --from-block is after its first mint; balances cannot be rebuilt from logs — import balances instead".into(),
    })))
}

/// ERC-165 `supportsInterface(ERC-721)`; a revert or odd answer is "no".
async fn supports_erc721(rpc: &Rpc, token: Address, block: u64) -> Result<bool> {
    let input = supportsInterfaceCall {
        interfaceId: ERC721_INTERFACE.into(),
    }
    .abi_encode();
    match rpc.calls(token, vec![Bytes::from(input)], block).await {
        Ok(out) => Ok(out.first().and_then(word) == Some(U256::from(1u8))),
        Err(ChainError::Node { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The rule in force: `verify_sample = 0` still means "off" for callers that only set it.
fn rule(params: &Params) -> Verify {
    if params.verify_sample == 0 {
        Verify::Off
    } else {
        params.verify
    }
}

/// A share in millionths as a percentage: 1000 → `0.1%`.
fn percent(ppm: u32) -> String {
    let whole = ppm / 10_000;
    let frac = format!("{:04}", ppm % 10_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{whole}%")
    } else {
        format!("{whole}.{frac}%")
    }
}

/// The rows to prove under `rule`, as indices into `rows`, and the rule as the sidecar says it.
fn pick(params: &Params, rows: &[(Address, U256)], seed: B256) -> (Vec<usize>, String) {
    match rule(params) {
        Verify::Off => (Vec::new(), "off".into()),
        Verify::All => ((0..rows.len()).collect(), "all".into()),
        Verify::Sample { above_ppm } => {
            let total = rows.iter().fold(U256::ZERO, |a, r| a.saturating_add(r.1));
            let bar = total.saturating_mul(U256::from(above_ppm));
            let million = U256::from(1_000_000u32);
            let (mut chosen, rest): (BTreeSet<usize>, Vec<usize>) = {
                let (big, rest): (Vec<usize>, Vec<usize>) = (0..rows.len()).partition(|i| {
                    !rows[*i].1.is_zero() && rows[*i].1.saturating_mul(million) >= bar
                });
                (big.into_iter().collect(), rest)
            };
            let mut rng = fastrand::Rng::with_seed(u64::from_be_bytes(
                seed.0[..8].try_into().unwrap_or([0; 8]),
            ));
            let want = params.verify_sample.min(rest.len());
            let mut extra = BTreeSet::new();
            while extra.len() < want {
                extra.insert(rest[rng.usize(..rest.len())]);
            }
            chosen.extend(extra);
            let text = format!(
                "above {} of the supply + random {}",
                percent(above_ppm),
                params.verify_sample
            );
            (chosen.into_iter().collect(), text)
        }
    }
}

/// Proves computed values (balances, or token counts when `nft`) against `balanceOf` at the
/// block, in JSON-RPC batches. The first difference, in address order, is an error naming the
/// likely cause.
async fn verify_rows(
    rpc: &Rpc,
    params: &Params,
    token: Address,
    pin: &Pin,
    rows: &[(Address, U256)],
    nft: bool,
    progress: &dyn Progress,
) -> Result<Verification> {
    let (chosen, rule) = pick(params, rows, pin.hash);
    progress.phase("proof", chosen.len() as u64);
    let step = (rpc.config().batch_size * rpc.config().concurrency).max(1);
    for (n, part) in chosen.chunks(step).enumerate() {
        let inputs = part
            .iter()
            .map(|i| {
                Bytes::from(
                    balanceOfCall {
                        account: rows[*i].0,
                    }
                    .abi_encode(),
                )
            })
            .collect();
        let outputs = rpc.calls(token, inputs, pin.block).await?;
        for (i, out) in part.iter().zip(&outputs) {
            check_row(token, pin.block, rows[*i], out, nft)?;
        }
        progress.set((n * step + part.len()) as u64);
    }
    progress.finish();
    tracing::info!(checked = chosen.len(), %rule, "balances proven against balanceOf");
    Ok(Verification {
        rule,
        checked: chosen.len(),
        addresses: rows.len(),
        total_supply: false,
    })
}

fn check_row(
    token: Address,
    block: u64,
    (address, computed): (Address, U256),
    out: &Bytes,
    nft: bool,
) -> Result<()> {
    let onchain = word(out).ok_or_else(|| ChainError::BadResponse {
        method: "eth_call".into(),
        detail: format!(
            "balanceOf({address}) on {token} returned {} bytes (not a uint256); is it a token?",
            out.len()
        ),
    })?;
    if onchain == computed {
        return Ok(());
    }
    let hint = if nft {
        "the collection changes ownership without standard Transfer events; import holdings instead"
            .to_owned()
    } else if onchain > computed {
        "the token is likely rebasing (balances grow without Transfer events, like stETH or AMPL); balances cannot be rebuilt from logs — import balances or use balanceOf at the block".to_owned()
    } else {
        "the token likely takes a fee on transfer or rebases down (balances shrink without matching Transfer events); balances cannot be rebuilt from logs — import balances or use balanceOf at the block".to_owned()
    };
    Err(ChainError::ProofMismatch(Box::new(Mismatch {
        token,
        block,
        address,
        computed,
        onchain,
        hint,
    })))
}

fn word(b: &Bytes) -> Option<U256> {
    (b.len() == 32).then(|| U256::from_be_slice(b))
}

async fn native(
    rpc: &Rpc,
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
async fn trace_choice(
    rpc: &Rpc,
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
async fn scan_candidates(
    rpc: &Rpc,
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

fn bad_state(key: &str) -> ChainError {
    ChainError::Checkpoint {
        key: key.to_owned(),
        detail: "its state is of another kind; delete it or run with --fresh".into(),
    }
}

fn check_range(from: u64, to: Option<u64>, block: u64) -> Result<u64> {
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

async fn users(
    rpc: &Rpc,
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

fn apply_event(events: &[EventSpec], log: &RawLog, mut note: impl FnMut(Address, u64)) {
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

/// Drops rows whose address has code at `block` (batched `eth_getCode`), except allowlisted
/// ones and EIP-7702 delegated accounts (code `0xef0100…`, which are EOAs). Returns how many
/// were dropped.
pub async fn exclude_contracts(
    rpc: &Rpc,
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
