//! The detectors and how their findings merge into clusters with evidence.
//!
//! Each detector builds its own groups of node ids (of at least half `min_cluster_size`); a node in groups of at
//! least `min_signals` detectors is a member, and members linked through any detector's groups
//! form a cluster, kept when it has `min_cluster_size` members. The size threshold applies to
//! the merged cluster, so a ring that two detectors each see most of is still whole.

use crate::edges::{Edge, Graph};
use crate::error::Result;
use crate::graph::{k_core, louvain, Csr, UnionFind};
use crate::settings::Settings;
use alloy_primitives::{Address, U256};
use serde::Serialize;

/// A detector's bit in a member's signal mask.
pub(crate) const FUNDING: u8 = 1;
pub(crate) const BEHAVIOUR: u8 = 2;
pub(crate) const BURST: u8 = 4;

/// Names of the signals in a mask, in a fixed order.
pub fn signal_names(mask: u8) -> Vec<&'static str> {
    [
        (FUNDING, "funding"),
        (BEHAVIOUR, "behaviour"),
        (BURST, "burst"),
    ]
    .iter()
    .filter(|(b, _)| mask & b != 0)
    .map(|(_, n)| *n)
    .collect()
}

/// The most evidence edges kept per cluster (the first in canonical order).
pub const MAX_EVIDENCE: usize = 2000;

/// What an evidence edge shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// The first value a member received (its funder).
    FirstFunding,
    /// The last value a member sent (where it was swept to).
    Sweep,
    /// A member's first contract call.
    FirstCall,
    /// Activity in a time bucket other members were active in too.
    Timeline,
    /// A transaction in a block other members sent transactions in too.
    SameBlock,
}

impl EvidenceKind {
    /// The name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            EvidenceKind::FirstFunding => "first-funding",
            EvidenceKind::Sweep => "sweep",
            EvidenceKind::FirstCall => "first-call",
            EvidenceKind::Timeline => "timeline",
            EvidenceKind::SameBlock => "same-block",
        }
    }
}

/// A cluster found, by node ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Members, ascending, with each member's signal mask.
    pub members: Vec<(u32, u8)>,
    /// Evidence: edge index and what it shows, canonical order, at most [`MAX_EVIDENCE`].
    pub evidence: Vec<(u32, EvidenceKind)>,
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct Detection {
    /// Clusters, ordered by their lowest member.
    pub clusters: Vec<Found>,
    /// Nodes treated as hubs (listed, contracts, or above `max_degree`).
    pub hubs: usize,
}

/// Per-node facts the detectors share, from one pass over the canonical edges.
struct Facts {
    /// Index of the first value edge a node received.
    funded_by: Vec<u32>,
    /// Index of the last value edge a node sent.
    swept_by: Vec<u32>,
    /// Index of the first call a node made.
    first_call: Vec<u32>,
    /// Edges each node sent: offsets into `sent`.
    sent_at: Vec<u32>,
    sent: Vec<u32>,
    hub: Vec<bool>,
}

const NONE: u32 = u32::MAX;

fn facts(g: &Graph, s: &Settings, listed_hubs: &[Address]) -> Facts {
    let n = g.len();
    let mut funded_by = vec![NONE; n];
    let mut swept_by = vec![NONE; n];
    let mut first_call = vec![NONE; n];
    let mut hub = vec![false; n];
    let mut count = vec![0u32; n + 1];
    for (i, e) in g.edges.iter().enumerate() {
        let i = i as u32;
        count[e.from as usize + 1] += 1;
        if e.is_value() {
            if funded_by[e.to as usize] == NONE {
                funded_by[e.to as usize] = i;
            }
            swept_by[e.from as usize] = i;
        }
        if e.selector.is_some() {
            // Whatever is called is a contract: a shared counterparty, never a member.
            hub[e.to as usize] = true;
            if first_call[e.from as usize] == NONE {
                first_call[e.from as usize] = i;
            }
        }
    }
    for a in listed_hubs {
        if let Some(id) = g.id(a) {
            hub[id as usize] = true;
        }
    }
    let mut degree = vec![0u32; n];
    sweeps_only(g, &mut swept_by);
    for v in 0..n {
        for e in [funded_by[v], swept_by[v]] {
            if e != NONE {
                let e = &g.edges[e as usize];
                degree[e.from as usize] += 1;
                degree[e.to as usize] += 1;
            }
        }
    }
    for v in 0..n {
        if degree[v] as usize > s.max_degree {
            hub[v] = true;
        }
    }
    for v in 0..n {
        count[v + 1] += count[v];
    }
    let sent_at = count.clone();
    let mut fill = count;
    let mut sent = vec![0u32; g.edges.len()];
    for (i, e) in g.edges.iter().enumerate() {
        let at = &mut fill[e.from as usize];
        sent[*at as usize] = i as u32;
        *at += 1;
    }
    Facts {
        funded_by,
        swept_by,
        first_call,
        sent_at,
        sent,
        hub,
    }
}

