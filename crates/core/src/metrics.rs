//! Fairness figures. These are statistics, not money: computed from the exact integers (exact
//! where it is cheap, f64 where a ratio is all that is printed) and rounded to 6 decimals so
//! the report's bytes are the same on every IEEE-754 machine.

use crate::units::{format_units, pow10, to_f64};
use airdrop_merkle::U256;
use serde::{Deserialize, Serialize};

/// Summary figures of a distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fairness {
    /// Recipients counted (amount > 0, dust excluded).
    pub recipients: u64,
    /// Gini coefficient, 0 (equal) to 1.
    pub gini: f64,
    /// Fewest recipients holding more than half of the total.
    pub nakamoto: u64,
    /// Share of the total held by the 10 largest recipients.
    pub top10_share: f64,
    /// Share held by the largest 1% (at least one recipient).
    pub top1pct_share: f64,
    /// Herfindahl–Hirschman index: sum of squared shares (1/n … 1).
    pub hhi: f64,
    /// Smallest amount, base units.
    pub min: String,
    /// Median amount (lower median), base units.
    pub median: String,
    /// Largest amount, base units.
    pub max: String,
}

/// One histogram bucket of a 1–2–5 log scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Lower bound (inclusive), whole tokens.
    pub from: String,
    /// Upper bound (exclusive), whole tokens.
    pub to: String,
    /// Recipients in the bucket.
    pub count: u64,
    /// Sum of their amounts, base units.
    pub amount: String,
}

/// Figures, histogram and Lorenz curve of a distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Summary figures.
    pub fairness: Fairness,
    /// Log-scale histogram (1–2–5 steps).
    pub histogram: Vec<Bucket>,
    /// Lorenz curve: 101 points (share of recipients, share of total), poorest first.
    pub lorenz: Vec<[f64; 2]>,
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Computes the figures of `amounts` (any order; zeros ignored), tokens of `decimals`.
pub fn distribution(amounts: &[U256], decimals: u8) -> Distribution {
    let mut xs: Vec<U256> = amounts.iter().copied().filter(|a| !a.is_zero()).collect();
    xs.sort_unstable();
    let n = xs.len();
    let total = xs.iter().fold(U256::ZERO, |a, b| a + *b);
    if n == 0 || total.is_zero() {
        let zero = "0".to_owned();
        return Distribution {
            fairness: Fairness {
                recipients: 0,
                gini: 0.0,
                nakamoto: 0,
                top10_share: 0.0,
                top1pct_share: 0.0,
                hhi: 0.0,
                min: zero.clone(),
                median: zero.clone(),
                max: zero,
            },
            histogram: vec![],
            lorenz: vec![[0.0, 0.0], [1.0, 1.0]],
        };
    }
    let tf = to_f64(total);
    // Gini = Σ (2i − n − 1)·x_i / (n·T), i from 1 over ascending x: numerator exact.
    let (mut pos, mut neg) = (U256::ZERO, U256::ZERO);
    for (i, x) in xs.iter().enumerate() {
        let c = 2 * (i as i64 + 1) - n as i64 - 1;
        if c >= 0 {
            pos += U256::from(c as u64) * *x;
        } else {
            neg += U256::from((-c) as u64) * *x;
        }
    }
    let gini = if pos >= neg {
        to_f64(pos - neg) / (n as f64 * tf)
    } else {
        0.0
    };
    let mut cum = U256::ZERO;
    let mut nakamoto = 0u64;
    for x in xs.iter().rev() {
        cum += *x;
        nakamoto += 1;
        if cum * U256::from(2u8) > total {
            break;
        }
    }
    let top = |k: usize| to_f64(xs.iter().rev().take(k).fold(U256::ZERO, |a, b| a + *b)) / tf;
    let hhi: f64 = xs
        .iter()
        .map(|x| {
            let s = to_f64(*x) / tf;
            s * s
        })
        .sum();
    let fairness = Fairness {
        recipients: n as u64,
        gini: round6(gini),
        nakamoto,
        top10_share: round6(top(10)),
        top1pct_share: round6(top(n.div_ceil(100))),
        hhi: round6(hhi),
        min: xs[0].to_string(),
        median: xs[(n - 1) / 2].to_string(),
        max: xs[n - 1].to_string(),
    };

    // Buckets on a 1–2–5 log scale in base units: [10^k, 2·10^k), [2·10^k, 5·10^k), … — three
    // per decade, so a glance shows the shape without floating-point bucket edges.
    let digits = |x: &U256| x.to_string().len();
    let mut lo = pow10(digits(&xs[0]) as u32 - 1).unwrap_or(U256::MAX);
    let mut step = 0usize;
    let mut histogram = Vec::new();
    let mut idx = 0;
    while idx < n {
        // Next bound: ×2, ×2.5, ×2 cycles 1 → 2 → 5 → 10.
        let hi = match step % 3 {
            0 => lo.saturating_mul(U256::from(2u8)),
            1 => lo.saturating_mul(U256::from(5u8)) / U256::from(2u8),
            _ => lo.saturating_mul(U256::from(2u8)),
        };
        let (mut count, mut sum) = (0u64, U256::ZERO);
        while idx < n && (xs[idx] < hi || hi == U256::MAX) {
            count += 1;
            sum += xs[idx];
            idx += 1;
        }
        histogram.push(Bucket {
            from: format_units(lo, decimals),
            to: format_units(hi, decimals),
            count,
            amount: sum.to_string(),
        });
        lo = hi;
        step += 1;
    }

    let mut lorenz = Vec::with_capacity(101);
    let mut prefix = U256::ZERO;
    let mut k = 0usize;
    for p in 0..=100usize {
        let upto = n * p / 100;
        while k < upto {
            prefix += xs[k];
            k += 1;
        }
        lorenz.push([p as f64 / 100.0, round6(to_f64(prefix) / tf)]);
    }
    Distribution {
        fairness,
        histogram,
        lorenz,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u64) -> U256 {
        U256::from(v)
    }

    #[test]
    fn equal_distribution() {
        let d = distribution(&[u(5); 200], 0);
        assert_eq!(d.fairness.gini, 0.0);
        assert_eq!(d.fairness.nakamoto, 101);
        assert_eq!(d.fairness.top10_share, 0.05);
        assert_eq!(d.fairness.top1pct_share, 0.01);
        assert_eq!(d.fairness.hhi, 0.005);
        assert_eq!(d.lorenz[50], [0.5, 0.5]);
    }

    #[test]
    fn one_whale() {
        let mut xs = vec![u(1); 99];
        xs.push(u(901));
        let d = distribution(&xs, 0);
        assert_eq!(d.fairness.nakamoto, 1);
        assert_eq!(d.fairness.top1pct_share, 0.901);
        // Σ(2i−n−1)x_i = −99 + 99·901 = 89100; over n·T = 100 000: 0.891.
        assert_eq!(d.fairness.gini, 0.891);
        // [1,2) holds the 99 ones; 901 falls in [500,1000); buckets in between are empty.
        let bounds: Vec<(&str, &str)> = d
            .histogram
            .iter()
            .map(|b| (b.from.as_str(), b.to.as_str()))
            .collect();
        assert_eq!(bounds.first(), Some(&("1", "2")));
        assert_eq!(bounds.last(), Some(&("500", "1000")));
        assert_eq!(d.histogram.len(), 9);
        assert_eq!(d.histogram[0].count, 99);
        assert_eq!(d.histogram[8].count, 1);
        assert_eq!(d.histogram.iter().map(|b| b.count).sum::<u64>(), 100);
    }
}
