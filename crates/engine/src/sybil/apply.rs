//! The build's `[sybil]` step: clusters found among the campaign's addresses become exclusion
//! lists (one per cluster) before allocation, except addresses cleared on appeal; the report
//! says what each member would have received without them.

use super::{detect_files, Detected};
use crate::{Cancel, Progress, Result};
use airdrop_core::allocate::Allocation;
use airdrop_core::spec::{ExcludeSpec, SybilPolicy};
use airdrop_core::sybil::{
    list_name, ClearedAddress, SybilCluster, SybilEvidence, SybilMember, SybilReport,
};
use airdrop_core::{Campaign, Facts};
use airdrop_sybil::detect::signal_names;
use airdrop_sybil::report::outputs;
use alloy_primitives::{Address, U256};
use std::collections::BTreeMap;
use std::path::Path;

/// Evidence edges per cluster copied into `report.json` (all of them are in `airdrop sybil`'s
/// `evidence.jsonl`).
const REPORT_EVIDENCE: usize = 20;

/// A cluster as the build acts on it.
struct Acted {
    id: u32,
    size: usize,
    signals: Vec<String>,
    /// Source-listed, not cleared members, with their signals.
    members: Vec<(Address, Vec<String>)>,
    kept: Option<Address>,
    evidence: Vec<SybilEvidence>,
    evidence_total: usize,
}

/// What the step decided, before allocation.
pub(crate) struct Applied {
    /// Exclusion lists to add, with their addresses.
    pub(crate) lists: Vec<(ExcludeSpec, Vec<Address>)>,
    /// Input files read, with their SHA-256.
    pub(crate) inputs: BTreeMap<String, String>,
    clusters: Vec<Acted>,
    cleared: Vec<ClearedAddress>,
    head: SybilReport,
}

