//! The `sybil` part of a bundle's `report.json`: the clusters the build acted on, with their
//! evidence, what their members would have received, and the addresses cleared on appeal.
//! Plain data: the engine fills it from the detectors' output; `explain`, the HTML report and
//! the dashboard read it.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// `report.json` → `sybil`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SybilReport {
    /// `exclude` or `collapse`.
    pub policy: String,
    /// Enabled detectors.
    pub detectors: Vec<String>,
    /// Smallest cluster flagged.
    pub min_cluster_size: u64,
    /// Detectors that had to agree on an address.
    pub min_signals: u64,
    /// Addresses in the transfer graph.
    pub nodes: u64,
    /// Edges in the transfer graph.
    pub edges: u64,
    /// Addresses treated as hubs.
    pub hubs: u64,
    /// Clusters with at least one address a source lists, by id.
    pub clusters: Vec<SybilCluster>,
    /// Addresses cleared on appeal (overrides file) that a detector had flagged.
    pub cleared: Vec<ClearedAddress>,
    /// Source-listed addresses that got nothing for being in a cluster.
    pub excluded: u64,
    /// What those addresses would have received without `[sybil]`, base units.
    pub withheld: String,
}

/// One cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SybilCluster {
    /// Id, as in `airdrop sybil`'s `clusters.json` for the same inputs.
    pub id: u32,
    /// Addresses in the cluster (source-listed or not).
    pub size: u64,
    /// Detectors that flagged any member.
    pub signals: Vec<String>,
    /// The one recipient kept under `collapse`.
    pub kept: Option<String>,
    /// What the source-listed members would have received together, base units.
    pub would_have_received: String,
    /// Source-listed members, ascending.
    pub members: Vec<SybilMember>,
    /// Evidence edges kept in the detection run.
    pub evidence_total: u64,
    /// The first of them (see `airdrop sybil` for all).
    pub evidence: Vec<SybilEvidence>,
}

/// A source-listed member of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SybilMember {
    /// Lowercase address.
    pub address: String,
    /// Detectors that flagged it.
    pub signals: Vec<String>,
    /// Would have received without `[sybil]`, base units.
    pub would_have_received: String,
    /// Whether it got nothing for it (false for the one `collapse` keeps).
    pub excluded: bool,
}

/// An evidence edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SybilEvidence {
    /// `first-funding`, `sweep`, `first-call`, `timeline` or `same-block`.
    pub kind: String,
    /// Sender.
    pub from: String,
    /// Receiver or called contract.
    pub to: String,
    /// `native` or the token.
    pub asset: String,
    /// Base units.
    pub amount: String,
    /// Block.
    pub block: u64,
    /// Unix seconds.
    pub timestamp: u64,
    /// Transaction.
    pub tx: String,
    /// Called function, if a call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
}

/// An address cleared on appeal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClearedAddress {
    /// Lowercase address.
    pub address: String,
    /// The reviewer's reason.
    pub reason: String,
    /// The cluster it would have been in.
    pub cluster: Option<u32>,
}

impl SybilEvidence {
    /// One line for people: `first-funding 0xa… → 0xb… 5 (native) block 9 tx 0x…`.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} {} → {} {} ({}) block {} time {} tx {}",
            self.kind,
            self.from,
            self.to,
            self.amount,
            self.asset,
            self.block,
            self.timestamp,
            self.tx
        );
        if let Some(sel) = &self.selector {
            let _ = write!(s, " call {sel}");
        }
        s
    }
}

/// The name of the exclusion list a cluster becomes in the build (decisions.jsonl, report).
pub fn list_name(id: u32) -> String {
    format!("sybil cluster {id}")
}

/// What `explain` says about `address` (lowercase hex): excluded as a member (with the evidence
/// that touches it, or the cluster's first), kept by `collapse`, or cleared on appeal.
pub fn explain_line(r: &SybilReport, address: &str) -> Option<String> {
    if let Some(c) = r.cleared.iter().find(|c| c.address == address) {
        let was = c
            .cluster
            .map(|id| format!(" (flagged in sybil cluster {id})"))
            .unwrap_or_default();
        return Some(format!("cleared on appeal: {}{was}", c.reason));
    }
    let (cluster, member) = r.clusters.iter().find_map(|c| {
        c.members
            .iter()
            .find(|m| m.address == address)
            .map(|m| (c, m))
    })?;
    let mut own: Vec<&SybilEvidence> = cluster
        .evidence
        .iter()
        .filter(|e| e.from == address || e.to == address)
        .take(3)
        .collect();
    if own.is_empty() {
        own = cluster.evidence.iter().take(3).collect();
    }
    let evidence: Vec<String> = own.iter().map(|e| e.line()).collect();
    let head = if member.excluded {
        format!(
            "excluded as a member of sybil cluster {} ({} addresses; signals: {})",
            cluster.id,
            cluster.size,
            member.signals.join(", ")
        )
    } else {
        format!(
            "kept as the one recipient of sybil cluster {} (policy collapse; {} addresses)",
            cluster.id, cluster.size
        )
    };
    Some(format!("{head}: evidence: {}", evidence.join("; ")))
}
