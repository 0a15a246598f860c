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
//! - [`error`]: [`ChainError`], the crate's one error type; [`Progress`]: progress reporting.
//!
//! The modules `checkpoint`, `distributor`, `push` and `tx` are the paths callers used before
//! the split into `snapshot/` and `distribution/`; they re-export the same items.

pub mod distribution;
pub mod error;
mod progress;
pub mod rpc;
pub mod snapshot;

pub use distribution::{Chain, ClaimedEvent, Sender, IERC20};
pub use error::{ChainError, Result};
pub use progress::{NoProgress, Progress};
pub use rpc::{ChainClient, Rpc, RpcConfig};
pub use snapshot::{
    import, ChainSource, Checkpoint, CheckpointStore, EventSpec, ImportFormat, ImportKind,
    ImportParams, Kind, MemoryCheckpoints, NoCheckpoints, Params, Rows, Snapshot, SnapshotMeta,
    SnapshotSource, UserRow,
};

/// Checkpoint types at their former path (kept for the callers that move this session:
/// crates/cli's snapshot command and its tests).
pub mod checkpoint {
    pub use crate::snapshot::{
        Checkpoint, CheckpointStore, LedgerState, MemoryCheckpoints, NoCheckpoints,
        CHECKPOINT_VERSION,
    };
}

/// The distribution contracts at their former path (kept for the callers that move this
/// session: crates/cli's deploy, claim, clawback, push and status, crates/server).
pub mod distributor {
    pub use crate::distribution::{
        claim_signing_hash, creation_bytecode, decode_revert, deployed_for_root, runtime_bytecode,
        AirdropDistributor, BatchSender, Claim, FoundDistributor, BATCH_SENDER_ARTIFACT,
        CLAIM_TYPE, DEPLOY_SCAN_NONCES, DISTRIBUTOR_ARTIFACT, IERC20,
    };
    pub use airdrop_core::vesting::{percent_to_bps, vested, VestingTerms};
}

/// The chain side of push at its former path (kept for crates/cli's push, which moves this
/// session).
pub mod push {
    pub use crate::distribution::{
        known, mined_nonce, past_payments, receipt, send_raw, sign, Mined, PastPayment,
        SendOutcome, SignedTx,
    };
}

/// Reads and signed transactions at their former path (kept for the callers that move this
/// session: crates/cli, crates/server).
pub mod tx {
    pub use crate::distribution::{explain_revert, Chain, Fees, Receipt, Sender};
}
