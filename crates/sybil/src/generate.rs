//! Synthetic activity with planted sybil rings, seeded: the same seed gives the same rows.
//!
//! Organic users withdraw from a handful of exchanges at random times, call popular contracts
//! (a few of them much more than the rest), pay each other small amounts and deposit back to
//! exchanges; some are first funded by another organic user. Rings of several shapes hide
//! among them:
//! - `star`: one funder pays every member, minutes apart, and each member makes the same first
//!   call;
//! - `chain`: each member funds the next with almost all it holds;
//! - `sweep`: members withdraw from exchanges at random times and later sweep almost all to one
//!   collector;
//! - `burst`: members act in the same few blocks again and again;
//! - `exchange`: members withdraw from a real exchange within a minute (as organic users do,
//!   from the same exchange) and make the same first call.

use crate::edges::RawEdge;
use alloy_primitives::{Address, B256, U256};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Seed of every random choice.
    pub seed: u64,
    /// Organic users.
    pub organic: usize,
    /// Rings of each of the five shapes.
    pub rings_per_shape: usize,
    /// Smallest and largest ring (members, the funder or collector not counted).
    pub ring_size: (usize, usize),
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            seed: 1,
            organic: 5000,
            rings_per_shape: 2,
            ring_size: (20, 40),
        }
    }
}

/// The shapes of planted rings.
pub const SHAPES: [&str; 5] = ["star", "chain", "sweep", "burst", "exchange"];

/// Generated activity and the truth about it.
#[derive(Debug, Clone)]
pub struct Synthetic {
    /// Every row, in generation order (not canonical).
    pub edges: Vec<RawEdge>,
    /// Exchange and bridge addresses: the hub list a campaign would use.
    pub hubs: Vec<Address>,
    /// Organic users.
    pub organic: Vec<Address>,
    /// Planted ring addresses (funders and collectors included), with ring number and shape.
    pub planted: Vec<(Address, usize, &'static str)>,
}

const T0: u64 = 1_700_000_000;
const SPAN: u64 = 30 * 86_400;
const BLOCK_TIME: u64 = 12;
const GWEI: u64 = 1_000_000_000;

struct Gen {
    rng: fastrand::Rng,
    edges: Vec<RawEdge>,
    exchanges: Vec<Address>,
    contracts: Vec<(Address, [[u8; 4]; 3])>,
}

impl Gen {
    fn address(&mut self) -> Address {
        let mut b = [0u8; 20];
        self.rng.fill(&mut b);
        Address::from(b)
    }

    fn edge(
        &mut self,
        from: Address,
        to: Address,
        amount: U256,
        ts: u64,
        selector: Option<[u8; 4]>,
    ) {
        let mut tx = [0u8; 32];
        self.rng.fill(&mut tx);
        self.edges.push(RawEdge {
            block: ts / BLOCK_TIME,
            timestamp: ts - ts % BLOCK_TIME,
            tx: B256::from(tx),
            from,
            to,
            asset: None,
            amount,
            selector,
        });
    }

    /// A popular contract and function: Zipf-like, the first few far more often.
    fn popular(&mut self) -> (Address, [u8; 4]) {
        let n = self.contracts.len();
        let r = self.rng.f64();
        let i = ((n as f64).powf(r) as usize).saturating_sub(1).min(n - 1);
        let (c, sels) = self.contracts[i];
        (c, sels[self.rng.usize(0..3)])
    }

    fn exchange(&mut self) -> Address {
        self.exchanges[self.rng.usize(0..self.exchanges.len())]
    }

    fn eth(&mut self, lo: u64, hi: u64) -> U256 {
        U256::from(self.rng.u64(lo..hi)) * U256::from(GWEI)
    }

