//! What a run writes: `clusters.json` (clusters, members, signals, settings) and
//! `evidence.jsonl` (one evidence edge per line), byte-for-byte the same for the same inputs,
//! and a self-contained HTML page that draws each cluster as an SVG (no script, no CDN).

use crate::detect::{signal_names, Detection, EvidenceKind};
use crate::edges::Graph;
use crate::error::{Result, SybilError};
use crate::settings::Settings;
use alloy_primitives::Address;
use serde::Serialize;
use std::fmt::Write as _;

/// One member of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberOut {
    /// Lowercase 0x address.
    pub address: String,
    /// Detectors that flagged it: `funding`, `behaviour`, `burst`.
    pub signals: Vec<&'static str>,
}

/// One evidence edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceOut {
    /// The cluster it belongs to.
    pub cluster: u32,
    /// What it shows.
    pub kind: EvidenceKind,
    /// Sender.
    pub from: String,
    /// Receiver or called contract.
    pub to: String,
    /// `native` or the token address.
    pub asset: String,
    /// Base units.
    pub amount: String,
    /// Block number.
    pub block: u64,
    /// Unix seconds.
    pub timestamp: u64,
    /// Transaction hash.
    pub tx: String,
    /// Function selector of a call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
}

/// One cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterOut {
    /// 1-based, in order of the cluster's lowest address.
    pub id: u32,
    /// Members.
    pub size: usize,
    /// Signals any member has.
    pub signals: Vec<&'static str>,
    /// Members, ascending.
    pub members: Vec<MemberOut>,
    /// Evidence edges kept (at most [`crate::MAX_EVIDENCE`]).
    pub evidence_count: usize,
}

/// `clusters.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClustersFile {
    /// Addresses in the graph.
    pub nodes: usize,
    /// Edges after removing duplicates.
    pub edges: usize,
    /// Addresses treated as hubs.
    pub hubs: usize,
    /// Addresses in clusters.
    pub flagged: usize,
    /// The settings used.
    pub settings: Settings,
    /// Clusters.
    pub clusters: Vec<ClusterOut>,
}

/// A run's outputs in serialisable form.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// `clusters.json`'s content.
    pub clusters: ClustersFile,
    /// Evidence edges, by cluster then canonical order.
    pub evidence: Vec<EvidenceOut>,
}

fn hex(a: &Address) -> String {
    format!("{a:#x}")
}

/// Turns node ids into addresses and edges into evidence records.
pub fn outputs(g: &Graph, d: &Detection, settings: &Settings) -> Outputs {
    let mut clusters = Vec::with_capacity(d.clusters.len());
    let mut evidence = Vec::new();
    for (i, c) in d.clusters.iter().enumerate() {
        let id = i as u32 + 1;
        let mask = c.members.iter().fold(0u8, |m, x| m | x.1);
        clusters.push(ClusterOut {
            id,
            size: c.members.len(),
            signals: signal_names(mask),
            members: c
                .members
                .iter()
                .map(|&(v, m)| MemberOut {
                    address: hex(&g.addresses[v as usize]),
                    signals: signal_names(m),
                })
                .collect(),
            evidence_count: c.evidence.len(),
        });
        for &(e, kind) in &c.evidence {
            let edge = &g.edges[e as usize];
            evidence.push(EvidenceOut {
                cluster: id,
                kind,
                from: hex(&g.addresses[edge.from as usize]),
                to: hex(&g.addresses[edge.to as usize]),
                asset: edge.asset.map_or_else(|| "native".into(), |a| hex(&a)),
                amount: edge.amount.to_string(),
                block: edge.block,
                timestamp: edge.timestamp,
                tx: format!("{:#x}", edge.tx),
                selector: edge
                    .selector
                    .map(|s| format!("0x{}", alloy_primitives::hex::encode(s))),
            });
        }
    }
    let flagged = clusters.iter().map(|c| c.size).sum();
    Outputs {
        clusters: ClustersFile {
            nodes: g.len(),
            edges: g.edges.len(),
            hubs: d.hubs,
            flagged,
            settings: settings.clone(),
            clusters,
        },
        evidence,
    }
}

impl Outputs {
    /// `clusters.json` bytes (pretty, trailing newline).
    pub fn clusters_json(&self) -> Result<Vec<u8>> {
        let mut out =
            serde_json::to_vec_pretty(&self.clusters).map_err(|source| SybilError::Json {
                what: "clusters.json",
                source,
            })?;
        out.push(b'\n');
        Ok(out)
    }

    /// `evidence.jsonl` bytes.
    pub fn evidence_jsonl(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for e in &self.evidence {
            serde_json::to_writer(&mut out, e).map_err(|source| SybilError::Json {
                what: "evidence.jsonl",
                source,
            })?;
            out.push(b'\n');
        }
        Ok(out)
    }

