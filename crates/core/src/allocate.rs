//! Allocation: facts and a campaign in, exact integer amounts out. Every pool pays exactly its
//! amount (or reports the dust its rule leaves by design), and the whole campaign pays exactly
//! the budget — checked at the end, not assumed.

use crate::error::{CoreError, Result};
use crate::math::{isqrt, largest_remainder, log2_fixed, narrow, wide};
use crate::source::Facts;
use crate::spec::{Campaign, Multiplier, PoolSpec, Rule, Weighting, FACTOR_DECIMALS};
use crate::units::{format_units, pow10};
use airdrop_merkle::{Address, U256};

/// What happened to one source row in one pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Paid its share.
    Paid,
    /// Paid the pool's cap; the excess went to the others (or to dust).
    Capped,
    /// On an exclusion list.
    Excluded,
    /// Value below the pool's `min`.
    BelowMin,
    /// Score below the lowest tier.
    BelowTier,
    /// Weight 0 (zero value, or a multiplier of 0).
    ZeroWeight,
    /// Share below the pool's `floor`; dropped and redistributed.
    BelowFloor,
}

impl Status {
    /// Stable name used in bundles.
    pub fn name(self) -> &'static str {
        match self {
            Status::Paid => "paid",
            Status::Capped => "capped",
            Status::Excluded => "excluded",
            Status::BelowMin => "below-min",
            Status::BelowTier => "below-tier",
            Status::ZeroWeight => "zero-weight",
            Status::BelowFloor => "below-floor",
        }
    }
}

/// Decision for one source row in one pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// What happened.
    pub status: Status,
    /// Weight (weighted rules) or fixed amount before cap (fixed rules).
    pub weight: U256,
    /// Multiplier numerator (denominator is [`PoolOutcome::multiplier_scale`]).
    pub multiplier: U256,
    /// Amount paid by this pool, base units.
    pub amount: U256,
}

/// Outcome of one pool.
#[derive(Debug, Clone)]
pub struct PoolOutcome {
    /// The pool's amount from the budget.
    pub amount: U256,
    /// Paid to recipients.
    pub paid: U256,
    /// Left unpaid by design (fixed rules, everyone capped or below floor).
    pub dust: U256,
    /// One decision per source row (rows in address order).
    pub decisions: Vec<Decision>,
    /// Denominator of the multipliers (a power of ten).
    pub multiplier_scale: U256,
}

/// Dust and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dust {
    /// Pool it came from, or `None` for the global cap.
    pub pool: Option<String>,
    /// Why.
    pub reason: String,
    /// Base units.
    pub amount: U256,
}

/// The result of allocating a campaign.
#[derive(Debug, Clone)]
pub struct Allocation {
    /// Every address seen anywhere (sources, exclusions, dust_to), ascending.
    pub addresses: Vec<Address>,
    /// Total per address (including dust for `dust_to`).
    pub totals: Vec<U256>,
    /// Per pool, per address index: the part this pool pays after the global cap.
    pub parts: Vec<Vec<U256>>,
    /// Dust paid to `dust_to`, per address index (non-zero only for `dust_to`).
    pub dust_part: Vec<U256>,
    /// Amount cut by the global cap, per address index.
    pub global_cut: Vec<U256>,
    /// First exclusion list naming each address.
    pub excluded: Vec<Option<usize>>,
    /// For each source, the row of each address index (`u32::MAX` when absent).
    pub rows: Vec<Vec<u32>>,
    /// Per pool outcome.
    pub pools: Vec<PoolOutcome>,
    /// Dust items.
    pub dust: Vec<Dust>,
    /// Sum of dust.
    pub dust_total: U256,
}

impl Allocation {
    /// Recipients (address index, amount) with a non-zero amount, ascending by address.
    pub fn recipients(&self) -> impl Iterator<Item = (usize, U256)> + '_ {
        self.totals
            .iter()
            .enumerate()
            .filter(|(_, a)| !a.is_zero())
            .map(|(i, a)| (i, *a))
    }

    /// Sum of all amounts.
    pub fn total(&self) -> U256 {
        self.totals.iter().fold(U256::ZERO, |a, b| a + *b)
    }
}