/// Runs the detectors over the campaign's `[sybil]` inputs and turns the clusters that hold
/// source-listed addresses into exclusion lists. `None` without `[sybil]`.
pub(crate) fn apply(
    campaign: &Campaign,
    base: &Path,
    facts: &[Facts],
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Option<Applied>> {
    let Some(spec) = &campaign.sybil else {
        return Ok(None);
    };
    let (
        Detected {
            graph,
            detection,
            settings,
            overrides,
            inputs,
            ..
        },
        candidates,
    ) = {
        let mut candidates: Vec<Address> = facts
            .iter()
            .flat_map(|f| f.addresses.iter().copied())
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let d = detect_files(spec, base, &candidates, progress, cancel)?;
        (d, candidates)
    };
    let listed = |a: &Address| candidates.binary_search(a).is_ok();
    let cleared_reason = |a: &Address| {
        overrides
            .binary_search_by(|o| o.0.cmp(a))
            .ok()
            .map(|i| overrides[i].1.clone())
    };
    let out = outputs(&graph, &detection, &settings);
    let mut evidence: BTreeMap<u32, Vec<SybilEvidence>> = BTreeMap::new();
    for e in &out.evidence {
        let list = evidence.entry(e.cluster).or_default();
        if list.len() < REPORT_EVIDENCE {
            list.push(SybilEvidence {
                kind: e.kind.name().to_owned(),
                from: e.from.clone(),
                to: e.to.clone(),
                asset: e.asset.clone(),
                amount: e.amount.clone(),
                block: e.block,
                timestamp: e.timestamp,
                tx: e.tx.clone(),
                selector: e.selector.clone(),
            });
        }
    }
    let mut clusters = Vec::new();
    let mut cleared = Vec::new();
    let mut in_cluster: Vec<Address> = Vec::new();
    for (i, c) in detection.clusters.iter().enumerate() {
        let id = i as u32 + 1;
        let mut members = Vec::new();
        for &(v, mask) in &c.members {
            let a = graph.addresses[v as usize];
            in_cluster.push(a);
            if let Some(reason) = cleared_reason(&a) {
                cleared.push(ClearedAddress {
                    address: format!("{a:#x}"),
                    reason,
                    cluster: Some(id),
                });
            } else if listed(&a) {
                members.push((
                    a,
                    signal_names(mask).iter().map(|s| (*s).to_owned()).collect(),
                ));
            }
        }
        if members.is_empty() {
            continue;
        }
        // Collapse keeps the lowest listed address: a choice that depends on the cluster alone,
        // not on which detector saw it or on who funded whom.
        let kept = (spec.policy == SybilPolicy::Collapse).then(|| members[0].0);
        let mask = c.members.iter().fold(0u8, |m, x| m | x.1);
        clusters.push(Acted {
            id,
            size: c.members.len(),
            signals: signal_names(mask).iter().map(|s| (*s).to_owned()).collect(),
            members,
            kept,
            evidence: evidence.remove(&id).unwrap_or_default(),
            evidence_total: c.evidence.len(),
        });
    }
    in_cluster.sort_unstable();
    for (a, reason) in &overrides {
        if in_cluster.binary_search(a).is_err() {
            cleared.push(ClearedAddress {
                address: format!("{a:#x}"),
                reason: reason.clone(),
                cluster: None,
            });
        }
    }
    cleared.sort_by(|x, y| x.address.cmp(&y.address));
    let lists = clusters
        .iter()
        .map(|c| {
            let addresses: Vec<Address> = c
                .members
                .iter()
                .map(|m| m.0)
                .filter(|a| Some(*a) != c.kept)
                .collect();
            let spec = ExcludeSpec {
                name: list_name(c.id),
                reason: format!(
                    "member of a sybil cluster of {} addresses (signals: {}); evidence in report.json",
                    c.size,
                    c.signals.join(", ")
                ),
                file: None,
                address_column: "address".into(),
                addresses: addresses.clone(),
            };
            (spec, addresses)
        })
        .collect();
    let detectors = [
        ("funding", spec.funding),
        ("behaviour", spec.behaviour),
        ("burst", spec.burst),
    ]
    .iter()
    .filter(|d| d.1)
    .map(|d| d.0.to_owned())
    .collect();
    let head = SybilReport {
        policy: spec.policy.name().to_owned(),
        detectors,
        min_cluster_size: spec.min_cluster_size as u64,
        min_signals: spec.min_signals as u64,
        nodes: graph.len() as u64,
        edges: graph.edges.len() as u64,
        hubs: detection.hubs as u64,
        clusters: Vec::new(),
        cleared,
        excluded: 0,
        withheld: "0".into(),
    };
    Ok(Some(Applied {
        lists,
        inputs,
        clusters,
        cleared: Vec::new(),
        head,
    }))
}

/// The report's `sybil` part: `without` is the allocation the campaign would have had without
/// the sybil lists.
pub(crate) fn report(applied: Applied, without: &Allocation) -> SybilReport {
    let had = |a: &Address| match without.addresses.binary_search(a) {
        Ok(i) => without.totals[i],
        Err(_) => U256::ZERO,
    };
    let mut r = applied.head;
    r.cleared.extend(applied.cleared);
    let mut withheld = U256::ZERO;
    let mut excluded = 0u64;
    for c in applied.clusters {
        let mut sum = U256::ZERO;
        let members = c
            .members
            .into_iter()
            .map(|(a, signals)| {
                let amount = had(&a);
                let out = Some(a) != c.kept;
                sum += amount;
                if out {
                    withheld += amount;
                    excluded += 1;
                }
                SybilMember {
                    address: format!("{a:#x}"),
                    signals,
                    would_have_received: amount.to_string(),
                    excluded: out,
                }
            })
            .collect();
        r.clusters.push(SybilCluster {
            id: c.id,
            size: c.size as u64,
            signals: c.signals,
            kept: c.kept.map(|a| format!("{a:#x}")),
            would_have_received: sum.to_string(),
            members,
            evidence_total: c.evidence_total as u64,
            evidence: c.evidence,
        });
    }
    r.excluded = excluded;
    r.withheld = withheld.to_string();
    r
}