    /// The HTML report: a summary, then each cluster (the first [`DRAWN`]) drawn.
    pub fn html(&self, title: &str) -> String {
        let c = &self.clusters;
        let mut h = String::new();
        let _ = write!(
            h,
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>sybil clusters: {}</title><style>{CSS}</style></head><body><h1>Sybil clusters: {}</h1>",
            esc(title),
            esc(title)
        );
        let _ = write!(
            h,
            "<p>{} addresses, {} edges, {} hubs removed; <b>{} clusters</b> holding <b>{} addresses</b> (min size {}, min signals {}).</p>",
            c.nodes, c.edges, c.hubs, c.clusters.len(), c.flagged, c.settings.min_cluster_size, c.settings.min_signals
        );
        h.push_str(
            "<table><tr><th>cluster</th><th>size</th><th>signals</th><th>evidence edges</th></tr>",
        );
        for cl in &c.clusters {
            let _ = write!(
                h,
                "<tr><td><a href=\"#c{0}\">{0}</a></td><td>{1}</td><td>{2}</td><td>{3}</td></tr>",
                cl.id,
                cl.size,
                cl.signals.join(", "),
                cl.evidence_count
            );
        }
        h.push_str("</table>");
        for cl in c.clusters.iter().take(DRAWN) {
            let ev: Vec<&EvidenceOut> = self
                .evidence
                .iter()
                .filter(|e| e.cluster == cl.id)
                .collect();
            let _ = write!(
                h,
                "<h2 id=\"c{0}\">Cluster {0}: {1} addresses ({2})</h2>",
                cl.id,
                cl.size,
                cl.signals.join(", ")
            );
            h.push_str(&svg(cl, &ev));
            h.push_str("<details><summary>members and evidence</summary><ul>");
            for m in &cl.members {
                let _ = write!(
                    h,
                    "<li><code>{}</code> {}</li>",
                    m.address,
                    m.signals.join(", ")
                );
            }
            h.push_str("</ul><table><tr><th>kind</th><th>from</th><th>to</th><th>amount</th><th>block</th><th>time</th><th>tx</th></tr>");
            for e in ev.iter().take(200) {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                    e.kind.name(), e.from, e.to, e.amount, e.block, e.timestamp, e.tx
                );
            }
            h.push_str("</table></details>");
        }
        h.push_str("</body></html>\n");
        h
    }
}

/// Clusters drawn in the HTML report (the table lists them all).
pub const DRAWN: usize = 100;

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}svg{border:1px solid #ddd;background:#fafafa}code{font-size:11px}";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Members on a circle in address order (so the drawing depends only on the cluster); outside
/// addresses the evidence names (funders, contracts) in the middle; money edges as lines.
fn svg(cl: &ClusterOut, ev: &[&EvidenceOut]) -> String {
    const W: f64 = 420.0;
    let r = W / 2.0 - 20.0;
    let n = cl.members.len().max(1) as f64;
    let pos = |i: usize| {
        let a = std::f64::consts::TAU * i as f64 / n;
        (W / 2.0 + r * a.cos(), W / 2.0 + r * a.sin())
    };
    let index = |a: &str| {
        cl.members
            .binary_search_by(|m| m.address.as_str().cmp(a))
            .ok()
    };
    let mut outside: Vec<&str> = ev
        .iter()
        .flat_map(|e| [e.from.as_str(), e.to.as_str()])
        .filter(|a| index(a).is_none())
        .collect();
    outside.sort_unstable();
    outside.dedup();
    let inner = |i: usize| {
        let a = std::f64::consts::TAU * i as f64 / outside.len().max(1) as f64;
        let r2 = if outside.len() == 1 { 0.0 } else { r / 3.0 };
        (W / 2.0 + r2 * a.cos(), W / 2.0 + r2 * a.sin())
    };
    let at = |a: &str| match index(a) {
        Some(i) => pos(i),
        None => inner(outside.binary_search(&a).unwrap_or(0)),
    };
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{W}\" viewBox=\"0 0 {W} {W}\">");
    for e in ev {
        if !matches!(
            e.kind,
            EvidenceKind::FirstFunding
                | EvidenceKind::Sweep
                | EvidenceKind::FirstCall
                | EvidenceKind::SameBlock
        ) {
            continue;
        }
        let color = match e.kind {
            EvidenceKind::FirstFunding => "#1f77b4",
            EvidenceKind::Sweep => "#d62728",
            EvidenceKind::SameBlock => "#ff7f0e",
            _ => "#999",
        };
        let (a, b) = (at(&e.from), at(&e.to));
        let _ = write!(s, "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{color}\" stroke-width=\"0.8\" opacity=\"0.6\"/>", a.0, a.1, b.0, b.1);
    }
    for (i, m) in cl.members.iter().enumerate() {
        let (x, y) = pos(i);
        let _ = write!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"#333\"><title>{}</title></circle>",
            m.address
        );
    }
    for (i, a) in outside.iter().enumerate() {
        let (x, y) = inner(i);
        let _ = write!(s, "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\" fill=\"#2ca02c\"><title>{a} (outside)</title></rect>", x - 4.0, y - 4.0);
    }
    s.push_str("</svg>");
    s
}
