//! Snapshots as campaign sources: [`ChainSource`] implements `airdrop_core::Source`, so a pool
//! allocates from a chain snapshot (or an import) exactly as from a file.

use super::result::{Rows, Snapshot};
use airdrop_core::spec::SourceKind;
use airdrop_core::{Facts, Source};
use alloy_primitives::U256;

/// A finished snapshot under a source name.
#[derive(Debug, Clone)]
pub struct ChainSource {
    /// The source's name in the campaign.
    pub name: String,
    /// The snapshot.
    pub snapshot: Snapshot,
}

impl ChainSource {
    /// Names of the fact columns, in order: `balance` (ERC-20, native, imports), `count`
    /// (ERC-721), `first_block, tx_count, event_count` (contract users).
    pub fn columns(&self) -> &'static [&'static str] {
        match self.snapshot.rows {
            Rows::Balances(_) => &["balance"],
            Rows::Holdings(_) => &["count"],
            Rows::Users(_) => &["first_block", "tx_count", "event_count"],
        }
    }
}

impl Source for ChainSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        match self.snapshot.rows {
            Rows::Balances(_) | Rows::Holdings(_) => SourceKind::Balances,
            Rows::Users(_) => SourceKind::List,
        }
    }

    fn facts(&self) -> airdrop_core::Result<Facts> {
        let rows: Vec<(alloy_primitives::Address, Vec<U256>, String)> = match &self.snapshot.rows {
            Rows::Balances(v) => v
                .iter()
                .map(|(a, b)| (*a, vec![*b], String::new()))
                .collect(),
            Rows::Holdings(v) => v
                .iter()
                .map(|(a, ids)| (*a, vec![U256::from(ids.len())], String::new()))
                .collect(),
            Rows::Users(v) => v
                .iter()
                .map(|r| {
                    (
                        r.address,
                        vec![
                            U256::from(r.first_block),
                            U256::from(r.tx_count),
                            U256::from(r.event_count),
                        ],
                        String::new(),
                    )
                })
                .collect(),
        };
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, (a, v, _))| (a, v, format!("{}: row {}", self.name, i + 1)))
            .collect();
        Facts::from_rows(&self.name, self.columns().len(), rows)
    }
}

/// A chain source that takes its snapshot when the campaign asks for its facts: the campaign
/// spec's `kind = "erc20-balances"` (etc.) maps to one of these. Synchronous (it runs its own
/// runtime), so don't call `facts()` from async code; there, run [`crate::snapshot::run`] and
/// wrap the result in a [`ChainSource`].
pub struct SnapshotSource {
    /// The source's name in the campaign.
    pub name: String,
    /// The node.
    pub rpc_url: String,
    /// Transport settings.
    pub rpc_config: crate::rpc::RpcConfig,
    /// What to snapshot (set `expected_chain_id` to the campaign's chain id).
    pub params: crate::snapshot::Params,
    /// Where checkpoints go.
    pub store: Box<dyn super::CheckpointStore>,
    /// Where progress goes.
    pub progress: Box<dyn crate::progress::Progress>,
}

impl std::fmt::Debug for SnapshotSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotSource")
            .field("name", &self.name)
            .field("rpc_url", &self.rpc_url)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl SnapshotSource {
    /// Takes the snapshot (the metadata pins the block hash for the manifest).
    pub fn snapshot(&self) -> crate::error::Result<Snapshot> {
        crate::snapshot::run_blocking(
            &self.rpc_url,
            self.rpc_config.clone(),
            &self.params,
            self.store.as_ref(),
            self.progress.as_ref(),
        )
    }
}

impl Source for SnapshotSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        match self.params.kind {
            crate::snapshot::Kind::ContractUsers => SourceKind::List,
            _ => SourceKind::Balances,
        }
    }

    fn facts(&self) -> airdrop_core::Result<Facts> {
        let snapshot = self
            .snapshot()
            .map_err(|e| airdrop_core::CoreError::Source {
                location: format!("source {:?}", self.name),
                detail: e.to_string(),
            })?;
        ChainSource {
            name: self.name.clone(),
            snapshot,
        }
        .facts()
    }
}