/// Allocates `campaign` over `facts` (one per source, in spec order) and `exclusions` (one
/// address list per exclusion, in spec order).
pub fn allocate(
    campaign: &Campaign,
    facts: &[Facts],
    exclusions: &[Vec<Address>],
) -> Result<Allocation> {
    if facts.len() != campaign.sources.len() || exclusions.len() != campaign.excludes.len() {
        return Err(CoreError::Campaign(format!(
            "got facts for {} sources and {} exclusion lists, but the campaign has {} and {}",
            facts.len(),
            exclusions.len(),
            campaign.sources.len(),
            campaign.excludes.len()
        )));
    }
    let pool_amounts = campaign.pool_amounts()?;

    let mut addresses: Vec<Address> = facts
        .iter()
        .flat_map(|f| f.addresses.iter().copied())
        .collect();
    addresses.extend(exclusions.iter().flatten().copied());
    addresses.extend(campaign.dust_to);
    addresses.sort_unstable();
    addresses.dedup();
    let n = addresses.len();
    let index_of = |a: &Address| addresses.binary_search(a).unwrap_or(usize::MAX);

    let mut excluded: Vec<Option<usize>> = vec![None; n];
    for (li, list) in exclusions.iter().enumerate() {
        for a in list {
            let i = index_of(a);
            if i < n && excluded[i].is_none() {
                excluded[i] = Some(li);
            }
        }
    }
    let mut rows: Vec<Vec<u32>> = Vec::with_capacity(facts.len());
    let mut row_index: Vec<Vec<usize>> = Vec::with_capacity(facts.len());
    for f in facts {
        let mut r = vec![u32::MAX; n];
        let mut back = Vec::with_capacity(f.len());
        for (row, a) in f.addresses.iter().enumerate() {
            let i = index_of(a);
            r[i] = row as u32;
            back.push(i);
        }
        rows.push(r);
        row_index.push(back);
    }

    let mut totals = vec![U256::ZERO; n];
    let mut parts = Vec::with_capacity(campaign.pools.len());
    let mut pools = Vec::with_capacity(campaign.pools.len());
    let mut dust = Vec::new();
    for (pi, pool) in campaign.pools.iter().enumerate() {
        let f = &facts[pool.source];
        let is_excluded: Vec<bool> = row_index[pool.source]
            .iter()
            .map(|&i| excluded[i].is_some())
            .collect();
        let outcome = allocate_pool(campaign, pool, pool_amounts[pi], f, &is_excluded)?;
        let mut part = vec![U256::ZERO; n];
        for (row, d) in outcome.decisions.iter().enumerate() {
            if !d.amount.is_zero() {
                let i = row_index[pool.source][row];
                part[i] = d.amount;
                totals[i] += d.amount;
            }
        }
        tracing::info!(
            pool = %pool.name,
            rule = pool.rule.name(),
            amount = %outcome.amount,
            paid = %outcome.paid,
            dust = %outcome.dust,
            "pool allocated"
        );
        if !outcome.dust.is_zero() {
            dust.push(Dust {
                pool: Some(pool.name.clone()),
                reason: dust_reason(pool, &outcome),
                amount: outcome.dust,
            });
        }
        parts.push(part);
        pools.push(outcome);
    }

    // The global cap: cut from the last pools first, so an address keeps its earliest
    // (usually most deliberate) pools intact. The cut becomes dust.
    let mut global_cut = vec![U256::ZERO; n];
    if let Some(max) = campaign.max_per_address {
        let mut cut_total = U256::ZERO;
        let mut cut_count = 0usize;
        for i in 0..n {
            if totals[i] > max {
                let mut excess = totals[i] - max;
                global_cut[i] = excess;
                cut_total += excess;
                cut_count += 1;
                totals[i] = max;
                for part in parts.iter_mut().rev() {
                    let take = part[i].min(excess);
                    part[i] -= take;
                    excess -= take;
                    if excess.is_zero() {
                        break;
                    }
                }
            }
        }
        if !cut_total.is_zero() {
            dust.push(Dust {
                pool: None,
                reason: format!(
                    "{cut_count} addresses over max_per_address ({} {})",
                    format_units(max, campaign.token.decimals),
                    campaign.token.symbol
                ),
                amount: cut_total,
            });
        }
    }

    let dust_total = dust.iter().fold(U256::ZERO, |a, d| a + d.amount);
    let mut dust_part = vec![U256::ZERO; n];
    if !dust_total.is_zero() {
        let Some(to) = campaign.dust_to else {
            let why: Vec<String> = dust
                .iter()
                .map(|d| {
                    format!(
                        "{} {} {}",
                        format_units(d.amount, campaign.token.decimals),
                        campaign.token.symbol,
                        match &d.pool {
                            Some(p) => format!("from pool {p:?}: {}", d.reason),
                            None => format!("from the global cap: {}", d.reason),
                        }
                    )
                })
                .collect();
            return Err(CoreError::Campaign(format!(
                "{}: the campaign leaves {} {} undistributed ({}); set dust_to = \"0x…\" to say where it goes",
                campaign.file,
                format_units(dust_total, campaign.token.decimals),
                campaign.token.symbol,
                why.join("; ")
            )));
        };
        let i = index_of(&to);
        dust_part[i] = dust_total;
        totals[i] += dust_total;
    }

    let allocation = Allocation {
        addresses,
        totals,
        parts,
        dust_part,
        global_cut,
        excluded,
        rows,
        pools,
        dust,
        dust_total,
    };
    let total = allocation.total();
    if total != campaign.budget {
        // Unreachable by construction; refusing beats publishing a tree that over- or under-pays.
        return Err(CoreError::Campaign(format!(
            "internal error: allocations sum to {total} base units, budget is {}; please report this campaign",
            campaign.budget
        )));
    }
    tracing::debug!(
        recipients = allocation.recipients().count(),
        "allocation complete"
    );
    Ok(allocation)
}