/// Keeps a node's last transfer out as a sweep only when it moves at least half of what the
/// node ever received in that asset: paying a friend is not emptying a wallet.
fn sweeps_only(g: &Graph, swept_by: &mut [u32]) {
    let mut received = vec![U256::ZERO; swept_by.len()];
    for e in &g.edges {
        let s = swept_by[e.to as usize];
        if s != NONE && e.is_value() && g.edges[s as usize].asset == e.asset {
            received[e.to as usize] = received[e.to as usize].saturating_add(e.amount);
        }
    }
    for (v, s) in swept_by.iter_mut().enumerate() {
        if *s != NONE {
            let amount = g.edges[*s as usize].amount;
            if amount.saturating_mul(U256::from(2u8)) < received[v] {
                *s = NONE;
            }
        }
    }
}

impl Facts {
    fn sent(&self, v: u32) -> &[u32] {
        &self.sent[self.sent_at[v as usize] as usize..self.sent_at[v as usize + 1] as usize]
    }
}

/// The smallest group a detector passes on: half a cluster, so a ring that two detectors each
/// see half of is still found whole, while the chance pairs every detector makes at scale
/// cannot chain into a cluster.
fn part(s: &Settings) -> usize {
    (s.min_cluster_size / 2).max(2)
}

/// Funding clusters: components over first-funding and sweep edges between non-hubs; large
/// components split by Louvain, communities trimmed to their k-core.
fn funding(g: &Graph, f: &Facts, s: &Settings) -> Vec<Vec<u32>> {
    let n = g.len();
    // How many addresses each one first funded: a funding link counts when its funder fans
    // out (a star) or when it is also the funder's sweep (a chain passing everything on), the
    // shapes of operator funding; one friend paying another's first gas is neither.
    let mut fanout = vec![0u32; n];
    for v in 0..n {
        let e = f.funded_by[v];
        if e != NONE {
            fanout[g.edges[e as usize].from as usize] += 1;
        }
    }
    let mut links: Vec<(u32, u32)> = Vec::new();
    for v in 0..n {
        for (e, funding) in [(f.funded_by[v], true), (f.swept_by[v], false)] {
            if e == NONE {
                continue;
            }
            let i = e;
            let e = &g.edges[e as usize];
            if f.hub[e.from as usize] || f.hub[e.to as usize] {
                continue;
            }
            if funding
                && (fanout[e.from as usize] as usize) < s.min_fanout
                && f.swept_by[e.from as usize] != i
            {
                continue;
            }
            links.push((e.from.min(e.to), e.from.max(e.to)));
        }
    }
    links.sort_unstable();
    links.dedup();
    let mut uf = UnionFind::new(n);
    for &(a, b) in &links {
        uf.union(a, b);
    }
    let touched: Vec<u32> = {
        let mut t: Vec<u32> = links.iter().flat_map(|&(a, b)| [a, b]).collect();
        t.sort_unstable();
        t.dedup();
        t
    };
    let mut out = Vec::new();
    for comp in uf.groups(touched.into_iter(), part(s)) {
        let parts = if comp.len() > s.split_above {
            split(&comp, &links, s)
        } else {
            vec![comp]
        };
        out.extend(parts.into_iter().filter(|p| p.len() >= part(s)));
    }
    out
}

