//! What a snapshot is asked for: the source kinds, the proof rule, the trace choice, and the
//! parameters that combine them.

use crate::error::{ChainError, Result};
use crate::snapshot::events::EventSpec;
use crate::snapshot::logs::RangeConfig;
use alloy_primitives::{Address, U256};
use std::time::Duration;

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
