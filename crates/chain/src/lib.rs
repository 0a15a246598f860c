//! `airdrop-chain`: snapshots over any Ethereum JSON-RPC node, on alloy.
//!
//! - [`snapshot::run`] computes ERC-20 balances and ERC-721 holdings from Transfer logs, native
//!   balances of candidate addresses, and contract users, at a block whose hash is pinned;
//!   optionally drops addresses with code; proves token balances with a sample of `balanceOf`.
//! - [`rpc::Rpc`] is the transport: JSON-RPC batches, bounded concurrency, timeouts, retries with
//!   backoff and jitter; [`logs::scan`] sizes `eth_getLogs` windows adaptively.
//! - [`checkpoint::CheckpointStore`] keeps an unfinished snapshot's state so a rerun resumes.
//! - [`import::import`] reads snapshots made elsewhere (CSV/JSON transfers or balances).
//! - [`source::ChainSource`] makes any of them an `airdrop_core::Source`.
//! - [`distributor`] binds the distribution contracts (`sol!` over the committed artifacts);
//!   [`tx::Sender`] signs and sends transactions with a local key; [`push`] holds the signing,
//!   raw sends and receipt look-ups `airdrop push` reconciles its ledger with.

pub mod checkpoint;
pub mod distributor;
pub mod error;
pub mod events;
pub mod import;
pub mod ledger;
pub mod logs;
pub mod node;
pub mod progress;
pub mod push;
pub mod result;
pub mod rpc;
pub mod snapshot;
pub mod source;
pub mod tx;

pub use checkpoint::{Checkpoint, CheckpointStore, MemoryCheckpoints, NoCheckpoints};
pub use error::{ChainError, Result};
pub use events::EventSpec;
pub use import::{import, ImportFormat, ImportKind, ImportParams};
pub use progress::{NoProgress, Progress};
pub use result::{Rows, Snapshot, SnapshotMeta, UserRow};
pub use rpc::{Rpc, RpcConfig};
pub use snapshot::{Kind, Params};
pub use source::{ChainSource, SnapshotSource};