/// Louvain over one component, then each community's k-core.
fn split(comp: &[u32], links: &[(u32, u32)], s: &Settings) -> Vec<Vec<u32>> {
    let local = |v: u32| comp.binary_search(&v).ok().map(|i| i as u32);
    let sub: Vec<(u32, u32)> = links
        .iter()
        .filter_map(|&(a, b)| Some((local(a)?, local(b)?)))
        .collect();
    let g = Csr::new(comp.len(), &sub);
    let community = louvain(&g);
    let k = community.iter().max().map_or(0, |&c| c as usize + 1);
    let mut groups: Vec<Vec<u32>> = vec![Vec::new(); k];
    for (i, &c) in community.iter().enumerate() {
        groups[c as usize].push(i as u32);
    }
    groups
        .into_iter()
        .map(|members| trim(&members, &sub, s.k_core))
        .map(|members| members.into_iter().map(|i| comp[i as usize]).collect())
        .collect()
}

fn trim(members: &[u32], links: &[(u32, u32)], k: usize) -> Vec<u32> {
    if k <= 1 {
        return members.to_vec();
    }
    let local = |v: u32| members.binary_search(&v).ok().map(|i| i as u32);
    let sub: Vec<(u32, u32)> = links
        .iter()
        .filter_map(|&(a, b)| Some((local(a)?, local(b)?)))
        .collect();
    let keep = k_core(&Csr::new(members.len(), &sub), k);
    members
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(m, _)| *m)
        .collect()
}

/// 64-bit mixer (splitmix64's finaliser): seeds the min-hash signatures.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const SEEDS: u64 = 8;

/// Min-hash bands: for each seed, the `k` values of `set` with the smallest hashes form a key;
/// nodes sharing a key are joined. Two nodes whose value sets (blocks, time buckets) are near
/// identical share a key under some seed with high probability; unrelated nodes almost never
/// share `k` exact values.
fn bands(keys: &mut Vec<(u64, u64, u32)>, node: u32, set: &[u64], k: usize) {
    if set.len() < k {
        return;
    }
    let mut hashed: Vec<(u64, u64)> = Vec::with_capacity(set.len());
    for seed in 0..SEEDS {
        hashed.clear();
        hashed.extend(set.iter().map(|&v| (mix(v ^ mix(seed + 1)), v)));
        hashed.select_nth_unstable(k - 1);
        let mut pick: Vec<u64> = hashed[..k].iter().map(|h| h.1).collect();
        pick.sort_unstable();
        let key = pick.iter().fold(mix(seed), |h, &v| mix(h ^ v));
        keys.push((seed, key, node));
    }
}

/// Joins nodes that share a key; returns the groups of at least `min`.
fn join_keys(n: usize, mut keys: Vec<(u64, u64, u32)>, min: usize) -> Vec<Vec<u32>> {
    keys.sort_unstable();
    let mut uf = UnionFind::new(n);
    let mut touched = Vec::new();
    for w in keys.windows(2) {
        if w[0].0 == w[1].0 && w[0].1 == w[1].1 {
            uf.union(w[0].2, w[1].2);
            touched.push(w[0].2);
            touched.push(w[1].2);
        }
    }
    touched.sort_unstable();
    touched.dedup();
    uf.groups(touched.into_iter(), min)
}

/// Behaviour fingerprints: funded by the same address within `funding_window` and making the
/// same first call (contract and function); or near-identical activity timelines.
fn behaviour(g: &Graph, f: &Facts, s: &Settings) -> Vec<Vec<u32>> {
    let n = g.len();
    let mut keys: Vec<(u64, u64, u32)> = Vec::new();
    for v in 0..n as u32 {
        if f.hub[v as usize] {
            continue;
        }
        let (fe, ce) = (f.funded_by[v as usize], f.first_call[v as usize]);
        if fe != NONE && ce != NONE {
            let fund = &g.edges[fe as usize];
            let call = &g.edges[ce as usize];
            let sel = call.selector.map_or(0, u32::from_be_bytes) as u64;
            let base = mix(mix(fund.from as u64) ^ mix((call.to as u64) << 32 | sel));
            // Two offset windows, so a batch that straddles a window's edge still shares one.
            for (band, shift) in [(100u64, 0u64), (101, s.funding_window / 2)] {
                let bucket = (fund.timestamp + shift) / s.funding_window;
                keys.push((band, mix(base ^ bucket), v));
            }
        }
        let mut buckets: Vec<u64> = f
            .sent(v)
            .iter()
            .map(|&e| g.edges[e as usize].timestamp / s.timeline_bucket)
            .collect();
        buckets.dedup();
        bands(&mut keys, v, &buckets, s.timeline_min);
    }
    join_keys(n, keys, part(s))
}