fn dust_reason(pool: &PoolSpec, o: &PoolOutcome) -> String {
    let capped = o
        .decisions
        .iter()
        .filter(|d| d.status == Status::Capped)
        .count();
    let paid = o
        .decisions
        .iter()
        .filter(|d| d.status == Status::Paid)
        .count();
    match &pool.rule {
        Rule::Tiers(_) => "tiers pay fixed amounts that do not use the whole pool".into(),
        Rule::Points(_) => {
            "points pay a fixed amount per point that does not use the whole pool".into()
        }
        _ if paid == 0 && capped > 0 => format!("all {capped} recipients are at the cap"),
        _ => "no recipient left above the floor".into(),
    }
}

/// The multiplier numerator of one row and the common denominator of the pool.
fn multiplier(pool: &PoolSpec, f: &Facts, row: usize, source_scale: U256) -> (U256, U256) {
    let mut num = U256::from(1u8);
    let mut den = U256::from(1u8);
    let factor_scale = pow10(u32::from(FACTOR_DECIMALS)).unwrap_or(U256::MAX);
    for m in &pool.multipliers {
        match m {
            Multiplier::Flag { column, factor } => {
                num = num.saturating_mul(if f.value(row, *column).is_zero() {
                    factor_scale
                } else {
                    *factor
                });
                den = den.saturating_mul(factor_scale);
            }
            Multiplier::Column { column } => {
                num = num.saturating_mul(f.value(row, *column));
                den = den.saturating_mul(source_scale);
            }
        }
    }
    (num, den)
}

/// Weights are kept under 2^224 so that every exact comparison (weight × amount against
/// cap × total weight, with up to 2^32 recipients) fits in 512 bits.
const MAX_WEIGHT_BITS: usize = 224;

fn checked_narrow(v: alloy_primitives::U512) -> Option<U256> {
    (v.bit_len() <= 256).then(|| narrow(v))
}

fn allocate_pool(
    campaign: &Campaign,
    pool: &PoolSpec,
    amount: U256,
    f: &Facts,
    excluded: &[bool],
) -> Result<PoolOutcome> {
    let src = &campaign.sources[pool.source];
    let source_scale = crate::spec::source_scale(src);
    let pool_err = |detail: String| CoreError::Pool {
        pool: pool.name.clone(),
        detail,
    };
    let too_large = || {
        pool_err(format!(
            "a value or multiplier of source {:?} is too large to weigh exactly (over 2^{MAX_WEIGHT_BITS}); check the column's decimals",
            src.name
        ))
    };
    let mut decisions = Vec::with_capacity(f.len());
    let mut scale = U256::from(1u8);
    for (row, &row_excluded) in excluded.iter().enumerate() {
        let value = pool.column.map(|c| f.value(row, c)).unwrap_or_default();
        let (num, den) = multiplier(pool, f, row, source_scale);
        scale = den;
        let mut d = Decision {
            status: Status::Paid,
            weight: U256::ZERO,
            multiplier: num,
            amount: U256::ZERO,
        };
        if row_excluded {
            d.status = Status::Excluded;
        } else if pool.min.is_some_and(|m| value < m) {
            d.status = Status::BelowMin;
        } else {
            let base = match &pool.rule {
                Rule::Flat => Some(U256::from(1u8)),
                Rule::ProRata(Weighting::Linear) => Some(value),
                Rule::ProRata(Weighting::Sqrt) => Some(isqrt(value)),
                // log2(1 + v/scale) = log2(scale + v) − log2(scale): damping in whole units, so the
                // source's decimals do not flatten the curve.
                Rule::ProRata(Weighting::Log) => {
                    let s = source_scale;
                    Some(log2_fixed(s.saturating_add(value)) - log2_fixed(s))
                }
                Rule::Tiers(tiers) => tiers
                    .iter()
                    .rev()
                    .find(|t| value >= t.min)
                    .map(|t| t.amount),
                Rule::Points(per_point) => Some(
                    checked_narrow(wide(value) * wide(*per_point) / wide(source_scale))
                        .ok_or_else(too_large)?,
                ),
            };
            match base {
                None => d.status = Status::BelowTier,
                Some(b) => {
                    d.weight = if pool.rule.is_fixed() {
                        checked_narrow(wide(b) * wide(num) / wide(den)).ok_or_else(too_large)?
                    } else {
                        b.checked_mul(num)
                            .filter(|w| w.bit_len() <= MAX_WEIGHT_BITS)
                            .ok_or_else(too_large)?
                    };
                    if d.weight.is_zero() {
                        d.status = Status::ZeroWeight;
                    }
                }
            }
        }
        decisions.push(d);
    }
    let eligible: Vec<usize> = (0..f.len())
        .filter(|r| decisions[*r].status == Status::Paid)
        .collect();
    if eligible.is_empty() {
        let count = |s: Status| decisions.iter().filter(|d| d.status == s).count();
        let mut why = vec![format!("source {:?} has {} rows", src.name, f.len())];
        for s in [
            Status::Excluded,
            Status::BelowMin,
            Status::BelowTier,
            Status::ZeroWeight,
        ] {
            let c = count(s);
            if c > 0 {
                why.push(format!("{c} {}", s.name()));
            }
        }
        return Err(pool_err(format!(
            "no eligible recipients ({}); check the source file, lower min, or remove the pool",
            why.join(", ")
        )));
    }

    let paid = if pool.rule.is_fixed() {
        let mut paid = U256::ZERO;
        for &r in &eligible {
            let d = &mut decisions[r];
            let mut a = d.weight;
            if let Some(cap) = pool.cap {
                if a > cap {
                    a = cap;
                    d.status = Status::Capped;
                }
            }
            if pool.floor.is_some_and(|fl| a < fl) {
                a = U256::ZERO;
                d.status = Status::BelowFloor;
            }
            d.amount = a;
            paid = paid
                .checked_add(a)
                .ok_or_else(|| pool_err("fixed amounts overflow uint256".into()))?;
        }
        if paid > amount {
            let sym = &campaign.token.symbol;
            let dec = campaign.token.decimals;
            return Err(pool_err(format!(
                "the {} rule pays {} {sym} but the pool has {} {sym} (share {:?}); raise the share or lower the amounts",
                pool.rule.name(),
                format_units(paid, dec),
                format_units(amount, dec),
                pool.share_text
            )));
        }
        paid
    } else {
        water_fill(pool, amount, f, &eligible, &mut decisions)
    };
    Ok(PoolOutcome {
        amount,
        paid,
        dust: amount - paid,
        decisions,
        multiplier_scale: scale,
    })
}

