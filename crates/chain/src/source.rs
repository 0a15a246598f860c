//! Snapshots as campaign sources: [`ChainSource`] implements `airdrop_core::Source`, so a pool
//! allocates from a chain snapshot (or an import) exactly as from a file.

use crate::result::{Rows, Snapshot};
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