/// Same-block bursts: nodes whose sets of blocks sent in are near identical.
fn burst(g: &Graph, f: &Facts, s: &Settings) -> Vec<Vec<u32>> {
    let n = g.len();
    let mut keys: Vec<(u64, u64, u32)> = Vec::new();
    for v in 0..n as u32 {
        if f.hub[v as usize] {
            continue;
        }
        let mut blocks: Vec<u64> = f
            .sent(v)
            .iter()
            .map(|&e| g.edges[e as usize].block)
            .collect();
        blocks.dedup();
        bands(&mut keys, v, &blocks, s.burst_blocks);
    }
    join_keys(n, keys, part(s))
}

/// Runs the enabled detectors over `g` (detectors in parallel) and merges their groups.
pub fn detect(g: &Graph, s: &Settings, listed_hubs: &[Address]) -> Result<Detection> {
    s.validate()?;
    let f = facts(g, s, listed_hubs);
    let run = |on: bool, d: fn(&Graph, &Facts, &Settings) -> Vec<Vec<u32>>| {
        if on {
            d(g, &f, s)
        } else {
            Vec::new()
        }
    };
    let (fund, (beh, bur)) = rayon::join(
        || run(s.funding, funding),
        || rayon::join(|| run(s.behaviour, behaviour), || run(s.burst, burst)),
    );
    let n = g.len();
    let mut mask = vec![0u8; n];
    for (bit, groups) in [(FUNDING, &fund), (BEHAVIOUR, &beh), (BURST, &bur)] {
        for grp in groups {
            for &v in grp {
                mask[v as usize] |= bit;
            }
        }
    }
    let member = |v: u32| mask[v as usize].count_ones() as usize >= s.min_signals;
    let mut uf = UnionFind::new(n);
    let mut touched = Vec::new();
    for grp in fund.iter().chain(&beh).chain(&bur) {
        let kept: Vec<u32> = grp.iter().copied().filter(|&v| member(v)).collect();
        for w in kept.windows(2) {
            uf.union(w[0], w[1]);
        }
        touched.extend(kept);
    }
    touched.sort_unstable();
    touched.dedup();
    let clusters = uf
        .groups(touched.into_iter(), s.min_cluster_size)
        .into_iter()
        .map(|members| {
            let evidence = evidence(g, &f, &members, s);
            Found {
                members: members.iter().map(|&v| (v, mask[v as usize])).collect(),
                evidence,
            }
        })
        .collect();
    Ok(Detection {
        clusters,
        hubs: f.hub.iter().filter(|h| **h).count(),
    })
}

/// The edges that show why `members` (ascending) are one cluster.
fn evidence(g: &Graph, f: &Facts, members: &[u32], s: &Settings) -> Vec<(u32, EvidenceKind)> {
    let inside = |v: u32| members.binary_search(&v).is_ok();
    let mut out: Vec<(u32, EvidenceKind)> = Vec::new();
    let mut blocks: Vec<(u64, u32)> = Vec::new();
    let mut buckets: Vec<(u64, u32)> = Vec::new();
    for &v in members {
        let fe = f.funded_by[v as usize];
        if fe != NONE {
            out.push((fe, EvidenceKind::FirstFunding));
        }
        let se = f.swept_by[v as usize];
        if se != NONE && inside(g.edges[se as usize].to) {
            out.push((se, EvidenceKind::Sweep));
        }
        let ce = f.first_call[v as usize];
        if ce != NONE {
            out.push((ce, EvidenceKind::FirstCall));
        }
        for &e in f.sent(v) {
            let edge: &Edge = &g.edges[e as usize];
            blocks.push((edge.block, e));
            buckets.push((edge.timestamp / s.timeline_bucket, e));
        }
    }
    // Blocks and buckets where at least three members acted: the repeated co-activity.
    for (list, kind) in [
        (&mut blocks, EvidenceKind::SameBlock),
        (&mut buckets, EvidenceKind::Timeline),
    ] {
        list.sort_unstable();
        let mut i = 0;
        while i < list.len() {
            let mut j = i;
            while j < list.len() && list[j].0 == list[i].0 {
                j += 1;
            }
            if j - i >= 3 {
                out.extend(list[i..j].iter().map(|&(_, e)| (e, kind)));
            }
            i = j;
        }
    }
    out.sort_unstable();
    out.dedup_by_key(|x| x.0);
    out.truncate(MAX_EVIDENCE);
    out
}