/// Splits `amount` by weight with caps and floors to a fixed point; returns what was paid.
///
/// Candidates are ordered by weight (descending, ties by address). Capped addresses are always
/// a prefix of that order and dropped ones a suffix, so the fixed point is found in one sweep:
/// cap the top while its share exceeds the cap, drop the bottom (one at a time, so nobody is
/// dropped who would reach the floor once those below are gone) while its share is under the
/// floor, and repeat until neither moves.
fn water_fill(
    pool: &PoolSpec,
    amount: U256,
    f: &Facts,
    eligible: &[usize],
    decisions: &mut [Decision],
) -> U256 {
    let mut order: Vec<usize> = eligible.to_vec();
    order.sort_unstable_by(|a, b| {
        decisions[*b]
            .weight
            .cmp(&decisions[*a].weight)
            .then_with(|| f.addresses[*a].cmp(&f.addresses[*b]))
    });
    let mut remaining = amount;
    let mut wsum = order.iter().fold(alloy_primitives::U512::ZERO, |acc, r| {
        acc + wide(decisions[*r].weight)
    });
    let (mut lo, mut hi) = (0usize, order.len());
    loop {
        let mut moved = false;
        if let Some(cap) = pool.cap {
            while lo < hi && wide(decisions[order[lo]].weight) * wide(remaining) > wide(cap) * wsum
            {
                let d = &mut decisions[order[lo]];
                d.status = Status::Capped;
                d.amount = cap;
                remaining -= cap;
                wsum -= wide(d.weight);
                lo += 1;
                moved = true;
            }
        }
        if let Some(floor) = pool.floor {
            if lo < hi
                && wide(decisions[order[hi - 1]].weight) * wide(remaining) < wide(floor) * wsum
            {
                let d = &mut decisions[order[hi - 1]];
                d.status = Status::BelowFloor;
                wsum -= wide(d.weight);
                hi -= 1;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    let mut paid = amount - remaining;
    if lo < hi {
        let mut active: Vec<usize> = order[lo..hi].to_vec();
        // Address order makes the remainder tie-break independent of the weight sort.
        active.sort_unstable();
        let weights: Vec<U256> = active.iter().map(|r| decisions[*r].weight).collect();
        let addrs: Vec<Address> = active.iter().map(|r| f.addresses[*r]).collect();
        let split = largest_remainder(remaining, &weights, &addrs);
        for (r, a) in active.iter().zip(split) {
            decisions[*r].amount = a;
        }
        paid = amount;
    }
    paid
}
