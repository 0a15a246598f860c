//! `airdrop-chain`: snapshots over any Ethereum JSON-RPC node, and the distribution contracts'
//! chain side, on alloy.
//!
//! Layout:
//! - [`snapshot`]: [`snapshot::run`] computes ERC-20 balances and ERC-721 holdings from Transfer
//!   logs, native balances of candidate addresses, and contract users, at a block whose hash is
//!   pinned; optionally drops addresses with code; proves token balances with `balanceOf`.
//!   Checkpoints ([`CheckpointStore`]) let a rerun resume; [`import()`] reads snapshots made
//!   elsewhere; [`ChainSource`] and [`SnapshotSource`] make them an `airdrop_core::Source`.
//! - [`distribution`]: the `sol!` bindings of the distribution contracts and the one ERC-20
//!   binding ([`IERC20`]), the one `Claimed` decoder ([`ClaimedEvent`]), [`Chain`] and
//!   [`Sender`] for reads and signed transactions, and the chain side of `airdrop push`.
//! - [`rpc`]: the transport. [`Rpc`] sends JSON-RPC batches with bounded concurrency, timeouts
//!   and retries with backoff and jitter; [`ChainClient`] is the node as a snapshot sees it,
//!   implemented by [`Rpc`] and, in unit tests, by a scripted chain.
//! - `testing` (feature `test-support`): `ScriptedNode`, a JSON-RPC node answered by a
//!   closure, for unit tests of code that calls [`Rpc`] directly.
//! - [`scan`]: what a wallet received (transfers in and out, approvals, token metadata and a
//!   simulated transfer), for `airdrop_core::scan::classify` to judge.
//! - errors: [`ChainError`], the crate's one error type; [`Progress`]: progress reporting.

pub mod distribution;
mod error;
mod progress;
pub mod rpc;
pub mod scan;
pub mod snapshot;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use distribution::{Chain, ClaimedEvent, Sender, IERC20};
pub use error::{ChainError, Mismatch, Result, WrongShape};
pub use progress::{NoProgress, Progress};
pub use rpc::{ChainClient, Rpc, RpcConfig};
pub use snapshot::{
    import, ChainSource, Checkpoint, CheckpointStore, EventSpec, ImportFormat, ImportKind,
    ImportParams, Kind, MemoryCheckpoints, NoCheckpoints, Params, Rows, Snapshot, SnapshotMeta,
    SnapshotSource, UserRow,
};
