//! A finished snapshot: rows sorted by address plus metadata pinning it to a block, rendered as
//! CSV and a JSON sidecar, and usable as an `airdrop_core::Source`.

use alloy_primitives::{Address, B256, U256};
use serde::Serialize;

/// The rows of a snapshot, sorted by address, one per address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows {
    /// `address,balance` (ERC-20, native, imports).
    Balances(Vec<(Address, U256)>),
    /// `address,count,token_ids` (ERC-721); ids ascending.
    Holdings(Vec<(Address, Vec<U256>)>),
    /// `address,first_block,tx_count,event_count` (contract users).
    Users(Vec<UserRow>),
}

/// One contract user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserRow {
    /// The user.
    pub address: Address,
    /// First block in which they interacted.
    pub first_block: u64,
    /// Transactions they sent to the contracts.
    pub tx_count: u64,
    /// Events of the contracts that name them.
    pub event_count: u64,
}

impl Rows {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Rows::Balances(v) => v.len(),
            Rows::Holdings(v) => v.len(),
            Rows::Users(v) => v.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The addresses, in order.
    pub fn addresses(&self) -> Vec<Address> {
        match self {
            Rows::Balances(v) => v.iter().map(|r| r.0).collect(),
            Rows::Holdings(v) => v.iter().map(|r| r.0).collect(),
            Rows::Users(v) => v.iter().map(|r| r.address).collect(),
        }
    }

    /// Keeps the rows whose address passes `keep`.
    pub fn retain(&mut self, keep: impl Fn(&Address) -> bool) {
        match self {
            Rows::Balances(v) => v.retain(|r| keep(&r.0)),
            Rows::Holdings(v) => v.retain(|r| keep(&r.0)),
            Rows::Users(v) => v.retain(|r| keep(&r.address)),
        }
    }

    /// Sum of the main value column (balance, token count, or transactions + events).
    pub fn total(&self) -> U256 {
        match self {
            Rows::Balances(v) => v.iter().fold(U256::ZERO, |a, r| a.saturating_add(r.1)),
            Rows::Holdings(v) => U256::from(v.iter().map(|r| r.1.len() as u64).sum::<u64>()),
            Rows::Users(v) => U256::from(v.iter().map(|r| r.tx_count + r.event_count).sum::<u64>()),
        }
    }

    /// Names of the value columns, as the CSV header has them after `address`.
    pub fn columns(&self) -> &'static [&'static str] {
        match self {
            Rows::Balances(_) => &["balance"],
            Rows::Holdings(_) => &["count", "token_ids"],
            Rows::Users(_) => &["first_block", "tx_count", "event_count"],
        }
    }

    /// The CSV text: a header, then one row per address (checksummed) in address order; integers
    /// in decimal; ERC-721 ids joined with `;`.
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(64 * (self.len() + 1));
        out.push_str("address,");
        out.push_str(&self.columns().join(","));
        out.push('\n');
        match self {
            Rows::Balances(v) => {
                for (a, b) in v {
                    out.push_str(&format!("{a},{b}\n"));
                }
            }
            Rows::Holdings(v) => {
                for (a, ids) in v {
                    let ids: Vec<String> = ids.iter().map(U256::to_string).collect();
                    out.push_str(&format!("{a},{},{}\n", ids.len(), ids.join(";")));
                }
            }
            Rows::Users(v) => {
                for r in v {
                    out.push_str(&format!(
                        "{},{},{},{}\n",
                        r.address, r.first_block, r.tx_count, r.event_count
                    ));
                }
            }
        }
        out
    }
}

/// Where a snapshot comes from and what it is pinned to; written as `FILE.csv.meta.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SnapshotMeta {
    /// Source kind (`erc20-balances`, `erc721-holders`, `native-balances`, `contract-users`,
    /// `import-transfers`, `import-balances`).
    pub kind: String,
    /// Chain id the node reported (None for imports not checked against a node).
    pub chain_id: Option<u64>,
    /// The snapshot block.
    pub block: Option<u64>,
    /// Hash of the snapshot block, checked at the start and the end of the run.
    pub block_hash: Option<B256>,
    /// The token (ERC-20/721).
    pub token: Option<Address>,
    /// The contracts (contract users).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contracts: Vec<Address>,
    /// Event signatures (contract users).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// First block scanned (token deploy block, or given).
    pub from_block: Option<u64>,
    /// Rows below this value (base units, or token count) were dropped.
    pub min: U256,
    /// Whether addresses with code at the block were dropped.
    pub exclude_contracts: bool,
    /// How many addresses were dropped for having code.
    pub excluded_contracts: usize,
    /// How many computed balances were checked with `balanceOf` at the block (the same number
    /// as `verification.checked`, kept for readers of older sidecars).
    pub verified_sample: usize,
    /// What the proof against the chain checked (token kinds only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    /// native-balances: where the candidate addresses came from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub covered: Vec<String>,
    /// native-balances: sources of ETH that were not looked at, so holders only they reach are
    /// missing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_covered: Vec<String>,
    /// Results that are legitimate but often a mistake (no Transfer logs at all, no traces), also
    /// printed on stderr.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Transfer logs applied.
    pub logs: u64,
    /// The imported file, for imports.
    pub file: Option<String>,
    /// Rows in the CSV.
    pub rows: usize,
    /// Sum of the main value column.
    pub total: U256,
    /// `airdrop-chain` and its version.
    pub generator: String,
}

/// What the proof against the chain covered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// The rule: `all`, `off`, or `above P% of supply + random N`.
    pub rule: String,
    /// Addresses whose `balanceOf` at the block was compared with the computed value.
    pub checked: usize,
    /// Addresses the logs named (including those back at zero), the population checked from.
    pub addresses: usize,
    /// Whether the sum of balances was compared with `totalSupply()` (ERC-20).
    pub total_supply: bool,
}

/// A finished snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Provenance and pin.
    pub meta: SnapshotMeta,
    /// Rows, sorted by address.
    pub rows: Rows,
}

impl Snapshot {
    /// The JSON sidecar, pretty-printed with a trailing newline.
    pub fn meta_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.meta).unwrap_or_default();
        s.push('\n');
        s
    }
}