    /// A few organic-looking actions after `from_ts`: calls and a deposit.
    fn chatter(&mut self, who: Address, from_ts: u64, count: usize) {
        for _ in 0..count {
            let ts = self.rng.u64(from_ts..T0 + SPAN + 86_400);
            let (c, sel) = self.popular();
            self.edge(who, c, U256::ZERO, ts, Some(sel));
        }
    }
}

/// Generates organic users and planted rings.
pub fn generate(plan: &Plan) -> Synthetic {
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(plan.seed),
        edges: Vec::with_capacity(plan.organic * 11),
        exchanges: Vec::new(),
        contracts: Vec::new(),
    };
    g.exchanges = (0..8).map(|_| g.address()).collect();
    let bridges: Vec<Address> = (0..2).map(|_| g.address()).collect();
    g.contracts = (0..40)
        .map(|_| {
            let c = g.address();
            let mut sels = [[0u8; 4]; 3];
            for s in &mut sels {
                g.rng.fill(s);
            }
            (c, sels)
        })
        .collect();
    let organic: Vec<Address> = (0..plan.organic).map(|_| g.address()).collect();
    let mut funded_at = vec![0u64; organic.len()];
    for (i, &who) in organic.iter().enumerate() {
        let ts = T0 + g.rng.u64(0..SPAN);
        funded_at[i] = ts;
        let amount = g.eth(10_000_000, 5_000_000_000);
        // One in five is first paid by a friend instead of an exchange (or a bridge).
        let from = match g.rng.u8(0..10) {
            0 | 1 if i > 0 => organic[g.rng.usize(0..i)],
            2 => bridges[g.rng.usize(0..2)],
            _ => g.exchange(),
        };
        g.edge(from, who, amount, ts, None);
    }
    for (i, &who) in organic.iter().enumerate() {
        let actions = g.rng.usize(3..16);
        for _ in 0..actions {
            let ts = g.rng.u64(funded_at[i]..T0 + SPAN + 86_400);
            match g.rng.u8(0..20) {
                0..=11 => {
                    let (c, sel) = g.popular();
                    g.edge(who, c, U256::ZERO, ts, Some(sel));
                }
                12..=16 => {
                    // People pay wallets already in use: a payment is never a wallet's
                    // first funding.
                    let j = g.rng.usize(0..organic.len());
                    let to = if funded_at[j] < ts {
                        organic[j]
                    } else {
                        g.exchange()
                    };
                    let amount = g.eth(100_000, 5_000_000);
                    g.edge(who, to, amount, ts, None);
                }
                _ => {
                    let to = g.exchange();
                    let amount = g.eth(100_000, 5_000_000);
                    g.edge(who, to, amount, ts, None);
                }
            }
        }
    }
    let mut planted = Vec::new();
    let mut ring = 0;
    for _ in 0..plan.rings_per_shape {
        for shape in SHAPES {
            let size = g.rng.usize(plan.ring_size.0..=plan.ring_size.1);
            let members: Vec<Address> = (0..size).map(|_| g.address()).collect();
            let start = T0 + g.rng.u64(0..SPAN / 2);
            let extra = plant(&mut g, shape, &members, start);
            planted.extend(members.iter().chain(&extra).map(|&a| (a, ring, shape)));
            ring += 1;
        }
    }
    let mut hubs = g.exchanges.clone();
    hubs.extend(bridges);
    hubs.sort_unstable();
    planted.sort_unstable();
    Synthetic {
        edges: g.edges,
        hubs,
        organic,
        planted,
    }
}

