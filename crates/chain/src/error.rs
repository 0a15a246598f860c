//! The one error type of the chain crate. Messages are lowercase, one line, and carry the bad
//! value and a hint.

use alloy_primitives::{Address, B256, U256};
use thiserror::Error;

/// Everything a snapshot over JSON-RPC (or an import) can reject.
#[derive(Debug, Error)]
pub enum ChainError {
    /// The RPC URL is not a valid http(s) URL.
    #[error("rpc url {url} is not valid: {detail}; write it like http://127.0.0.1:8545")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        detail: String,
    },
    /// The node did not answer (connection refused, timeouts, garbage) after every retry.
    #[error("rpc {url} did not answer {method} after {attempts} attempts: {detail}; check the url, that the node is running and reachable, or raise --retries/--timeout-secs")]
    Unreachable {
        /// The node's URL.
        url: String,
        /// The JSON-RPC method that failed.
        method: String,
        /// How many times it was tried.
        attempts: u32,
        /// The last error seen.
        detail: String,
    },
    /// The node answered with a JSON-RPC error that retrying did not cure.
    #[error("rpc {method} failed: node error {code}: {message}")]
    Node {
        /// The JSON-RPC method.
        method: String,
        /// The node's error code.
        code: i64,
        /// The node's error message.
        message: String,
    },
    /// The node's answer does not have the expected shape.
    #[error(
        "rpc {method} returned something unexpected: {detail}; is this an Ethereum JSON-RPC node?"
    )]
    BadResponse {
        /// The JSON-RPC method.
        method: String,
        /// What was wrong.
        detail: String,
    },
    /// The node serves another chain than the one the campaign is for.
    #[error("chain id mismatch: the node at {url} serves chain {actual} but the campaign is for chain {expected}; point --rpc at a node of chain {expected}")]
    ChainIdMismatch {
        /// The node's URL.
        url: String,
        /// The campaign's chain id.
        expected: u64,
        /// The node's chain id.
        actual: u64,
    },
    /// The snapshot block is after the chain's head.
    #[error("block {block} is in the future: the chain's head is block {head}; pick a block at or below {head} (ideally well below, so it is final)")]
    FutureBlock {
        /// The requested block.
        block: u64,
        /// The node's latest block.
        head: u64,
    },
    /// The address given as a token or contract has no code at the snapshot block.
    #[error("{address} is not a contract at block {block} (it has no code); check the token address and the chain, or pick a later block")]
    NotAContract {
        /// The address.
        address: Address,
        /// The snapshot block.
        block: u64,
    },
    /// The block range makes no sense.
    #[error("bad block range: {detail}")]
    BadRange {
        /// What is wrong, with the values.
        detail: String,
    },
    /// The snapshot block's hash changed: the chain reorganised under the snapshot.
    #[error("block {block} changed hash from {pinned} to {now} (chain reorganisation); the snapshot was computed on a chain that no longer exists: pick an older, final block, and delete the checkpoint to start again")]
    Reorg {
        /// The snapshot block.
        block: u64,
        /// The hash the snapshot was pinned to.
        pinned: B256,
        /// The hash the node reports now.
        now: B256,
    },
    /// A checkpoint exists for different parameters, or is unreadable.
    #[error("checkpoint {key}: {detail}")]
    Checkpoint {
        /// Which checkpoint.
        key: String,
        /// What is wrong, with a hint.
        detail: String,
    },
    /// Balances rebuilt from Transfer logs went negative: logs are missing or the token does
    /// not emit a Transfer event for every balance change.
    #[error("token {token}: the Transfer logs give {address} a negative balance at block {block}; the token does not emit a Transfer event for every balance change (rebasing or fee-on-transfer token), --from-block is after its first transfers, or the node drops logs; use balanceOf-based data or an import instead")]
    NegativeBalance {
        /// The token.
        token: Address,
        /// The account.
        address: Address,
        /// The block the logs reached.
        block: u64,
    },
    /// A sampled balance computed from logs differs from `balanceOf` at the snapshot block (or
    /// the sum of balances differs from `totalSupply`).
    #[error("proof against the chain failed: token {} at block {}: {} has {} from Transfer logs but the token says {}; {}", .0.token, .0.block, .0.address, .0.computed, .0.onchain, .0.hint)]
    ProofMismatch(Box<Mismatch>),
    /// Transfer logs of the token do not have the shape the snapshot kind reads (an ERC-721
    /// read as ERC-20 or the reverse, or a non-standard event).
    #[error("token {}: {} Transfer log(s) in blocks {}..{} have the {} shape, not the {} one that {} reads; {}", .0.token, .0.count, .0.from, .0.to, .0.found, .0.expected, .0.kind, .0.hint)]
    WrongLogShape(Box<WrongShape>),
    /// The contract does not answer as a token of the kind asked for.
    #[error("{address} does not look like {expected} at block {block}: {detail}; {hint}")]
    NotAToken {
        /// The contract.
        address: Address,
        /// The snapshot block.
        block: u64,
        /// What it was expected to be (`an ERC-20 token`, `an ERC-721 collection`).
        expected: &'static str,
        /// What it did instead.
        detail: String,
        /// What to do.
        hint: &'static str,
    },
    /// `--traces on` but the node cannot trace blocks.
    #[error("the node cannot trace block {block} ({detail}); native-balances needs traces to find addresses paid by contracts: use a node with debug_traceBlockByNumber or trace_block (an archive node for old blocks), or --traces auto/off to go on without them")]
    NoTraces {
        /// The block tried.
        block: u64,
        /// The node's answers.
        detail: String,
    },
    /// A log is not the event it was taken for (another contract, another event, or data of
    /// the wrong length).
    #[error("a {event} log of {address} {detail}")]
    BadEvent {
        /// The event's name (`Claimed`).
        event: &'static str,
        /// The contract the log was expected from.
        address: Address,
        /// What is wrong, with the value and a hint.
        detail: String,
    },
    /// An input (import file, address list, allowlist) is malformed.
    #[error("{location}: {detail}")]
    Input {
        /// `file:line` or `file: entry N`.
        location: String,
        /// What is wrong, with the value and a hint.
        detail: String,
    },
    /// The parameters of a snapshot are incomplete or contradictory.
    #[error("{0}")]
    Params(String),
}

/// Result with [`ChainError`].
pub type Result<T> = std::result::Result<T, ChainError>;

/// Details of a [`ChainError::ProofMismatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The token.
    pub token: Address,
    /// The snapshot block.
    pub block: u64,
    /// The account whose balance differs (the token itself for the total supply).
    pub address: Address,
    /// Value computed from logs.
    pub computed: U256,
    /// Value according to the token contract.
    pub onchain: U256,
    /// The likely cause.
    pub hint: String,
}

/// Details of a [`ChainError::WrongLogShape`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongShape {
    /// The token.
    pub token: Address,
    /// The snapshot kind.
    pub kind: &'static str,
    /// Logs of the wrong shape in the window where they were found.
    pub count: u64,
    /// Block of the first of them.
    pub from: u64,
    /// Block of the last of them.
    pub to: u64,
    /// The shape found.
    pub found: String,
    /// The shape the kind reads.
    pub expected: &'static str,
    /// What to do.
    pub hint: &'static str,
}
