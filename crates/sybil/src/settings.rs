//! Detector settings. The defaults and their sources are documented in docs/sybil.md.

use crate::error::{Result, SybilError};
use serde::Serialize;

/// Which detectors run and their thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// Smallest cluster reported (Arbitrum's published method: 20).
    pub min_cluster_size: usize,
    /// How many detectors must flag an address for it to count as a member (1: any).
    pub min_signals: usize,
    /// Funding clusters: first-funded-by and swept-to edges after hub removal.
    pub funding: bool,
    /// Behaviour fingerprints: shared funder and time, same first call, same timeline.
    pub behaviour: bool,
    /// Same-block bursts.
    pub burst: bool,
    /// An address with more first-funding/sweep edges than this is a hub (exchange, bridge).
    pub max_degree: usize,
    /// A first-funding link counts when its funder first funded at least this many addresses
    /// (or when it is the funder's sweep).
    pub min_fanout: usize,
    /// Funding components larger than this are split by Louvain.
    pub split_above: usize,
    /// Communities are trimmed to their k-core (1: no trimming).
    pub k_core: usize,
    /// Funded by the same address within this many seconds counts as funded together.
    pub funding_window: u64,
    /// Width of a timeline bucket, seconds.
    pub timeline_bucket: u64,
    /// Timelines match when this many active buckets coincide.
    pub timeline_min: usize,
    /// Bursts match when this many blocks coincide.
    pub burst_blocks: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_cluster_size: 20,
            min_signals: 1,
            funding: true,
            behaviour: true,
            burst: true,
            max_degree: 1000,
            min_fanout: 5,
            split_above: 500,
            k_core: 1,
            funding_window: 120,
            timeline_bucket: 60,
            timeline_min: 4,
            burst_blocks: 3,
        }
    }
}

impl Settings {
    /// Checks the ranges; the message names the setting and what to use.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, detail: String| {
            Err(SybilError::Setting {
                key: key.to_owned(),
                detail,
            })
        };
        let enabled = [self.funding, self.behaviour, self.burst]
            .iter()
            .filter(|b| **b)
            .count();
        if enabled == 0 {
            return bad(
                "detectors",
                "no detector enabled; enable funding, behaviour or burst".into(),
            );
        }
        if self.min_cluster_size < 2 {
            return bad(
                "min_cluster_size",
                format!(
                    "{} is below 2; a cluster has at least two addresses (Arbitrum used 20)",
                    self.min_cluster_size
                ),
            );
        }
        if self.min_signals == 0 || self.min_signals > enabled {
            return bad(
                "min_signals",
                format!(
                    "{} is outside 1..={enabled} (the number of enabled detectors)",
                    self.min_signals
                ),
            );
        }
        if self.max_degree < 2 {
            return bad(
                "max_degree",
                format!(
                    "{} is below 2; hubs fund thousands (default 1000)",
                    self.max_degree
                ),
            );
        }
        if self.min_fanout == 0 {
            return bad(
                "min_fanout",
                "0 counts every funding; use 1 for Arbitrum's plain graph, 5 by default".into(),
            );
        }
        if self.split_above < self.min_cluster_size {
            return bad(
                "split_above",
                format!(
                    "{} is below min_cluster_size {}; split only components larger than a cluster",
                    self.split_above, self.min_cluster_size
                ),
            );
        }
        if self.funding_window == 0 || self.timeline_bucket == 0 {
            return bad(
                "funding_window / timeline_bucket",
                "a window of 0 seconds matches nothing; use e.g. \"2m\" and \"10m\"".into(),
            );
        }
        if !(2..=16).contains(&self.timeline_min) {
            return bad(
                "timeline_min",
                format!("{} is outside 2..=16 (default 3)", self.timeline_min),
            );
        }
        if !(2..=16).contains(&self.burst_blocks) {
            return bad(
                "burst_blocks",
                format!("{} is outside 2..=16 (default 3)", self.burst_blocks),
            );
        }
        Ok(())
    }
}