/// Plants one ring; returns the operator's other addresses (funder, collector).
fn plant(g: &mut Gen, shape: &str, members: &[Address], start: u64) -> Vec<Address> {
    let (c, sel) = g.popular();
    match shape {
        "star" => {
            let funder = g.address();
            let x = g.exchange();
            let total = g.eth(50_000_000_000, 90_000_000_000);
            g.edge(x, funder, total, start, None);
            for (i, &m) in members.iter().enumerate() {
                let ts = start + 600 + 40 * i as u64;
                let amount = g.eth(100_000_000, 300_000_000);
                g.edge(funder, m, amount, ts, None);
                g.edge(m, c, U256::ZERO, ts + 3600, Some(sel));
                let n = g.rng.usize(1..4);
                g.chatter(m, ts + 7200, n);
            }
            vec![funder]
        }
        "chain" => {
            let x = g.exchange();
            let mut amount = g.eth(5_000_000_000, 9_000_000_000);
            g.edge(x, members[0], amount, start, None);
            for (i, w) in members.windows(2).enumerate() {
                let ts = start + 3600 * (i as u64 + 1) + g.rng.u64(0..1800);
                amount = amount * U256::from(97u8) / U256::from(100u8);
                g.edge(w[0], w[1], amount, ts, None);
                let n = g.rng.usize(1..4);
                g.chatter(w[1], ts + 60, n);
            }
            vec![]
        }
        "sweep" => {
            let collector = g.address();
            for &m in members {
                let x = g.exchange();
                let ts = T0 + g.rng.u64(0..SPAN / 2);
                let amount = g.eth(100_000_000, 900_000_000);
                g.edge(x, m, amount, ts, None);
                let n = g.rng.usize(2..5);
                g.chatter(m, ts + 60, n);
                let out = amount * U256::from(95u8) / U256::from(100u8);
                let later = ts + SPAN / 2 + g.rng.u64(0..86_400);
                g.edge(m, collector, out, later, None);
            }
            vec![collector]
        }
        "burst" => {
            let rounds: Vec<u64> = (0..5).map(|_| T0 + g.rng.u64(0..SPAN)).collect();
            for &m in members {
                let x = g.exchange();
                let ts = T0 + g.rng.u64(0..SPAN / 4);
                let amount = g.eth(100_000_000, 900_000_000);
                g.edge(x, m, amount, ts, None);
                for &r in &rounds {
                    g.edge(m, c, U256::ZERO, r, Some(sel));
                }
                let n = g.rng.usize(0..3);
                g.chatter(m, ts, n);
            }
            vec![]
        }
        _ => {
            let x = g.exchange();
            for (i, &m) in members.iter().enumerate() {
                let ts = start + 2 * i as u64;
                let amount = g.eth(100_000_000, 900_000_000);
                g.edge(x, m, amount, ts, None);
                let call = ts + 300 + g.rng.u64(0..600);
                g.edge(m, c, U256::ZERO, call, Some(sel));
                let n = g.rng.usize(1..4);
                g.chatter(m, ts + 1200, n);
                let back = g.exchange();
                let out = amount / U256::from(2u8);
                let later = ts + 86_400 * g.rng.u64(1..20);
                g.edge(m, back, out, later, None);
            }
            vec![]
        }
    }
}

/// Writes rows as the edges CSV format.
pub fn write_csv(edges: &[RawEdge], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
    writeln!(w, "from,to,asset,amount,block,timestamp,tx,selector")?;
    for e in edges {
        let asset = e
            .asset
            .map_or_else(|| "native".to_owned(), |a| format!("{a:#x}"));
        let sel = e.selector.map_or_else(String::new, |s| {
            format!("0x{}", alloy_primitives::hex::encode(s))
        });
        writeln!(
            w,
            "{:#x},{:#x},{asset},{},{},{},{:#x},{sel}",
            e.from, e.to, e.amount, e.block, e.timestamp, e.tx
        )?;
    }
    w.flush()
}

/// Precision and recall of flagged addresses against the planted ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    /// Flagged and planted.
    pub true_positives: usize,
    /// Flagged, not planted.
    pub false_positives: usize,
    /// Planted, not flagged.
    pub false_negatives: usize,
    /// tp / (tp + fp).
    pub precision: f64,
    /// tp / (tp + fn).
    pub recall: f64,
}

use serde::Serialize;

/// Scores `flagged` against `planted` (both any order).
pub fn score(flagged: &[Address], planted: &[Address]) -> Score {
    let mut f = flagged.to_vec();
    f.sort_unstable();
    f.dedup();
    let mut p = planted.to_vec();
    p.sort_unstable();
    p.dedup();
    let tp = f.iter().filter(|a| p.binary_search(a).is_ok()).count();
    let fp = f.len() - tp;
    let fn_ = p.len() - tp;
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    Score {
        true_positives: tp,
        false_positives: fp,
        false_negatives: fn_,
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, tp + fn_),
    }
}
